"""The agent's state in the status bar: "Ready 3:12", "Not ready · Lunch 12:03",
"After-call work 0:42 left", with Ready, a Not-ready menu of the server's reasons,
and "Not ready after this call".

The widget only shows the AgentStateMachine and asks for changes through signals;
the integrator applies them to the machine (which may refuse) and calls `refresh()`.
While a call or its ACW runs, choosing a not-ready reason pre-selects it for after
the call instead of cutting the call short.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from agentdesk.core.acw import AfterCallWork
from agentdesk.core.agent_state import LOGIN_REASON, AgentState, AgentStateMachine
from agentdesk.core.wrapup_codes import NotReadyReason
from agentdesk.ui.wrapup_form import countdown_text


def elapsed_text(seconds: float) -> str:
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60}:{rest % 60:02d}"


class AgentStateWidget(QWidget):
    sig_ready_requested = Signal()
    sig_not_ready_requested = Signal(str)  # reason code: not ready now
    sig_not_ready_after_call_requested = Signal(object)  # reason code, or None: cancel

    def __init__(self, machine: AgentStateMachine, parent: QWidget | None = None, *,
                 clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
                 language: str = "en", refresh_interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self.setObjectName("agentState")
        self._machine = machine
        self._clock = clock
        self._language = language
        self._reasons: tuple[NotReadyReason, ...] = ()
        self._acw: AfterCallWork | None = None

        self.state_label = QLabel(self)
        self.state_label.setObjectName("agentStateText")
        self.ready_button = QToolButton(self)
        self.ready_button.setObjectName("agentReady")
        self.ready_button.setText(self.tr("Ready"))
        self.ready_button.setAutoRaise(True)
        self.ready_button.clicked.connect(self.on_ready_button_clicked)
        self.not_ready_menu = QMenu(self)
        self.not_ready_button = QToolButton(self)
        self.not_ready_button.setObjectName("agentNotReady")
        self.not_ready_button.setText(self.tr("Not ready"))
        self.not_ready_button.setAutoRaise(True)
        self.not_ready_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.not_ready_button.setMenu(self.not_ready_menu)
        self.after_call_menu = QMenu(self)
        self.after_call_button = QToolButton(self)
        self.after_call_button.setObjectName("agentNotReadyAfterCall")
        self.after_call_button.setAutoRaise(True)
        self.after_call_button.setCheckable(True)
        self.after_call_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.after_call_button.setMenu(self.after_call_menu)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.state_label, self.ready_button, self.not_ready_button,
                       self.after_call_button):
            layout.addWidget(widget)
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_interval_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def set_reasons(self, reasons: Sequence[NotReadyReason]) -> None:
        """The server's not-ready reasons, in its order."""
        self._reasons = tuple(reasons)
        self.not_ready_menu.clear()
        self.after_call_menu.clear()
        for reason in self._reasons:
            text = reason.label.text(self._language)
            now_action = QAction(text, self.not_ready_menu)
            now_action.setData(reason.code)
            now_action.triggered.connect(
                lambda _checked=False, code=reason.code: self.on_reason_chosen(code))
            self.not_ready_menu.addAction(now_action)
            later = QAction(text, self.after_call_menu)
            later.setData(reason.code)
            later.setCheckable(True)
            later.triggered.connect(
                lambda _checked=False, code=reason.code: self.on_after_call_reason_chosen(code))
            self.after_call_menu.addAction(later)
        self.after_call_menu.addSeparator()
        self.cancel_after_call_action = QAction(self.tr("Stay ready after this call"),
                                                self.after_call_menu)
        self.cancel_after_call_action.triggered.connect(self.on_cancel_after_call_triggered)
        self.after_call_menu.addAction(self.cancel_after_call_action)
        self.refresh()

    def set_after_call_work(self, acw: AfterCallWork | None) -> None:
        """The running ACW period (for its timer), or None when there is none."""
        self._acw = acw
        self.refresh()

    def reason_text(self, code: str | None) -> str:
        if code == LOGIN_REASON:
            return self.tr("Just logged in")
        for reason in self._reasons:
            if reason.code == code:
                return reason.label.text(self._language)
        return code or ""

    def state_text(self) -> str:
        machine = self._machine
        now = self._clock()
        elapsed = elapsed_text(machine.elapsed_seconds(now))
        state = machine.state
        if state is AgentState.AFTER_CALL_WORK and self._acw is not None:
            remaining = self._acw.remaining(now)
            if remaining is not None:
                return self.tr("After-call work {time} left").format(
                    time=countdown_text(remaining))
        names = {
            AgentState.LOGGED_OUT: self.tr("Logged out"),
            AgentState.READY: self.tr("Ready"),
            AgentState.NOT_READY: self.tr("Not ready"),
            AgentState.RINGING: self.tr("Ringing"),
            AgentState.TALKING: self.tr("Talking"),
            AgentState.ON_HOLD: self.tr("On hold"),
            AgentState.AFTER_CALL_WORK: self.tr("After-call work"),
        }
        if state is AgentState.NOT_READY:
            return self.tr("{state} · {reason} {time}").format(
                state=names[state], reason=self.reason_text(machine.reason_code), time=elapsed)
        return self.tr("{state} {time}").format(state=names[state], time=elapsed)

    @Slot()
    def refresh(self) -> None:
        machine = self._machine
        state = machine.state
        self.state_label.setText(self.state_text())
        self.state_label.setProperty("agentState", state.value)
        in_acw = state is AgentState.AFTER_CALL_WORK
        self.ready_button.setEnabled(
            state is AgentState.NOT_READY
            or (in_acw and self._acw is not None and self._acw.may_skip_wrapup()))
        busy = state in (AgentState.RINGING, AgentState.TALKING, AgentState.ON_HOLD) or in_acw
        self.not_ready_button.setEnabled(bool(self._reasons) and state is not
                                         AgentState.LOGGED_OUT)
        self.not_ready_button.setToolTip(
            self.tr("Not ready after this call") if busy else self.tr("Not ready now"))
        pending = machine.pending_not_ready
        self.after_call_button.setEnabled(bool(self._reasons)
                                          and state is not AgentState.LOGGED_OUT)
        self.after_call_button.setChecked(pending is not None)
        self.after_call_button.setText(
            self.tr("Not ready after this call: {reason}").format(
                reason=self.reason_text(pending.reason_code)) if pending
            else self.tr("Not ready after this call"))
        for action in self.after_call_menu.actions():
            if action.isCheckable():
                action.setChecked(pending is not None and action.data() == pending.reason_code)

    @Slot()
    def on_ready_button_clicked(self) -> None:
        self.sig_ready_requested.emit()

    def on_reason_chosen(self, code: str) -> None:
        if self._machine.state in (AgentState.READY, AgentState.NOT_READY):
            self.sig_not_ready_requested.emit(code)
        else:  # never cut a call or its wrap-up short: pre-select instead
            self.sig_not_ready_after_call_requested.emit(code)

    def on_after_call_reason_chosen(self, code: str) -> None:
        self.sig_not_ready_after_call_requested.emit(code)
        self.refresh()

    @Slot()
    def on_cancel_after_call_triggered(self) -> None:
        self.sig_not_ready_after_call_requested.emit(None)
        self.refresh()
