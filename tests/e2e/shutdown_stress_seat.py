"""Seats shut down at random moments, one after another, in one process.

Run as a child process by test_shutdown_stress.py, which counts what this process
could not: a crash (a negative return code, faulthandler's dump on stderr). Each
seat is the real one (app.py's Seat with its window, pjsua2 on 127.0.0.1, SeatSync
logged in to a real `agentdesk-server serve`), and while it runs a caller thread
keeps calling it with RTP from the demo's customers (screen pops looked up on the
server on the screen's worker thread), calls are answered at once and recorded, sync
is nudged at random; then the seat is shut down after a random delay, the way the
app does it (aboutToQuit: desk.stop, seat.shutdown, screen.close) or the way the
e2e tests do it (the window deleted first). One line "shutdown N ok" per seat on
stdout; exit 0 once all are done.

    python -m tests.e2e.shutdown_stress_seat --server URL --password P \
        --workdir DIR --seats N --seed S [--budget-s SECONDS]
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import gc
import random
import sys
import threading
import time
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from agentdesk.app import Seat, build_desk_window, demo_settings
from agentdesk.core.phone_events import CallState, CallStateChanged, RecordingChanged
from agentdesk.credentials import SessionSecretStore
from agentdesk.demo_server import AGENT_USERNAME
from agentdesk.paths import SeatPaths
from tests.sip.sip_probe import SipProbe, tone_payloads

# Callers from the demo data: a known customer, a shared number, an unknown one.
CALLERS = ({"X-Customer-Id": "C-1001"}, {}, {"X-Ivr-Step": "no-id"})
MAX_UP_S = 1.6  # a seat lives 0..MAX_UP_S before its shutdown starts


class Caller:
    """Calls the seat again and again from a thread until stopped (a phone would)."""

    def __init__(self, port: int, rng: random.Random) -> None:
        self._probe = SipProbe("127.0.0.1", port, AGENT_USERNAME)
        self._rng = random.Random(rng.random())
        self._stopping = threading.Event()
        self._tone = tone_payloads(seconds=0.2)
        self._thread = threading.Thread(target=self._run, name="stress-caller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            headers = self._rng.choice(CALLERS)
            hold = self._rng.uniform(0.05, 0.8)
            with contextlib.suppress(TimeoutError, OSError, AttributeError, ValueError):
                self._probe.call(hold_s=hold, rtp_frames=self._tone, headers=headers,
                                 timeout_s=1.0)
            self._stopping.wait(self._rng.uniform(0.0, 0.1))
        self._probe.close()

    def stop(self) -> None:
        # Not joined: its INVITE to a seat that is gone times out on its own, and it
        # closes its sockets then.
        self._stopping.set()


# When a seat's shutdown starts: at a random moment, or a few ms after a pop began (its
# lookup on the screen's worker thread), a call connected (recording, RTP flowing) or
# a sync status arrived (the sync thread at work).
TRIGGERS = ("time", "pop", "connected", "sync")
EVENT_DELAY_S = 0.08  # after the event: 0..this


def run_one(app: QApplication, index: int, args: argparse.Namespace,
            rng: random.Random) -> str:
    workdir = Path(args.workdir)
    settings = demo_settings(None)
    settings.server.url = args.server
    settings.server.username = AGENT_USERNAME
    settings.phone.auto_answer_after_s = 0
    settings.phone.record_calls = rng.random() < 0.8
    paths = SeatPaths(workdir / "seat.toml", workdir / "data")
    password = args.password
    t0 = time.monotonic()
    seat = Seat(paths, settings, SessionSecretStore(None), settings_path=None,
                server_password=lambda: password)
    built = build_desk_window(seat, None, tray_available=False)
    window, desk, screen = built.window, built.desk, built.screen
    seat.start()
    window.apply_settings(seat.settings, account=seat.account_label())
    desk.start()
    window.show()
    caller = Caller(seat.phone.local_port, rng)
    caller.start()
    t1 = time.monotonic()

    loop = QEventLoop()
    trigger = rng.choice(TRIGGERS)
    seen = {"pops": 0, "connected": 0, "recordings": 0, "syncs": 0}

    def stop_soon() -> None:
        QTimer.singleShot(round(rng.uniform(0.0, EVENT_DELAY_S) * 1000), loop.quit)

    def on_pop(_event: object) -> None:
        seen["pops"] += 1
        if trigger == "pop":
            stop_soon()

    def on_state(event: CallStateChanged) -> None:
        if event.state is CallState.CONNECTED:
            seen["connected"] += 1
            if trigger == "connected":
                stop_soon()

    def on_recording(event: RecordingChanged) -> None:
        seen["recordings"] += int(event.recording)

    def on_sync(_status: object) -> None:
        seen["syncs"] += 1
        if trigger == "sync":
            stop_soon()

    seat.bridge.sig_incoming_call.connect(on_pop)
    seat.bridge.sig_call_state_changed.connect(on_state)
    seat.bridge.sig_recording_changed.connect(on_recording)
    if seat.sync_bridge is not None:
        seat.sync_bridge.sig_status_changed.connect(on_sync)
    nudges = QTimer()
    nudges.setInterval(rng.randint(50, 400))

    def nudge() -> None:  # an agent's hand on the desk while the calls come and go
        if seat.sync_bridge is not None and rng.random() < 0.5:
            seat.sync_bridge.sync_now()
        for line in seat.calls.lines:
            if line.state is CallState.CONNECTED and rng.random() < 0.5:
                with contextlib.suppress(Exception):  # ended meanwhile: fine
                    seat.calls.toggle_recording(line.call_id)

    nudges.timeout.connect(nudge)
    nudges.start()
    limit = MAX_UP_S if trigger == "time" else 2 * MAX_UP_S
    QTimer.singleShot(round(rng.uniform(0.0, limit) * 1000), loop.quit)
    loop.exec()
    nudges.stop()
    live = len(seat.calls.lines)
    t2 = time.monotonic()
    order = rng.choice(("app", "test"))
    if order == "app":
        # As the app's aboutToQuit does it, the window still alive.
        desk.stop()
        seat.shutdown()
        screen.close()
        shiboken6.delete(window)
    else:
        # As the e2e tests' Desk.close does it: the window goes first.
        desk.stop()
        screen.close()
        if seat.sync_bridge is not None:
            seat.sync_bridge.sig_status_changed.disconnect(seat.on_sync_status_changed)
        window.close()
        shiboken6.delete(window)
        seat.shutdown()
    t3 = time.monotonic()
    caller.stop()
    window = desk = screen = built = None  # dropped before the collection below
    if rng.random() < 0.5:
        gc.collect()
    app.processEvents()
    return (f"trigger={trigger} order={order} live_calls={live} "
            f"open_s={t1 - t0:.2f} up_s={t2 - t1:.2f} shutdown_s={t3 - t2:.2f} "
            + " ".join(f"{k}={v}" for k, v in seen.items()))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--seats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget-s", type=float, default=0.0,
                        help="start no further seat after this many seconds (0: no limit)")
    args = parser.parse_args()
    faulthandler.enable(all_threads=True)
    rng = random.Random(args.seed)
    app = QApplication(sys.argv[:1])
    started = time.monotonic()
    for index in range(args.seats):
        if index and args.budget_s and time.monotonic() - started > args.budget_s:
            break
        summary = run_one(app, index, args, rng)
        print(f"shutdown {index} ok {summary}", flush=True)
    print(f"done in {time.monotonic() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
