"""The sync state in the status bar: "Online · last sync 10:42", "Offline · 12 pending",
"Syncing…", a progress bar while a large pull runs, and a "Sync now" action.

`SyncBridge` turns the SyncService's status callbacks (made on its worker thread) into
`sig_status_changed` on the GUI thread through a queued connection (the Electrum
pattern); `SyncStatusWidget` only renders what the bridge says. Offline is a state
the agent can read, never an error dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from agentdesk.sync.service import Connectivity, SyncStatus
from agentdesk.ui.background_jobs import post_to_gui


class SyncControl(Protocol):
    """What the UI needs of sync.service.SyncService."""

    @property
    def status(self) -> SyncStatus: ...

    def add_listener(self, listener: Callable[[SyncStatus], None]) -> None: ...

    def sync_now(self) -> None: ...


class SyncBridge(QObject):
    """Create on the GUI thread; every slot of `sig_status_changed` runs there."""

    sig_status_changed = Signal(object)  # SyncStatus

    def __init__(self, service: SyncControl, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.status = service.status
        service.add_listener(self.on_service_status)

    def on_service_status(self, status: SyncStatus) -> None:
        """The SyncService listener; safe from any thread. From the sync thread the
        status travels through the process-wide relay, never a signal of this object,
        which the GUI thread may delete meanwhile (background_jobs explains the crash)."""
        app = QCoreApplication.instance()
        if app is None or QThread.currentThread() is app.thread():
            self._deliver(status)
        else:
            post_to_gui(self, self._deliver, status)

    @Slot(object)
    def _deliver(self, status: SyncStatus) -> None:
        self.status = status
        self.sig_status_changed.emit(status)

    def sync_now(self) -> None:
        self.service.sync_now()


def _clock_text(when: datetime, now: datetime) -> str:
    local = when.astimezone()
    if local.date() == now.astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


class SyncStatusWidget(QWidget):
    sig_login_requested = Signal()  # the agent clicked "Log in…"

    def __init__(self, bridge: SyncBridge, parent: QWidget | None = None, *,
                 now: Callable[[], datetime] = lambda: datetime.now().astimezone()) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self._bridge = bridge
        self._now = now
        self.label = QLabel(self)
        self.label.setObjectName("syncStatusText")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("syncProgress")
        self.progress.setMaximumWidth(120)
        self.progress.setTextVisible(False)
        self.sync_now_action = QAction(self.tr("Sync now"), self)
        self.sync_now_action.setToolTip(self.tr("Send pending records and fetch updates now"))
        self.sync_now_action.triggered.connect(self.on_sync_now_triggered)
        self.sync_button = QToolButton(self)
        self.sync_button.setObjectName("syncNow")
        self.sync_button.setAutoRaise(True)
        self.sync_button.setDefaultAction(self.sync_now_action)
        self.login_action = QAction(self.tr("Log in…"), self)
        self.login_action.setToolTip(self.tr("Log in to the agentdesk server"))
        self.login_action.triggered.connect(self.sig_login_requested)
        self.login_button = QToolButton(self)
        self.login_button.setObjectName("syncLogin")
        self.login_button.setAutoRaise(True)
        self.login_button.setDefaultAction(self.login_action)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.progress, self.login_button, self.sync_button):
            layout.addWidget(widget)
        bridge.sig_status_changed.connect(self.on_bridge_status_changed)
        self.on_bridge_status_changed(bridge.status)

    @Slot()
    def on_sync_now_triggered(self) -> None:
        self._bridge.sync_now()

    @Slot(object)
    def on_bridge_status_changed(self, status: SyncStatus) -> None:
        self.label.setText(self.status_text(status))
        self.label.setToolTip(self.details_text(status))
        self.sync_now_action.setEnabled(status.connectivity is not Connectivity.SYNCING)
        self.login_button.setVisible(status.connectivity is Connectivity.LOGIN_REQUIRED)
        if status.pull_total > 0:
            self.progress.setRange(0, status.pull_total)
            self.progress.setValue(min(status.pull_done, status.pull_total))
            self.progress.show()
        else:
            self.progress.hide()

    def status_text(self, status: SyncStatus) -> str:
        now = self._now()
        state = status.connectivity
        if state is Connectivity.ONLINE:
            if status.last_success is not None:
                head = self.tr("Online · last sync {time}").format(
                    time=_clock_text(status.last_success, now))
            else:
                head = self.tr("Online")
        elif state is Connectivity.SYNCING:
            head = self.tr("Syncing…")
        elif state is Connectivity.OFFLINE:
            if status.cached_from is not None:
                head = self.tr("Offline (cached data from {time})").format(
                    time=_clock_text(status.cached_from, now))
            else:
                head = self.tr("Offline")
        elif state is Connectivity.LOGIN_REQUIRED:
            head = self.tr("Server login required")
        else:
            head = self.tr("Connecting…")
        parts = [head]
        # plain {count}, not %n plurals: the catalogue check reads one translation
        if status.pending_wrapups:
            # what the agent counts: a finished call is a call record, its wrap-up and
            # a few state changes; the tooltip has the whole outbox
            parts.append(self.tr("wrap-ups pending: {count}").format(
                count=status.pending_wrapups))
        elif status.pending:
            parts.append(self.tr("{count} pending").format(count=status.pending))
        if status.rejected:
            parts.append(self.tr("{count} refused by the server").format(
                count=status.rejected))
        return " · ".join(parts)

    def details_text(self, status: SyncStatus) -> str:
        lines = []
        if status.pending:
            lines.append(self.tr("{count} records waiting to be sent").format(
                count=status.pending))
        if status.last_error:
            lines.append(status.last_error)
        if status.retry_in is not None and status.connectivity is Connectivity.OFFLINE:
            lines.append(self.tr("Next attempt in {seconds} s").format(
                seconds=max(1, round(status.retry_in))))
        if status.clock_offset is not None and abs(status.clock_offset) >= 60:
            lines.append(self.tr("This computer's clock is {seconds} s off the server's")
                         .format(seconds=round(-status.clock_offset)))
        return "\n".join(lines)
