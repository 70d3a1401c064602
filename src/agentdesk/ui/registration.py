"""How the phone's registration reads to an agent, and the small indicator showing it."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from agentdesk.core.phone_events import RegistrationChanged, RegistrationState
from agentdesk.ui.display_text import clean_display_text


def registration_text(event: RegistrationChanged) -> str:
    translate = QCoreApplication.translate
    state = event.state
    if state is RegistrationState.DISABLED:
        return translate("Registration", "Direct calls only (no registrar)")
    if state is RegistrationState.REGISTERING:
        return translate("Registration", "Registering…")
    if state is RegistrationState.REGISTERED:
        return translate("Registration", "Registered")
    if state is RegistrationState.UNREGISTERED:
        return translate("Registration", "Not registered")
    cause = f"{event.code} {clean_display_text(event.reason, 80)}".strip() if event.code \
        else clean_display_text(event.reason, 80)
    text = translate("Registration", "Registration failed: {cause}").format(
        cause=cause or translate("Registration", "no answer from the registrar"))
    if event.retry_in_s is not None:
        text += " " + translate("Registration", "(retrying in {seconds} s)").format(
            seconds=max(1, round(event.retry_in_s)))
    return text


class RegistrationIndicator(QWidget):
    """A coloured dot and the state in words (colour is never the only signal)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("registrationIndicator")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.dot = QLabel("●", self)
        self.dot.setObjectName("registrationDot")
        self.label = QLabel(self)
        self.label.setObjectName("registrationText")
        layout.addWidget(self.dot)
        layout.addWidget(self.label, 1)
        self.set_registration(RegistrationChanged(RegistrationState.DISABLED))

    def text(self) -> str:
        return self.label.text()

    def set_registration(self, event: RegistrationChanged) -> None:
        self.label.setText(registration_text(event))
        self.dot.setProperty("state", event.state.value)
        # A changed dynamic property only restyles after an unpolish/polish.
        self.dot.style().unpolish(self.dot)
        self.dot.style().polish(self.dot)
