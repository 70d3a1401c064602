"""The objection bar under the script: always visible, searchable, Alt+1..9.

Alt+digit opens the n-th objection shown (after filtering); digits alone belong to the
script's choices and the dial pad. The wrap-up form's code hotkeys are Alt+digits too,
bound to the form: while the keyboard is in the form (`yield_hotkeys_to`) the bar's
hotkeys step aside — two live shortcuts on one key make Qt fire neither.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLineEdit, QPushButton, QWidget

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
        self.hotkeys: list[QShortcut] = []
        self._yield_to: list[QWidget] = []
        for number in range(1, MAX_HOTKEYS + 1):
            shortcut = QShortcut(QKeySequence(f"Alt+{number}"), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda n=number: self.on_hotkey_activated(n))
            self.hotkeys.append(shortcut)

    def yield_hotkeys_to(self, widget: QWidget) -> None:
        """While the keyboard focus is inside `widget`, Alt+digits are its own."""
        if not self._yield_to:
            app = QApplication.instance()
            assert isinstance(app, QApplication)
            app.focusChanged.connect(self.on_app_focus_changed)
        self._yield_to.append(widget)
        self.on_app_focus_changed(None, QApplication.focusWidget())

    def on_app_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        inside = new is not None and any(
            owner is new or owner.isAncestorOf(new) for owner in self._yield_to)
        for shortcut in self.hotkeys:
            shortcut.setEnabled(not inside)

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
