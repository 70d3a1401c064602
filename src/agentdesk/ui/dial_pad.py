"""A telephone keypad. It only reports digits; the call bar decides where they go
(DTMF during a call, the number field otherwise)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QToolButton, QWidget

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")
LETTERS = {"2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL", "6": "MNO", "7": "PQRS",
           "8": "TUV", "9": "WXYZ", "0": "+"}


class DialPad(QWidget):
    sig_digit_pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialPad")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # so typed digits reach it
        self.setToolTip(self.tr("Click a key or type 0–9, * and # while the pad has focus"))
        self.setAccessibleName(self.tr("Dial pad"))
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.buttons: dict[str, QToolButton] = {}
        for index, key in enumerate(KEYS):
            button = QToolButton(self)
            name = {"*": "star", "#": "hash"}.get(key, key)
            button.setObjectName(f"dialPadKey_{name}")
            letters = LETTERS.get(key, "")
            button.setText(f"{key}\n{letters}" if letters else f"{key}\n ")
            button.setAccessibleName(key)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the pad keeps the focus
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            button.setAutoRaise(False)
            button.clicked.connect(lambda _=False, digit=key: self.on_key_clicked(digit))
            layout.addWidget(button, index // 3, index % 3)
            self.buttons[key] = button

    def on_key_clicked(self, digit: str) -> None:
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.sig_digit_pressed.emit(digit)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text in KEYS and not event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier
                                                     | Qt.KeyboardModifier.KeypadModifier):
            self.buttons[text].setDown(True)  # the key looks pressed until released
            self.sig_digit_pressed.emit(text)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.text() in self.buttons:
            self.buttons[event.text()].setDown(False)
            return
        super().keyReleaseEvent(event)
