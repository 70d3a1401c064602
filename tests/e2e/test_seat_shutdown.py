"""SIGTERM just after a call ends: the real seat must still exit 0, promptly.

The seat (`python -m agentdesk`, offscreen, its AudioBridge attached) takes a few
calls from a raw UDP probe, with RTP, and gets SIGTERM the moment the probe has sent
the last BYE - while the seat is still inside pjsua handling that BYE. Python runs a
signal handler between any two bytecodes of the main thread, pjsua2 callbacks (the
log writer, onCallState) included, and Qt 6's quit() emits aboutToQuit at once: the
shutdown used to run *inside* pjsua's BYE handling and destroyed the library under
its own feet (pj_mutex_unlock / pjmedia_conf_disconnect_port assertions, or a
deadlock joining the conference clock thread). The race is narrow, so the SIGTERM is
swept over the first few milliseconds after the BYE, over several seats.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.seat_process import wait_for_log_text, write_auto_answer_config
from tests.sip.sip_probe import SipProbe, tone_payloads
from tests.sip.sipp import free_port

pytestmark = [pytest.mark.sip, pytest.mark.slow]

# Delay between sending the last BYE and SIGTERM, one seat each. Before the fix about
# one seat in two died at 0-2 ms; 8 seats make a miss of the old bug very unlikely.
SIGNAL_DELAYS_MS = (0.0, 0.3, 0.6, 1.0, 0.0, 0.3, 0.6, 1.0)
PARALLEL_SEATS = 2
EXIT_TIMEOUT_S = 12.0  # a clean shutdown takes well under a second


@dataclass
class SeatRun:
    delay_ms: float
    returncode: int | None  # None: hung, killed after EXIT_TIMEOUT_S
    stderr: str
    problem: str = ""

    @property
    def clean(self) -> bool:
        return self.returncode == 0 and "Assertion" not in self.stderr and not self.problem

    def describe(self) -> str:
        status = "HUNG" if self.returncode is None else f"exit {self.returncode}"
        tail = "\n    ".join(self.stderr.strip().splitlines()[-6:])
        return f"SIGTERM {self.delay_ms} ms after BYE: {status} {self.problem}\n    {tail}"


def run_seat(workdir: Path, delay_ms: float) -> SeatRun:
    port = free_port()
    # DEBUG: pjsua's log lines put more Python inside pjsua, a wider window for the race.
    config = write_auto_answer_config(workdir / "seat.toml", port)
    data = workdir / "data"
    stderr_path = workdir / "stderr.txt"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "agentdesk", "--config", str(config), "--data-dir",
             str(data)], stdout=subprocess.DEVNULL, stderr=stderr, text=True, env=env)
    problem = ""
    try:
        wait_for_log_text(data / "logs" / "agentdesk.log", "softphone ready", 30, process)
        probe = SipProbe("127.0.0.1", port, "1001")
        try:
            probe.call(hold_s=0.2)
            probe.call(hold_s=0.4, rtp_frames=tone_payloads(seconds=0.4))

            def terminate() -> None:
                end = time.perf_counter() + delay_ms / 1000
                while time.perf_counter() < end:
                    pass  # a sleep this short would oversleep by far more than it waits
                process.send_signal(signal.SIGTERM)

            # A seat that died may never answer: that is judged below, not here.
            with contextlib.suppress(TimeoutError, OSError):
                probe.call(hold_s=0.3, rtp_frames=tone_payloads(seconds=0.3),
                           after_bye=terminate, timeout_s=3.0)
        finally:
            probe.close()
        try:
            returncode: int | None = process.wait(timeout=EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            returncode = None
    except AssertionError as exc:
        returncode, problem = process.poll(), str(exc)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    return SeatRun(delay_ms, returncode, stderr_path.read_text(errors="replace"), problem)


def test_seat_exits_cleanly_on_sigterm_right_after_a_bye(tmp_path):
    workdirs = []
    for index in range(len(SIGNAL_DELAYS_MS)):
        workdir = tmp_path / f"seat{index}"
        workdir.mkdir()
        workdirs.append(workdir)
    with ThreadPoolExecutor(PARALLEL_SEATS) as pool:
        runs = list(pool.map(run_seat, workdirs, SIGNAL_DELAYS_MS))
    failed = [run for run in runs if not run.clean]
    if failed:
        pytest.fail(f"{len(failed)} of {len(runs)} seats did not exit cleanly:\n"
                    + "\n".join(run.describe() for run in failed), pytrace=False)
