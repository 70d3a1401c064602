"""The objection bar under the script: always visible, searchable, Alt+1..9.

Alt+digit opens the n-th objection shown (after filtering); digits alone belong to the
script's choices and the dial pad, and no other desktop shortcut uses Alt+digit.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from agentdesk.core.scripts import Objection
from agentdesk.ui.flow_layout import FlowLayout, wrapping_policy

MAX_HOTKEYS = 9


class ObjectionBar(QWidget):
    sig_objection_chosen = Signal(str)  # objection id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("objectionBar")
        self._objections: tuple[Objection, ...] = ()
        self._language = "en"
        self._buttons: list[QPushButton] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit(self)
        self.search.setObjectName("objectionSearch")
        self.search.setPlaceholderText(self.tr("Objection…"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(120)  # the wrapping buttons beside it must not squeeze it
        self.search.setMaximumWidth(160)
        self.search.textChanged.connect(self.on_search_text_changed)
        self.search.returnPressed.connect(self.on_search_return_pressed)
        layout.addWidget(self.search)
        # the objections wrap into rows: a single row made the window wider than a screen
        self._row_widget = QWidget(self)
        self._row_widget.setSizePolicy(wrapping_policy())
        self._row = FlowLayout(self._row_widget)
        layout.addWidget(self._row_widget, 1)
        for number in range(1, MAX_HOTKEYS + 1):
            shortcut = QShortcut(QKeySequence(f"Alt+{number}"), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda n=number: self.on_hotkey_activated(n))

    def set_objections(self, objections: tuple[Objection, ...], language: str) -> None:
        self._objections = objections
        self._language = language
        self.search.clear()
        self._rebuild()

    def visible_objections(self) -> list[Objection]:
        query = self.search.text()
        return [o for o in self._objections if o.matches(query, self._language)]

    def buttons(self) -> list[QPushButton]:
        return list(self._buttons)

    def _rebuild(self) -> None:
        for button in self._buttons:
            self._row.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        for index, objection in enumerate(self.visible_objections()):
            title = objection.title.get(self._language)
            button = QPushButton(f"{index + 1}. {title}" if index < MAX_HOTKEYS else title,
                                 self._row_widget)
            button.setObjectName(f"objection_{objection.id}")
            if index < MAX_HOTKEYS:
                button.setToolTip(self.tr("Open the rebuttals (Alt+%1)").replace(
                    "%1", str(index + 1)))
            button.clicked.connect(lambda _=False, oid=objection.id:
                                   self.sig_objection_chosen.emit(oid))
            self._row.addWidget(button)
            self._buttons.append(button)
        self.setVisible(bool(self._objections))

    def on_search_text_changed(self, _text: str) -> None:
        self._rebuild()

    def on_search_return_pressed(self) -> None:
        shown = self.visible_objections()
        if shown:
            self.sig_objection_chosen.emit(shown[0].id)

    def on_hotkey_activated(self, number: int) -> None:
        shown = self.visible_objections()
        if self.isEnabled() and number <= len(shown):
            self.sig_objection_chosen.emit(shown[number - 1].id)
