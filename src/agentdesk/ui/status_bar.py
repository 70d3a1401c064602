"""The status bar: registration, the last phone error, call quality, audio devices.

Short-lived messages (a refused action, transfer progress) use the left side;
the labels on the right stay until their state changes.
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton, QWidget

from agentdesk.core.phone_events import AudioDeviceChanged, PhoneError, RegistrationChanged
from agentdesk.core.softphone import CallQuality
from agentdesk.ui.display_text import clean_display_text
from agentdesk.ui.registration import registration_text

MESSAGE_MS = 10_000
GOOD_MOS, FAIR_MOS = 4.0, 3.6


class PhoneStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.error_label = self._label("statusError")
        self.error_dismiss = QToolButton(self)
        self.error_dismiss.setObjectName("statusErrorDismiss")
        self.error_dismiss.setText("×")
        self.error_dismiss.setAutoRaise(True)
        self.error_dismiss.setToolTip(self.tr("Dismiss"))
        self.error_dismiss.clicked.connect(self.clear_error)
        self.device_label = self._label("statusDevice")
        self.quality_label = self._label("statusQuality")
        self.registration_label = self._label("statusRegistration")
        for widget in (self.error_label, self.error_dismiss, self.device_label,
                       self.quality_label, self.registration_label):
            self.addPermanentWidget(widget)
        self._account = ""
        self.clear_error()
        self.show_quality("", None)
        self.device_label.hide()

    def set_account(self, account: str) -> None:
        self._account = clean_display_text(account, 60)

    def set_registration(self, event: RegistrationChanged) -> None:
        text = registration_text(event)
        self.registration_label.setText(f"{self._account} · {text}" if self._account else text)

    def show_phone_error(self, event: PhoneError) -> None:
        stamp = time.strftime("%H:%M")
        self.error_label.setText(f"{stamp} {clean_display_text(event.message, 160)}")
        details = "\n".join(f"{k}: {clean_display_text(v, 200)}" for k, v in
                            event.details.items())
        self.error_label.setToolTip(details)
        self.error_label.show()
        self.error_dismiss.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self.error_dismiss.hide()

    def show_action_error(self, message: str) -> None:
        self.showMessage(clean_display_text(message, 200), MESSAGE_MS)

    def show_quality(self, call_id: str, quality: CallQuality | None) -> None:
        if not call_id:
            self.quality_label.clear()
            self.quality_label.hide()
            return
        if quality is None:
            text = self.tr("Call quality: measuring…")
            poor = False
        else:
            if quality.mos >= GOOD_MOS:
                verdict = self.tr("good")
            elif quality.mos >= FAIR_MOS:
                verdict = self.tr("fair")
            else:
                verdict = self.tr("poor")
            poor = quality.mos < FAIR_MOS
            text = self.tr("Call quality: {verdict} (MOS {mos:.1f}) · jitter {jitter:.0f} ms · "
                           "loss {loss:.1f} %").format(verdict=verdict, mos=quality.mos,
                                                       jitter=quality.jitter_ms,
                                                       loss=quality.loss_percent)
            self.quality_label.setToolTip(self.tr("Round trip {rtt:.0f} ms, codec {codec}").format(
                rtt=quality.rtt_ms, codec=quality.codec or "?"))
        self.quality_label.setText(text)
        self.quality_label.setProperty("poor", poor)
        self.quality_label.style().unpolish(self.quality_label)
        self.quality_label.style().polish(self.quality_label)
        self.quality_label.show()

    def show_device_change(self, event: AudioDeviceChanged) -> None:
        device = clean_display_text(event.device, 60)
        if event.fell_back:
            lost = clean_display_text(event.lost_device, 60)
            if lost:
                text = self.tr("{lost} unplugged — using {device}").format(lost=lost,
                                                                           device=device)
            else:
                text = self.tr("Audio device lost — using {device}").format(device=device)
        else:
            text = self.tr("Using {device} again").format(device=device)
        self.device_label.setText(text)
        self.device_label.show()

    def _label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        return label
