"""The CallService's `schedule(delay_s, fn) -> cancel`, on single-shot QTimers.

Each timer is a child of the scheduler and is deleted once it fired or was
cancelled, so nothing leaks; `cancel_all()` stops whatever is pending at shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)


class QtScheduler(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: set[QTimer] = set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def schedule(self, delay_s: float, fn: Callable[[], None]) -> Callable[[], None]:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(max(0, round(delay_s * 1000)))
        self._pending.add(timer)

        def fire() -> None:
            self._drop(timer)
            try:
                fn()
            except Exception:  # one failed job must not break the event loop
                log.exception("scheduled job %r failed", fn)

        timer.timeout.connect(fire)
        timer.start()
        return lambda: self._drop(timer)

    def cancel_all(self) -> None:
        for timer in list(self._pending):
            self._drop(timer)

    def _drop(self, timer: QTimer) -> None:
        if timer not in self._pending:
            return  # already fired or cancelled: cancelling twice is harmless
        self._pending.discard(timer)
        timer.stop()
        timer.deleteLater()
