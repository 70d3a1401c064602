"""The call bar: registration, the caller, the number field and every call control.

A composition of small widgets; the logic of what each action does lives in
CallActions, which it shares with the window's Call menu.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.call_service import CallService
from agentdesk.core.phone_events import CallState, CallStateChanged
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.call_actions import CallActions, action_button
from agentdesk.ui.call_info import CallInfo
from agentdesk.ui.dial_pad import DialPad
from agentdesk.ui.display_text import call_end_text
from agentdesk.ui.line_list import LineList
from agentdesk.ui.registration import RegistrationIndicator
from agentdesk.ui.shortcuts import with_shortcut
from agentdesk.ui.transfer_panel import TransferPanel

Clock = Callable[[], float]


class CallBar(QFrame):
    def __init__(self, call_service: CallService, bridge: PhoneBridge, region: str = "CN",
                 clock: Clock = time.monotonic, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callBar")
        self._service = call_service
        self._region = region
        self._clock = clock
        self._last_outcome = ""
        self.call_actions = CallActions(call_service, self)
        self.call_actions.set_number_source(lambda: self.number_field.text())

        self.registration = RegistrationIndicator(self)
        self.call_info = CallInfo(self)
        self.number_field = QLineEdit(self)
        self.number_field.setObjectName("numberField")
        self.number_field.setPlaceholderText(self.tr("Number, extension or SIP address"))
        self.number_field.setAccessibleName(self.tr("Number to call"))
        self.number_field.setToolTip(with_shortcut(
            self.tr("Type or paste a number in any format, then press Return"), "focus_number"))
        self.number_field.setClearButtonEnabled(True)
        self.number_field.setMaxLength(256)
        self.number_error = QLabel(self)
        self.number_error.setObjectName("numberError")
        self.number_error.setWordWrap(True)
        self.number_error.hide()
        self.dial_pad = DialPad(self)
        self.dial_pad.hide()
        self.dtmf_label = QLabel(self)
        self.dtmf_label.setObjectName("dtmfSent")
        self.dtmf_label.hide()
        self.transfer_panel = TransferPanel(self.call_actions, self)
        self.line_list = LineList(self)
        self.line_list.setMaximumHeight(self.fontMetrics().height() * 10)  # ~6 lines
        self.line_list.hide()

        a = self.call_actions
        self.answer_button = action_button(self, "answerButton", a.answer)
        self.reject_button = action_button(self, "rejectButton", a.reject)
        self.hang_up_button = action_button(self, "hangUpButton", a.hang_up)
        self.hold_button = action_button(self, "holdButton", a.hold)
        self.mute_button = action_button(self, "muteButton", a.mute)
        self.transfer_button = action_button(self, "transferButton", a.transfer)
        self.record_button = action_button(self, "recordButton", a.record)
        self.dial_pad_button = action_button(self, "dialPadButton", a.dial_pad)

        dial_row = QHBoxLayout()
        dial_row.addWidget(self.number_field, 1)
        for button in (self.answer_button, self.reject_button, self.hang_up_button):
            dial_row.addWidget(button)
        controls_row = QHBoxLayout()
        for button in (self.hold_button, self.mute_button, self.transfer_button,
                       self.record_button, self.dial_pad_button):
            controls_row.addWidget(button)
        controls_row.addStretch(1)
        pad_row = QHBoxLayout()
        pad_row.addWidget(self.dial_pad)
        pad_row.addWidget(self.dtmf_label, 0, Qt.AlignmentFlag.AlignTop)
        pad_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(self.registration)
        layout.addWidget(self.call_info)
        layout.addLayout(dial_row)
        layout.addWidget(self.number_error)
        layout.addLayout(controls_row)
        layout.addLayout(pad_row)
        layout.addWidget(self.transfer_panel)
        layout.addWidget(self.line_list)

        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(1000)
        self._tick_timer.timeout.connect(self.on_tick_timer_timeout)

        bridge.sig_lines_changed.connect(self.refresh)
        bridge.sig_registration_changed.connect(self.registration.set_registration)
        bridge.sig_call_state_changed.connect(self.on_bridge_call_state_changed)
        bridge.sig_transfer_progress.connect(self.transfer_panel.on_transfer_progress)
        a.sig_changed.connect(self.refresh)
        a.sig_number_rejected.connect(self.show_number_error)
        a.sig_transfer_target_rejected.connect(self.transfer_panel.show_error)
        a.sig_dialed.connect(self.on_actions_dialed)
        a.sig_transfer_panel_requested.connect(self.transfer_panel.open)
        a.sig_transfer_panel_closed.connect(self.transfer_panel.refresh)
        a.sig_number_focus_requested.connect(self.focus_number_field)
        a.dial_pad.toggled.connect(self.on_dial_pad_toggled)
        self.dial_pad.sig_digit_pressed.connect(self.on_dial_pad_digit_pressed)
        self.number_field.returnPressed.connect(self.on_number_field_return_pressed)
        self.number_field.textEdited.connect(lambda _text: self.show_number_error(""))
        self.line_list.sig_line_selected.connect(a.select_line)

        self.registration.set_registration(call_service.registration)
        self.refresh()

    # -- public ----------------------------------------------------------------------
    def set_region(self, region: str) -> None:
        self._region = region
        self.transfer_panel.set_region(region)
        self.refresh()

    def focus_number_field(self) -> None:
        self.number_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.number_field.selectAll()

    def show_number_error(self, message: str) -> None:
        self.number_error.setText(message)
        self.number_error.setVisible(bool(message))
        self.number_field.setProperty("invalid", bool(message))
        self.number_field.style().unpolish(self.number_field)
        self.number_field.style().polish(self.number_field)

    def refresh(self) -> None:
        self.call_actions.refresh()
        lines = self._service.lines
        current = self.call_actions.current_line()
        now = self._clock()
        if lines:
            self._last_outcome = ""
        self.call_info.show_line(current, self._region, now, self._last_outcome)
        self.answer_button.setProperty("ringing", self.call_actions.ringing_line() is not None)
        self.answer_button.style().unpolish(self.answer_button)
        self.answer_button.style().polish(self.answer_button)
        self.line_list.setVisible(len(lines) >= 2)
        if len(lines) >= 2:
            self.line_list.set_lines(lines, current.call_id if current else None,
                                     self._region, now)
        if current is None or current.state is not CallState.CONNECTED:
            self.dtmf_label.clear()
            self.dtmf_label.hide()
        self.transfer_panel.refresh()
        if lines and not self._tick_timer.isActive():
            self._tick_timer.start()
        elif not lines:
            self._tick_timer.stop()

    # -- slots -----------------------------------------------------------------------
    def on_tick_timer_timeout(self) -> None:
        now = self._clock()
        self.call_info.tick(now)
        if self.line_list.isVisible():
            self.line_list.refresh_times(self._service.lines, now)

    def on_bridge_call_state_changed(self, event: CallStateChanged) -> None:
        if event.state is CallState.DISCONNECTED:
            outcome = call_end_text(event.code, event.reason)
            self._last_outcome = self.tr("Last call: {outcome}").format(outcome=outcome) \
                if outcome else ""

    def on_actions_dialed(self, _call_id: str) -> None:
        self.number_field.clear()
        self.show_number_error("")

    def on_number_field_return_pressed(self) -> None:
        self.call_actions.dial(self.number_field.text())

    def on_dial_pad_toggled(self, shown: bool) -> None:
        self.dial_pad.setVisible(shown)
        if shown:
            self.dial_pad.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def on_dial_pad_digit_pressed(self, digit: str) -> None:
        if self.call_actions.send_digit(digit):
            sent = (self.dtmf_label.text() + digit)[-24:]
            self.dtmf_label.setText(sent)
            self.dtmf_label.setToolTip(self.tr("Digits sent in this call"))
            self.dtmf_label.show()
        else:
            self.number_field.insert(digit)
            self.show_number_error("")
