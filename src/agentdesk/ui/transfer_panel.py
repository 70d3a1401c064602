"""Transfer: pick a target, then transfer at once (blind) or talk to them first
(consult), then complete or cancel. Shown under the call bar, never as a modal."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.call_service import CallLine
from agentdesk.core.phone_events import CallState, TransferProgress
from agentdesk.ui.call_actions import CallActions, action_button
from agentdesk.ui.display_text import call_state_text, caller_title, clean_display_text
from agentdesk.ui.elided_label import ElidedLabel
from agentdesk.ui.shortcuts import shortcut, with_shortcut


class TransferPanel(QFrame):
    def __init__(self, actions: CallActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transferPanel")
        self._actions = actions
        self._region = "CN"

        self.target_field = QLineEdit(self)
        self.target_field.setObjectName("transferTarget")
        self.target_field.setPlaceholderText(self.tr("Transfer to: number or extension"))
        self.target_field.setAccessibleName(self.tr("Transfer target"))
        self.target_field.setClearButtonEnabled(True)
        self.transfer_now_button = QPushButton(self.tr("Transfer now"), self)
        self.transfer_now_button.setObjectName("transferNowButton")
        self.transfer_now_button.setToolTip(with_shortcut(
            self.tr("Transfer the caller to this number now"), "transfer_now"))
        self.consult_button = QPushButton(self.tr("Consult first"), self)
        self.consult_button.setObjectName("consultButton")
        self.consult_button.setToolTip(with_shortcut(
            self.tr("Put the caller on hold and call this number first"), "consult"))
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("closeTransferButton")
        self.close_button.setText(self.tr("Close"))
        self.close_button.setToolTip(with_shortcut(self.tr("Close the transfer panel"),
                                                   "close_transfer"))
        self.consult_label = ElidedLabel(parent=self)
        self.consult_label.setObjectName("consultLabel")
        self.complete_button = action_button(self, "completeTransferButton", actions.transfer)
        self.cancel_button = action_button(self, "cancelTransferButton",
                                           actions.cancel_transfer)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("transferStatus")
        self.status_label.setWordWrap(True)

        self._choose_row = QWidget(self)
        choose = QHBoxLayout(self._choose_row)
        choose.setContentsMargins(0, 0, 0, 0)
        choose.addWidget(self.target_field, 1)
        choose.addWidget(self.transfer_now_button)
        choose.addWidget(self.consult_button)
        choose.addWidget(self.close_button)
        self._consult_row = QWidget(self)
        consulting = QHBoxLayout(self._consult_row)
        consulting.setContentsMargins(0, 0, 0, 0)
        consulting.addWidget(self.consult_label, 1)
        consulting.addWidget(self.complete_button)
        consulting.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self._choose_row)
        layout.addWidget(self._consult_row)
        layout.addWidget(self.status_label)

        self.target_field.returnPressed.connect(self.on_transfer_now_clicked)
        self.transfer_now_button.clicked.connect(self.on_transfer_now_clicked)
        self.consult_button.clicked.connect(self.on_consult_clicked)
        self.close_button.clicked.connect(actions.close_transfer)
        self.target_field.textEdited.connect(lambda _text: self.status_label.clear())
        for action, slot in (("consult", self.on_consult_clicked),
                             ("close_transfer", actions.close_transfer)):
            key = QShortcut(QKeySequence(shortcut(action).keys[0]), self)
            key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            key.activated.connect(slot)
        self.hide()

    def set_region(self, region: str) -> None:
        self._region = region

    def open(self) -> None:
        self.status_label.clear()
        self.refresh()
        self.target_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.target_field.selectAll()

    def refresh(self) -> None:
        consult = self._actions.consult_line()
        if consult is not None:
            self._show_consult(consult)
        elif self._actions.transfer_open:
            self._choose_row.show()
            self._consult_row.hide()
            self.setVisible(True)
        else:
            self.target_field.clear()
            self.status_label.clear()
            self.setVisible(False)

    def show_error(self, message: str) -> None:
        self.status_label.setText(message)
        self.status_label.setProperty("error", True)
        self._repolish(self.status_label)

    def on_transfer_progress(self, event: TransferProgress) -> None:
        detail = f"{event.code} {clean_display_text(event.reason, 60)}".strip()
        if not event.final:
            text = self.tr("Transferring… ({detail})").format(detail=detail)
        elif event.succeeded:
            text = self.tr("Transferred.")
        else:
            text = self.tr("Transfer failed: {detail}").format(detail=detail)
        self.status_label.setText(text)
        self.status_label.setProperty("error", event.final and not event.succeeded)
        self._repolish(self.status_label)

    def on_transfer_now_clicked(self) -> None:
        self._actions.blind_transfer(self.target_field.text())

    def on_consult_clicked(self) -> None:
        self._actions.start_consult(self.target_field.text())

    def _show_consult(self, consult: CallLine) -> None:
        title, number = caller_title(consult, self._region)
        who = f"{title} {number}".strip()
        if consult.state is CallState.CONNECTED:
            text = self.tr("Talking to {who}. Complete the transfer, or cancel to go back "
                           "to the caller.").format(who=who)
        else:
            text = self.tr("Consulting {who}: {state}").format(who=who,
                                                               state=call_state_text(consult))
        self.consult_label.setText(text)
        self._choose_row.hide()
        self._consult_row.show()
        self.setVisible(True)

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)
