"""What the benchmarks share (not a benchmark itself: bench/run_all.py skips `_*.py`).

- Processes a benchmark starts die with it: `die_with_parent` (PR_SET_PDEATHSIG) for
  each child, `exit_on_sigterm` so a SIGTERM unwinds the benchmark's `with` blocks (a
  throw-away PostgreSQL cluster is stopped and its directory removed).
- `finish`: the exit status. A benchmark prints its figures next to their budgets; a
  MISS fails a full run (exit 1) but never a --quick one: --quick runs in CI, where
  figures are printed, not asserted, and only a benchmark that no longer runs fails.
- `quiet_offscreen_notices`: Qt's notes about the offscreen platform stay off the
  console; every other Qt warning still reaches stderr.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import sys
from types import FrameType

PR_SET_PDEATHSIG = 1


def set_parent_death_signal(sig: int = signal.SIGTERM) -> None:
    """This process gets `sig` when the thread that started it exits (Linux)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def die_with_parent() -> None:
    """subprocess preexec_fn: the child gets SIGTERM when its parent dies, however it
    dies (SIGKILL included). The parent may already be gone: then exit at once."""
    parent = os.getppid()
    set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(1)


def exit_on_sigterm() -> None:
    """SIGTERM raises SystemExit(143) in the main thread: `with` blocks and ExitStacks
    unwind (servers stopped, clusters removed) instead of the process vanishing."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        signal.signal(signum, signal.SIG_DFL)  # a second SIGTERM ends it for good
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def finish(missed: bool, quick: bool) -> int:
    """The exit status once every figure is printed (see the module docstring)."""
    if missed and quick:
        print("(--quick: a budget missed is reported, not failed)")
    return 1 if missed and not quick else 0


def quiet_offscreen_notices() -> None:
    """Drop what describes the machine, not agentdesk (no sound server, the offscreen
    platform's size hints: the messages tests/ui/conftest.py ignores) and Qt's info
    chatter; every other Qt warning still reaches stderr."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    from tests.ui.conftest import MACHINE_MESSAGES

    machine = [re.compile(pattern) for pattern in MACHINE_MESSAGES]

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        if kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg):
            return
        if not any(pattern.search(message) for pattern in machine):
            print(f"Qt {kind.name}: {message}", file=sys.stderr)

    qInstallMessageHandler(handler)
