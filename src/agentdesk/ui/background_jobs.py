"""Work off the GUI thread whose result comes back to it: the one mechanism the desk's
controllers use for store reads and directory lookups.

`BackgroundJobs(submit)` runs each job through `submit` (a single-thread executor's
submit: the store writer, or the screen pop's worker) and calls `then(result)` - or
`failed(exception)` - on the GUI thread through a queued signal (the Electrum pattern).

The worker never emits a signal of the BackgroundJobs itself: that object belongs to a
window the GUI thread may delete at any moment (closing the desk during a pop), and a
QObject deleted while another thread is inside one of its signals' emit() crashes the
process (`Fatal Python error: Segmentation fault` in `work`, the GUI thread already
further on in the shutdown). Results travel through one relay QObject that lives as
long as the program; on the GUI thread the relay drops a result whose BackgroundJobs
has been deleted meanwhile, as Qt drops the queued events of a deleted receiver.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Relay(QObject):
    """Carries results to the GUI thread; never deleted while worker threads run."""

    sig_done = Signal(object, object, object)  # (BackgroundJobs, callback, value)

    @Slot(object, object, object)
    def deliver(self, jobs: BackgroundJobs, callback: Callable[[Any], None],
                value: Any) -> None:
        if shiboken6.isValid(jobs):  # deleted meanwhile (its window closed): dropped
            callback(value)


_relay: _Relay | None = None


def _gui_relay() -> _Relay:
    """The relay, made on first use by a BackgroundJobs (on the GUI thread) and kept
    for the life of the process."""
    global _relay
    if _relay is None:
        relay = _Relay()
        app = QCoreApplication.instance()
        if app is not None and relay.thread() is not app.thread():
            relay.moveToThread(app.thread())
        relay.sig_done.connect(relay.deliver, Qt.ConnectionType.QueuedConnection)
        _relay = relay
    return _relay


class BackgroundJobs(QObject):
    def __init__(self, submit: Callable[[Callable[[], None]], object],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._submit = submit
        self._relay = _gui_relay()

    def run(self, job: Callable[[], T], then: Callable[[T], None],
            failed: Callable[[Exception], None] | None = None) -> None:
        relay = self._relay

        def work() -> None:  # on the worker thread: touches no object of the window
            try:
                result: Any = job()
            except Exception as exc:
                if failed is None:
                    log.exception("background job failed")
                    return
                relay.sig_done.emit(self, failed, exc)
                return
            relay.sig_done.emit(self, then, result)
        self._submit(work)


def post_to_gui(owner: QObject, callback: Callable[[T], None], value: T) -> None:
    """Call `callback(value)` on the GUI thread, from any thread, unless `owner` has been
    deleted by then; never touches `owner` on the calling thread (see the module doc)."""
    _gui_relay().sig_done.emit(owner, callback, value)
