"""Work off the GUI thread whose result comes back to it: the one mechanism the desk's
controllers use for store reads and directory lookups.

`BackgroundJobs(submit)` runs each job through `submit` (a single-thread executor's
submit: the store writer, or the screen pop's worker) and calls `then(result)` - or
`failed(exception)` - on the GUI thread through a queued signal (the Electrum pattern).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


class BackgroundJobs(QObject):
    _sig_done = Signal(object, object)  # (call on the GUI thread, with this value)

    def __init__(self, submit: Callable[[Callable[[], None]], object],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._submit = submit
        self._sig_done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def run(self, job: Callable[[], T], then: Callable[[T], None],
            failed: Callable[[Exception], None] | None = None) -> None:
        def work() -> None:
            try:
                result: Any = job()
            except Exception as exc:
                if failed is None:
                    log.exception("background job failed")
                    return
                self._sig_done.emit(failed, exc)
                return
            self._sig_done.emit(then, result)
        self._submit(work)

    @Slot(object, object)
    def _deliver(self, callback: Callable[[Any], None], value: Any) -> None:
        callback(value)
