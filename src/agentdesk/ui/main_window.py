"""The main window: a thin composition of the call bar, the status bar, the ringer,
the tray notifier and the menus. It owns no call logic of its own."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.call_service import CallService
from agentdesk.core.phone_events import (
    CallDirection,
    CallState,
    CallStateChanged,
    DtmfReceived,
    IncomingCall,
    TransferProgress,
    WaitingCallOffered,
)
from agentdesk.core.settings import Settings
from agentdesk.core.softphone import PhoneActionError
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.call_bar import CallBar
from agentdesk.ui.demo import DemoControls
from agentdesk.ui.display_text import call_end_text, clean_display_text, dead_call_text
from agentdesk.ui.errors import show_exception
from agentdesk.ui.icons import icon
from agentdesk.ui.quality_monitor import DEFAULT_INTERVAL_MS, CallQualityMonitor, QualityProvider
from agentdesk.ui.ringer import Ringer
from agentdesk.ui.shortcuts import shortcut, with_shortcut
from agentdesk.ui.shortcuts_dialog import ShortcutsDialog
from agentdesk.ui.status_bar import PhoneStatusBar
from agentdesk.ui.style import load_style_sheet
from agentdesk.ui.tray import TrayNotifier


class MainWindow(QMainWindow):
    sig_settings_requested = Signal()  # the app opens the settings dialog and saves
    sig_closed = Signal()

    def __init__(self, call_service: CallService, bridge: PhoneBridge, settings: Settings, *,
                 quality_provider: QualityProvider | None = None,
                 demo: DemoControls | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 tray_available: bool | None = None,
                 quality_interval_ms: int = DEFAULT_INTERVAL_MS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("agentdesk")
        self.setWindowIcon(icon("agentdesk"))
        self.setStyleSheet(load_style_sheet())
        self._service = call_service
        self._settings = settings
        self._demo = demo

        self.call_bar = CallBar(call_service, bridge, settings.phone.default_region, clock, self)
        self.status_bar = PhoneStatusBar(self)
        self.setStatusBar(self.status_bar)
        self.ringer = Ringer(settings.audio, self)
        self.tray = TrayNotifier(self, tray_available)
        self.quality_monitor = CallQualityMonitor(call_service, quality_provider,
                                                  quality_interval_ms, self)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.call_bar, 1)
        self._top = top
        layout.addLayout(top)
        # The work of a call, side by side: the customer file, the script, the wrap-up
        # (shown in after-call work). The app installs them with set_workspace().
        self.workspace = QSplitter(Qt.Orientation.Horizontal, central)
        self.workspace.setObjectName("workspace")
        self.workspace.setChildrenCollapsible(False)
        layout.addWidget(self.workspace, 1)
        self.setCentralWidget(central)
        self.side_tabs = QTabWidget(self)
        self.side_tabs.setObjectName("sideTabs")
        self.side_dock = QDockWidget(self.tr("My day"), self)
        self.side_dock.setObjectName("myDayDock")
        self.side_dock.setWidget(self.side_tabs)
        self.side_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                   | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.side_dock)
        self.side_dock.hide()
        self.wrapup_pane: QWidget | None = None
        self._build_menus()

        bridge.sig_lines_changed.connect(self.on_bridge_lines_changed)
        bridge.sig_incoming_call.connect(self.on_bridge_incoming_call)
        bridge.sig_registration_changed.connect(self.status_bar.set_registration)
        bridge.sig_phone_error.connect(self.status_bar.show_phone_error)
        bridge.sig_audio_device_changed.connect(self.status_bar.show_device_change)
        bridge.sig_transfer_progress.connect(self.on_bridge_transfer_progress)
        bridge.sig_dtmf_received.connect(self.on_bridge_dtmf_received)
        bridge.sig_call_state_changed.connect(self.on_bridge_call_state_changed)
        bridge.sig_waiting_call_offered.connect(self.on_bridge_waiting_call_offered)
        self.call_bar.call_actions.sig_action_failed.connect(self.status_bar.show_action_error)
        self.quality_monitor.sig_quality_updated.connect(self.status_bar.show_quality)
        self.tray.sig_activated.connect(self.bring_to_front)

        self.apply_settings(settings)
        self.status_bar.set_registration(call_service.registration)
        self.resize(1280, 760)

    # -- public ----------------------------------------------------------------------
    def set_workspace(self, *, customer: QWidget | None = None, script: QWidget | None = None,
                      wrapup: QWidget | None = None, agent_state: QWidget | None = None,
                      side: tuple[tuple[QWidget, str], ...] = ()) -> None:
        """Install the panels of a call; the wrap-up pane shows only in after-call work."""
        for panel in (customer, script, wrapup):
            if panel is not None:
                self.workspace.addWidget(panel)
        if wrapup is not None:
            self.wrapup_pane = wrapup
            wrapup.hide()
        if agent_state is not None:
            self._top.addWidget(agent_state, 0)
        for widget, title in side:
            self.side_tabs.addTab(widget, title)
        if side:
            # Off by default so the call's panels get the width; F8 or View shows it.
            toggle = self.side_dock.toggleViewAction()
            toggle.setShortcuts(shortcut("my_day").sequences())
            self.view_menu.addAction(toggle)
            self.addAction(toggle)

    def show_wrapup(self, shown: bool) -> None:
        if self.wrapup_pane is not None:
            self.wrapup_pane.setVisible(shown)
            if shown:
                self.wrapup_pane.setFocus(Qt.FocusReason.OtherFocusReason)

    def apply_settings(self, settings: Settings, account: str | None = None) -> None:
        """Show what changed in the settings (the app has saved them already).

        `account` is how this line is addressed when the app knows better than the
        settings (direct calls: the phone's own address and port)."""
        self._settings = settings
        self.call_bar.set_region(settings.phone.default_region)
        self.ringer.update_settings(settings.audio)
        sip = settings.sip
        if account is None:
            account = (f"{sip.username}@{sip.effective_domain}"
                       if sip.username and sip.effective_domain else sip.username)
        self.status_bar.set_account(account)
        self.status_bar.set_registration(self._service.registration)

    def bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self, include_demo=self._demo is not None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- slots -----------------------------------------------------------------------
    def on_bridge_lines_changed(self) -> None:
        lines = self._service.lines
        ringing = any(line.state is CallState.RINGING for line in lines)
        talking = any(line.state is CallState.CONNECTED for line in lines)
        self.ringer.set_ringing(ringing, quiet=talking)
        if not ringing:
            self.tray.clear()
        self.quality_monitor.on_lines_changed()
        active = self.call_bar.call_actions.current_line()
        if active is not None and active.state is CallState.RINGING:
            self.setWindowTitle(self.tr("Incoming call — agentdesk"))
        elif active is not None:
            self.setWindowTitle(self.tr("On a call — agentdesk"))
        else:
            self.setWindowTitle("agentdesk")

    def on_bridge_incoming_call(self, event: IncomingCall) -> None:
        self.tray.notify_incoming_call(event, self._settings.phone.default_region)
        QApplication.alert(self)  # flashes the taskbar entry when the window is hidden

    def on_bridge_waiting_call_offered(self, event: WaitingCallOffered) -> None:
        # The ringer comes back by itself (lines changed: ringing, nothing else); the
        # tray notice and the taskbar alert are per offer.
        self.on_bridge_incoming_call(event.incoming)

    def on_bridge_transfer_progress(self, event: TransferProgress) -> None:
        if event.final and event.succeeded:
            self.status_bar.showMessage(self.tr("Transfer complete."), 10_000)
        elif event.final:
            self.status_bar.showMessage(self.tr("Transfer failed: {code} {reason}").format(
                code=event.code, reason=clean_display_text(event.reason, 60)), 10_000)

    def on_bridge_dtmf_received(self, event: DtmfReceived) -> None:
        self.status_bar.showMessage(self.tr("The caller pressed {digit}").format(
            digit=clean_display_text(event.digit, 4)), 5_000)

    def on_bridge_call_state_changed(self, event: CallStateChanged) -> None:
        if event.state is not CallState.DISCONNECTED:
            return
        line = self._service.line(event.call_id)
        dead_call = dead_call_text(event.cause, self._settings.phone.media_timeout_s)
        if dead_call:
            self.status_bar.showMessage(dead_call, 30_000)
            return
        outcome = call_end_text(event.code, event.reason)
        if outcome and line is not None and line.direction is CallDirection.OUTBOUND:
            self.status_bar.showMessage(self.tr("Call not completed: {outcome}").format(
                outcome=outcome), 15_000)

    def on_simulate_inbound_triggered(self) -> None:
        if self._demo is None:
            return
        try:
            self._demo.simulate_inbound_call()
        except PhoneActionError as exc:
            self.status_bar.show_action_error(str(exc))
        except Exception as exc:
            show_exception(exc, self, "simulating an inbound call")

    def on_campaign_call_triggered(self) -> None:
        if self._demo is None:
            return
        try:
            self._demo.call_campaign_lead()
        except PhoneActionError as exc:
            self.status_bar.show_action_error(str(exc))
        except Exception as exc:
            show_exception(exc, self, "calling the demo lead")

    def on_about_triggered(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("About agentdesk"),
                          self.tr("agentdesk — the contact-center agent desktop."),
                          QMessageBox.StandardButton.Close, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ringer.stop()
        self.tray.hide()
        self.quality_monitor.stop()
        self.sig_closed.emit()
        super().closeEvent(event)

    # -- menus -----------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self.settings_action = self._menu_action(file_menu, self.tr("&Settings…"), "settings",
                                                 self.sig_settings_requested.emit)
        self.settings_action.setIcon(icon("settings"))
        file_menu.addSeparator()
        self.quit_action = self._menu_action(file_menu, self.tr("&Quit"), "quit", self.close)

        self.view_menu = bar.addMenu(self.tr("&View"))

        call_menu = bar.addMenu(self.tr("&Call"))
        actions = self.call_bar.call_actions
        for action in (actions.answer, actions.reject, actions.hang_up):
            call_menu.addAction(action)
        call_menu.addSeparator()
        for action in (actions.hold, actions.mute, actions.record):
            call_menu.addAction(action)
        call_menu.addSeparator()
        for action in (actions.transfer, actions.cancel_transfer):
            call_menu.addAction(action)
        call_menu.addSeparator()
        for action in (actions.dial_pad, actions.focus_number):
            call_menu.addAction(action)
        self.addActions(actions.all())  # window-wide shortcuts even with the menu closed
        self.call_menu = call_menu

        self.demo_menu = None
        self.simulate_action = None
        if self._demo is not None:
            self.demo_menu = bar.addMenu(self.tr("&Demo"))
            self.simulate_action = self._menu_action(
                self.demo_menu, self.tr("Simulate &inbound call"), "simulate_inbound",
                self.on_simulate_inbound_triggered)
            self.campaign_call_action = self._menu_action(
                self.demo_menu, self.tr("Call a telesales &lead"), "demo_campaign_call",
                self.on_campaign_call_triggered)

        help_menu = bar.addMenu(self.tr("&Help"))
        self.shortcuts_action = self._menu_action(help_menu, self.tr("&Keyboard shortcuts"),
                                                  "shortcuts_help", self.show_shortcuts)
        self.about_action = self._menu_action(help_menu, self.tr("&About agentdesk"), None,
                                              self.on_about_triggered)

    def _menu_action(self, menu: QMenu, text: str, shortcut_name: str | None,
                     slot: Callable[[], object]) -> QAction:
        action = menu.addAction(text)
        if shortcut_name is not None:
            action.setShortcuts(shortcut(shortcut_name).sequences())
            action.setToolTip(with_shortcut(text.replace("&", ""), shortcut_name))
        action.triggered.connect(lambda _checked=False: slot())
        return action
