"""Ends every process a test run started, whatever ended the run.

A test run is marked by AGENTDESK_TEST_RUN_ID in the environment; every process the
tests start inherits it (servers, sipp, kamailio, baresip, the simulated caller, a
PostgreSQL cluster, the keyring daemon), also those that start their own session or
were orphaned when the test process crashed. After the run, `./scripts/test` calls
this module, which finds them by that mark in /proc and ends them: SIGTERM, then
SIGKILL for what is still there after a grace period. tests/conftest.py does the same
when pytest ends by itself, for a developer who runs pytest directly.

    python -m tests.process_reaper RUN_ID
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

RUN_ID_VARIABLE = "AGENTDESK_TEST_RUN_ID"


def marked_processes(run_id: str, *, exclude: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """The pids whose environment carries this run's mark, minus `exclude`."""
    mark = f"{RUN_ID_VARIABLE}={run_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in exclude:
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if mark in environment.split(b"\0"):
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has ended; its parent has yet to reap it


def reap(run_id: str, *, grace_s: float = 3.0, exclude: set[int] | None = None) -> list[int]:
    """End every process marked with `run_id` (but the caller and its parents); return
    the pids that were found."""
    spared = set(exclude or ())
    pid = os.getpid()
    while pid > 1:  # this process and its ancestors carry the mark too
        spared.add(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    victims = marked_processes(run_id, exclude=spared)
    for victim in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(_alive(v) for v in victims):
        time.sleep(0.05)
    for victim in victims:
        if _alive(victim):
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
    return victims


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0]:
        print("usage: python -m tests.process_reaper RUN_ID", file=sys.stderr)
        return 2
    victims = reap(argv[0])
    if victims:
        print(f"process reaper: ended {len(victims)} process(es) the test run left behind: "
              + " ".join(str(v) for v in sorted(victims)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
