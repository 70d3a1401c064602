"""The reaper ends what a crashed test run left behind, and nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

from tests.process_reaper import RUN_ID_VARIABLE, marked_processes, reap

# A "test process" that starts a server-like grandchild in its own session (as the
# server and sipp fixtures do), reports its pid, then waits to be killed.
CRASHING_RUN = r"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                         start_new_session=True)
print(child.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_grandchild_orphaned_by_a_killed_run_is_ended() -> None:
    run_id = f"reaper-test-{uuid.uuid4().hex}"
    env = {**os.environ, RUN_ID_VARIABLE: run_id}
    run = subprocess.Popen([sys.executable, "-c", CRASHING_RUN], env=env,
                           stdout=subprocess.PIPE, text=True)
    unmarked = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                                env={k: v for k, v in os.environ.items()
                                     if k != RUN_ID_VARIABLE})
    try:
        assert run.stdout is not None
        orphan = int(run.stdout.readline())
        run.send_signal(signal.SIGKILL)  # the test run crashes: nothing cleans up
        run.wait(timeout=10)
        assert _alive(orphan)
        assert orphan in marked_processes(run_id)

        ended = reap(run_id, grace_s=5)

        assert orphan in ended
        assert not _alive(orphan)
        assert unmarked.poll() is None  # another run's (or the user's) processes live on
    finally:
        for process in (run, unmarked):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        if run.stdout is not None:
            run.stdout.close()
