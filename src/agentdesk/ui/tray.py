"""A system-tray notification when a call comes in, so a hidden window still rings.

Where there is no tray (the offscreen test platform, some Wayland desktops) the
notifier does nothing at all: no icon is created, so Qt has nothing to warn about.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from agentdesk.core.phone_events import IncomingCall
from agentdesk.ui.display_text import clean_display_text, display_number
from agentdesk.ui.icons import icon

MESSAGE_MS = 15_000


def incoming_call_message(event: IncomingCall, region: str) -> tuple[str, str]:
    """(title, body) of the notification; the body is short and single-line."""
    title = QCoreApplication.translate("Tray", "Incoming call")
    number = display_number(event.remote_number, region)
    name = clean_display_text(event.remote_name, 60)
    if name and number:
        body = f"{name} ({number})"
    else:
        body = name or number or QCoreApplication.translate("Tray", "Unknown caller")
    return title, body


class TrayNotifier(QObject):
    sig_activated = Signal()  # the agent clicked the icon or the message

    def __init__(self, parent: QObject | None = None, available: bool | None = None) -> None:
        super().__init__(parent)
        if available is None:
            available = QSystemTrayIcon.isSystemTrayAvailable()
        self._tray: QSystemTrayIcon | None = None
        self.last_message: tuple[str, str] | None = None
        if available:
            self._tray = QSystemTrayIcon(icon("agentdesk"), self)
            self._tray.setToolTip("agentdesk")
            self._tray.activated.connect(lambda _reason: self.sig_activated.emit())
            self._tray.messageClicked.connect(self.sig_activated.emit)
            self._tray.show()

    @property
    def available(self) -> bool:
        return self._tray is not None

    def notify_incoming_call(self, event: IncomingCall, region: str) -> None:
        self.last_message = incoming_call_message(event, region)
        if self._tray is None:
            return
        title, body = self.last_message
        self._tray.setIcon(icon("incoming"))
        self._tray.setToolTip(f"agentdesk — {title}: {body}")
        if QSystemTrayIcon.supportsMessages():
            self._tray.showMessage(title, body, icon("incoming"), MESSAGE_MS)

    def notify(self, title: str, body: str) -> None:
        """A reminder (a callback falling due, ...): shown as a tray message."""
        self.last_message = (title, body)
        if self._tray is not None and QSystemTrayIcon.supportsMessages():
            self._tray.showMessage(title, body, icon("agentdesk"), MESSAGE_MS)

    def clear(self) -> None:
        if self._tray is not None:
            self._tray.setIcon(icon("agentdesk"))
            self._tray.setToolTip("agentdesk")

    def hide(self) -> None:
        if self._tray is not None:
            self._tray.hide()
