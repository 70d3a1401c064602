from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from agentdesk.sync.service import Connectivity, SyncStatus
from agentdesk.ui.sync_status import SyncBridge, SyncStatusWidget

NOW = datetime(2026, 11, 22, 10, 45, tzinfo=UTC)


class FakeSyncService:
    """The SyncService's UI-facing surface; reports from a thread of its own."""

    def __init__(self) -> None:
        self.status = SyncStatus()
        self.listeners: list[Callable[[SyncStatus], None]] = []
        self.sync_now_calls = 0

    def add_listener(self, listener: Callable[[SyncStatus], None]) -> None:
        self.listeners.append(listener)

    def sync_now(self) -> None:
        self.sync_now_calls += 1

    def report(self, status: SyncStatus) -> None:
        self.status = status
        for listener in self.listeners:
            listener(status)

    def report_from_worker(self, status: SyncStatus) -> None:
        worker = threading.Thread(target=self.report, args=(status,))
        worker.start()
        worker.join(5)


@pytest.fixture
def service() -> FakeSyncService:
    return FakeSyncService()


@pytest.fixture
def bridge(service: FakeSyncService) -> SyncBridge:
    return SyncBridge(service)


@pytest.fixture
def widget(qtbot: QtBot, bridge: SyncBridge) -> SyncStatusWidget:
    w = SyncStatusWidget(bridge, now=lambda: NOW)
    qtbot.addWidget(w)
    return w


def local_hhmm(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


def show(widget: SyncStatusWidget, service: FakeSyncService, **fields: object) -> str:
    service.report(SyncStatus(**fields))  # type: ignore[arg-type]
    return widget.label.text()


def test_states_render(widget: SyncStatusWidget, service: FakeSyncService) -> None:
    assert widget.label.text() == "Connecting…"
    last = datetime(2026, 11, 22, 10, 42, tzinfo=UTC)
    assert show(widget, service, connectivity=Connectivity.ONLINE, last_success=last) \
        == f"Online · last sync {local_hhmm(last)}"
    assert show(widget, service, connectivity=Connectivity.OFFLINE, pending=12) \
        == "Offline · 12 pending"
    assert show(widget, service, connectivity=Connectivity.SYNCING, pending=1) \
        == "Syncing… · 1 pending"
    assert not widget.sync_now_action.isEnabled()  # already syncing
    assert show(widget, service, connectivity=Connectivity.LOGIN_REQUIRED, pending=3) \
        == "Server login required · 3 pending"
    cached = datetime(2026, 11, 21, 18, 5, tzinfo=UTC)
    assert show(widget, service, connectivity=Connectivity.OFFLINE, cached_from=cached) \
        == f"Offline (cached data from {cached.astimezone():%Y-%m-%d %H:%M})"
    assert show(widget, service, connectivity=Connectivity.ONLINE, rejected=2, pending=2) \
        == "Online · 2 pending · 2 refused by the server"
    # the agent counts wrap-ups; the rest of the outbox is in the tooltip
    assert show(widget, service, connectivity=Connectivity.OFFLINE, pending=63,
                pending_wrapups=20) == "Offline · wrap-ups pending: 20"
    assert "63 records waiting to be sent" in widget.label.toolTip()


def test_offline_explains_why_and_when_it_retries(widget: SyncStatusWidget,
                                                  service: FakeSyncService) -> None:
    show(widget, service, connectivity=Connectivity.OFFLINE, pending=20,
         last_error="cannot reach the server at http://10.0.0.5:8765 (ConnectError)",
         retry_in=7.6, clock_offset=-120.0)
    tip = widget.label.toolTip()
    assert "cannot reach the server" in tip
    assert "Next attempt in 8 s" in tip
    assert "clock is 120 s off" in tip


def test_progress_bar_only_during_a_large_pull(qtbot: QtBot, widget: SyncStatusWidget,
                                               service: FakeSyncService) -> None:
    widget.show()
    qtbot.waitExposed(widget)
    show(widget, service, connectivity=Connectivity.SYNCING, pull_done=300, pull_total=1200)
    assert widget.progress.isVisible()
    assert (widget.progress.value(), widget.progress.maximum()) == (300, 1200)
    show(widget, service, connectivity=Connectivity.ONLINE)
    assert not widget.progress.isVisible()


def test_sync_now_calls_the_service(widget: SyncStatusWidget,
                                    service: FakeSyncService) -> None:
    widget.sync_button.click()
    widget.sync_now_action.trigger()
    assert service.sync_now_calls == 2


def test_status_from_the_worker_thread_arrives_on_the_gui_thread(
        qtbot: QtBot, bridge: SyncBridge, widget: SyncStatusWidget,
        service: FakeSyncService) -> None:
    seen_on: list[QThread] = []
    bridge.sig_status_changed.connect(lambda _s: seen_on.append(QThread.currentThread()))
    with qtbot.waitSignal(bridge.sig_status_changed, timeout=5000) as blocker:
        service.report_from_worker(SyncStatus(connectivity=Connectivity.OFFLINE, pending=4))
    assert blocker.args[0].pending == 4
    assert seen_on == [widget.thread()]
    assert widget.label.text() == "Offline · 4 pending"
