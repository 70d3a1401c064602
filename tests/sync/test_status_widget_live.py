"""The status widget fed by a real SyncService against the real server: the worker
thread's reports reach the widget on the GUI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from agentdesk.store import SqliteStore
from agentdesk.sync.backoff import Backoff
from agentdesk.ui.sync_status import SyncBridge, SyncStatusWidget
from tests.sync.conftest import LiveServer, save_call


def test_widget_follows_a_real_service_online_then_offline(
        qtbot: QtBot, app: Any, agent: str, store: SqliteStore, make_desk: Any) -> None:
    server = LiveServer(app)
    server.start()
    desk = make_desk(server.url, backoff=Backoff(base=30.0, cap=30.0,
                                                 uniform=lambda low, high: high))
    bridge = SyncBridge(desk.service)
    widget = SyncStatusWidget(bridge)
    qtbot.addWidget(widget)
    threads: list[QThread] = []
    bridge.sig_status_changed.connect(lambda _s: threads.append(QThread.currentThread()))
    try:
        save_call(store)
        desk.service.start()
        qtbot.waitUntil(lambda: widget.label.text().startswith("Online · last sync"),
                        timeout=20000)
    finally:
        server.stop()
    save_call(store)
    desk.service.notify_saved()
    widget.sync_now_action.trigger()  # "Sync now" reaches the service
    qtbot.waitUntil(lambda: widget.label.text() == "Offline · wrap-ups pending: 1",
                    timeout=20000)
    assert "2 records waiting to be sent" in widget.label.toolTip()
    assert "cannot reach the server" in widget.label.toolTip()
    assert "Next attempt in 30 s" in widget.label.toolTip()
    assert threads and all(t is widget.thread() for t in threads)
    assert desk.service.stop()  # before the bridge and widget go
