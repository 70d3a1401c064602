"""The call actions (answer, hold, transfer, ...) as QActions, and what they act on.

One QAction per action carries the text, the shortcut from ui/shortcuts.py, the
tooltip and the enabled/checked state; buttons and menus show the same QAction, so
they can never disagree. Every action goes through the CallService. Expected
failures become signals (the number's problem next to the field, a refused action in
the status bar); anything else goes to show_exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSizePolicy, QToolButton, QWidget

from agentdesk.core.call_service import CallLine, CallService
from agentdesk.core.dial_numbers import InvalidNumberError
from agentdesk.core.phone_events import CallState
from agentdesk.core.softphone import PhoneActionError
from agentdesk.ui.errors import show_exception
from agentdesk.ui.icons import icon
from agentdesk.ui.shortcuts import shortcut, with_shortcut

T = TypeVar("T")


class CallActions(QObject):
    sig_action_failed = Signal(str)  # a PhoneActionError's message
    sig_number_rejected = Signal(str)  # an InvalidNumberError's message
    sig_transfer_target_rejected = Signal(str)  # the same, for a transfer target
    sig_dialed = Signal(str)  # call id of a call the agent placed
    sig_transfer_panel_requested = Signal()
    sig_transfer_panel_closed = Signal()
    sig_number_focus_requested = Signal()
    sig_changed = Signal()  # after any action: lines may change without a phone event

    def __init__(self, call_service: CallService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = call_service
        self._selected: str | None = None
        self._transfer_open = False
        self._number_source: Callable[[], str] = lambda: ""
        self.answer = self._action("answer", self.on_answer_triggered)
        self.reject = self._action("reject", self.on_reject_triggered)
        self.hang_up = self._action("hang_up", self.on_hang_up_triggered)
        self.hold = self._action("hold", self.on_hold_triggered, checkable=True)
        self.mute = self._action("mute", self.on_mute_triggered, checkable=True)
        self.transfer = self._action("transfer", self.on_transfer_triggered)
        self.cancel_transfer = self._action("cancel_transfer",
                                            self.on_cancel_transfer_triggered)
        self.record = self._action("record", self.on_record_triggered, checkable=True)
        self.dial_pad = self._action("dial_pad", None, checkable=True)
        self.focus_number = self._action("focus_number", self.sig_number_focus_requested.emit)
        self.refresh()

    def all(self) -> list[QAction]:
        return [self.answer, self.reject, self.hang_up, self.hold, self.mute, self.transfer,
                self.cancel_transfer, self.record, self.dial_pad, self.focus_number]

    def set_number_source(self, source: Callable[[], str]) -> None:
        """Where 'Call' reads the number from (the call bar's number field)."""
        self._number_source = source

    # -- what the actions act on ---------------------------------------------------
    def current_line(self) -> CallLine | None:
        """The line the agent picked in the line list, else the one they talk on."""
        if self._selected is not None:
            line = self.service.line(self._selected)
            if line is not None and line.live:
                return line
            self._selected = None
        return self.service.active_line()

    def ringing_line(self) -> CallLine | None:
        current = self.current_line()
        if current is not None and current.state is CallState.RINGING:
            return current
        ringing = [line for line in self.service.lines if line.state is CallState.RINGING]
        return ringing[-1] if ringing else None

    def consult_line(self) -> CallLine | None:
        """The consult leg of an attended transfer in progress, if any."""
        for line in self.service.lines:
            original = self.service.line(line.consult_for) if line.consult_for else None
            if original is not None and original.live:
                return line
        return None

    def select_line(self, call_id: str | None) -> None:
        self._selected = call_id
        self.refresh()
        self.sig_changed.emit()

    @property
    def transfer_open(self) -> bool:
        return self._transfer_open

    # -- operations used by widgets besides the actions --------------------------------
    def dial(self, text: str) -> str | None:
        call_id = self._run(lambda: self.service.dial(text))
        if call_id is not None:
            self._selected = None
            self.sig_dialed.emit(call_id)
        self._changed()
        return call_id

    def send_digit(self, digit: str) -> bool:
        """Send `digit` as DTMF on the current call; False when no call is connected."""
        line = self.current_line()
        if line is None or line.state is not CallState.CONNECTED:
            return False
        self._run(lambda: self.service.send_dtmf(line.call_id, digit))
        return True

    def blind_transfer(self, target: str) -> None:
        line = self.current_line()
        if line is not None:
            self._run(lambda: self.service.blind_transfer(line.call_id, target),
                      self.sig_transfer_target_rejected)
        self._changed()

    def start_consult(self, target: str) -> None:
        line = self.current_line()
        if line is not None and self._run(
                lambda: self.service.start_consult(line.call_id, target),
                self.sig_transfer_target_rejected) is not None:
            self._selected = None  # the consult leg becomes the active call
        self._changed()

    def close_transfer(self) -> None:
        if self._transfer_open:
            self._transfer_open = False
            self.sig_transfer_panel_closed.emit()
        self._changed()

    # -- slots -----------------------------------------------------------------------
    def on_answer_triggered(self) -> None:
        ringing = self.ringing_line()
        if ringing is None:
            self.dial(self._number_source())
            return
        self._run(lambda: self.service.answer(ringing.call_id))
        self._selected = None  # the answered call becomes the active one
        self._changed()

    def on_reject_triggered(self) -> None:
        if (ringing := self.ringing_line()) is not None:
            self._run(lambda: self.service.reject(ringing.call_id))
        self._changed()

    def on_hang_up_triggered(self) -> None:
        if (line := self.current_line()) is not None:
            self._run(lambda: self.service.hangup(line.call_id))
        self._changed()

    def on_hold_triggered(self) -> None:
        if (line := self.current_line()) is not None:
            self._run(lambda: self.service.toggle_hold(line.call_id))
        self._changed()

    def on_mute_triggered(self) -> None:
        if (line := self.current_line()) is not None:
            self._run(lambda: self.service.toggle_mute(line.call_id))
        self._changed()

    def on_transfer_triggered(self) -> None:
        consult = self.consult_line()
        if consult is not None:  # like a desk phone: Transfer again completes it
            self._run(lambda: self.service.complete_transfer(consult.call_id))
        elif (line := self.current_line()) is not None and line.state is CallState.CONNECTED:
            self._transfer_open = True
            self.sig_transfer_panel_requested.emit()
        self._changed()

    def on_cancel_transfer_triggered(self) -> None:
        consult = self.consult_line()
        if consult is not None:
            self._run(lambda: self.service.cancel_consult(consult.call_id))
        self.close_transfer()

    def on_record_triggered(self) -> None:
        if (line := self.current_line()) is not None:
            self._run(lambda: self.service.toggle_recording(line.call_id))
        self._changed()

    # -- state -----------------------------------------------------------------------
    def refresh(self) -> None:
        line = self.current_line()
        connected = line is not None and line.state is CallState.CONNECTED
        ringing = self.ringing_line()
        consult = self.consult_line()
        if self._transfer_open and consult is None and not connected:
            self._transfer_open = False  # the call we were transferring is gone
            self.sig_transfer_panel_closed.emit()

        self._set_text(self.answer, self.tr("Answer") if ringing else self.tr("Call"))
        self._set_text(self.reject, self.tr("Reject"))
        self._set_text(self.hang_up, self.tr("Hang up"))
        self.reject.setEnabled(ringing is not None)
        self.hang_up.setEnabled(line is not None and line.state is not CallState.RINGING)
        self.hold.setEnabled(connected)
        self.hold.setChecked(bool(connected and line and line.on_hold))
        self._set_text(self.hold, self.tr("Resume") if self.hold.isChecked() else self.tr("Hold"))
        self.mute.setEnabled(connected)
        self.mute.setChecked(bool(connected and line and line.muted))
        self._set_text(self.mute, self.tr("Unmute") if self.mute.isChecked() else self.tr("Mute"))
        if consult is not None:
            self._set_text(self.transfer, self.tr("Complete transfer"))
            self.transfer.setEnabled(consult.state is CallState.CONNECTED)
        else:
            self._set_text(self.transfer, self.tr("Transfer"))
            self.transfer.setEnabled(connected and line is not None and not line.consult_for)
        self._set_text(self.cancel_transfer, self.tr("Cancel transfer"))
        self.cancel_transfer.setEnabled(consult is not None or self._transfer_open)
        self.record.setEnabled(connected)
        recording = bool(connected and line and line.recording)
        paused = bool(recording and line and line.recording_paused)
        self.record.setChecked(recording and not paused)
        self._set_text(self.record, self.tr("Resume recording") if paused
                       else self.tr("Pause recording") if recording else self.tr("Record"))
        self._set_text(self.dial_pad, self.tr("Dial pad"))
        self._set_text(self.focus_number, self.tr("Go to number field"))

    def _changed(self) -> None:
        self.refresh()
        self.sig_changed.emit()

    def _action(self, name: str, slot: Callable[[], None] | None,
                checkable: bool = False) -> QAction:
        action = QAction(self)
        action.setObjectName(f"action_{name}")
        action.setShortcuts(shortcut(name).sequences())
        action.setCheckable(checkable)
        action.setIcon(icon(name))
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        return action

    def _set_text(self, action: QAction, text: str) -> None:
        name = action.objectName().removeprefix("action_")
        action.setText(text)
        action.setToolTip(with_shortcut(text, name))

    def _run(self, operation: Callable[[], T], rejected: SignalInstance | None = None) -> T | None:
        try:
            return operation()
        except InvalidNumberError as exc:
            (rejected or self.sig_number_rejected).emit(str(exc))
        except PhoneActionError as exc:
            self.sig_action_failed.emit(str(exc))
        except Exception as exc:  # a bug: tell the agent, keep the call running
            show_exception(exc, context="running a call action")
        return None


def action_button(parent: QWidget, name: str, action: QAction) -> QToolButton:
    """A tool button that shows `action` (text, icon, tooltip, state) and triggers it."""
    button = QToolButton(parent)
    button.setObjectName(name)
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return button
