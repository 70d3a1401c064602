"""QtScheduler: CallService's timers on QTimer, without leaks."""

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QTimer

from agentdesk.ui.qt_scheduler import QtScheduler


def flush_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def test_a_job_runs_once_and_leaves_no_timer(qtbot, scheduler: QtScheduler):
    ran = []
    scheduler.schedule(0.01, lambda: ran.append(1))
    assert scheduler.pending == 1
    qtbot.waitUntil(lambda: ran == [1])
    flush_deletes()
    assert scheduler.pending == 0
    assert scheduler.findChildren(QTimer) == []


def test_cancel_stops_the_job_and_is_idempotent(qtbot, scheduler: QtScheduler):
    ran = []
    cancel = scheduler.schedule(0.0, lambda: ran.append(1))
    cancel()
    cancel()
    marker = scheduler.schedule(0.02, lambda: ran.append(2))  # fires after the cancelled one
    qtbot.waitUntil(lambda: ran == [2])
    marker()  # cancelling after it fired is harmless
    flush_deletes()
    assert scheduler.findChildren(QTimer) == []


def test_cancel_all_at_shutdown(qtbot, scheduler: QtScheduler):
    for _ in range(3):
        scheduler.schedule(60, lambda: None)
    scheduler.cancel_all()
    flush_deletes()
    assert scheduler.pending == 0 and scheduler.findChildren(QTimer) == []


def test_a_failing_job_is_logged_not_raised(qtbot, scheduler: QtScheduler, caplog):
    def boom() -> None:
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR, logger="agentdesk.ui.qt_scheduler"):
        scheduler.schedule(0, boom)
        qtbot.waitUntil(lambda: scheduler.pending == 0)
    assert "boom" in caplog.text
