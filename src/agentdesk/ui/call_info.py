"""Who the agent is talking to: caller name and number, call state, talk time."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QWidget

from agentdesk.core.call_service import CallLine
from agentdesk.core.phone_events import CallState
from agentdesk.ui.display_text import call_state_text, caller_title, talk_time_text
from agentdesk.ui.elided_label import ElidedLabel


class CallInfo(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callInfo")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(12)
        layout.setVerticalSpacing(2)
        self.name_label = ElidedLabel(parent=self)
        self.name_label.setObjectName("callerName")
        self.number_label = ElidedLabel(parent=self)
        self.number_label.setObjectName("callerNumber")
        self.state_label = QLabel(self)
        self.state_label.setObjectName("callState")
        self.timer_label = QLabel(self)
        self.timer_label.setObjectName("callTimer")
        self.timer_label.setAccessibleName(self.tr("Talk time"))
        self.badges_label = QLabel(self)
        self.badges_label.setObjectName("callBadges")
        layout.addWidget(self.name_label, 0, 0)
        layout.addWidget(self.state_label, 0, 1)
        layout.addWidget(self.timer_label, 0, 2)
        layout.addWidget(self.number_label, 1, 0)
        layout.addWidget(self.badges_label, 1, 1, 1, 2)
        layout.setColumnStretch(0, 1)
        self._line: CallLine | None = None
        self.show_line(None, "CN", 0.0)

    def show_line(self, line: CallLine | None, region: str, now: float,
                  last_outcome: str = "") -> None:
        self._line = line
        if line is None:
            self.name_label.setText(self.tr("No call"))
            self.number_label.setText(last_outcome)
            self.state_label.setText("")
            self.timer_label.setText("")
            self.badges_label.setText("")
            self.setProperty("callState", "idle")
        else:
            title, number = caller_title(line, region)
            self.name_label.setText(title)
            self.number_label.setText(number)
            self.state_label.setText(call_state_text(line))
            self.badges_label.setText(self._badges(line))
            state = "held" if line.on_hold else line.state.value
            self.setProperty("callState", state)
            self.tick(now)
        self.style().unpolish(self)
        self.style().polish(self)

    def tick(self, now: float) -> None:
        line = self._line
        if line is None:
            return
        if line.state is CallState.CONNECTED:
            self.timer_label.setText(talk_time_text(line, now))
        else:
            self.timer_label.setText("")

    def _badges(self, line: CallLine) -> str:
        badges = []
        if line.consult_for:
            badges.append(self.tr("Transfer consultation"))
        if line.muted:
            badges.append(self.tr("Muted"))
        if line.recording:
            badges.append(self.tr("Recording paused") if line.recording_paused
                          else self.tr("● Recording"))
        return "  ·  ".join(badges)
