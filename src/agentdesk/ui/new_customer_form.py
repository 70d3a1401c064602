"""The unknown caller: a new-customer form pre-filled with the number.

Saving is two steps so nobody creates a duplicate by accident: "Save" first asks the
caller of the form to look for existing customers with the same number or a similar
name (`sig_duplicate_check_requested`, answered with `show_duplicate_candidates`).
With no duplicate the new customer is emitted at once (`sig_customer_created`); with
some, they are listed with the reason and the agent either opens one
(`sig_customer_chosen`) or saves anyway. Changing a field after the check checks
again. Once emitted, Save stays disabled until the caller answers (`start` for the
next caller, or `show_save_failed`), so a double click never creates the customer
twice. The form does no I/O itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.caller_identity import normalize_number
from agentdesk.core.customer_directory import Customer
from agentdesk.core.customer_duplicates import (
    DuplicateHit,
    DuplicateReason,
    NewCustomerDraft,
    find_duplicates,
)
from agentdesk.ui.display_text import clean_display_text, display_number

MAX_NAME_CHARS = 100  # the server's column width


class NewCustomerForm(QFrame):
    sig_duplicate_check_requested = Signal(object)  # NewCustomerDraft
    sig_customer_created = Signal(object)  # NewCustomerDraft: checked, save it
    sig_customer_chosen = Signal(str)  # customer id: the caller is an existing customer
    sig_cancelled = Signal()

    def __init__(self, region: str = "CN", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newCustomerForm")
        self._region = region
        self._checked: NewCustomerDraft | None = None  # the draft the duplicates are for
        self._pending: NewCustomerDraft | None = None  # a check asked for, not answered
        self.hits: list[DuplicateHit] = []

        self.title_label = QLabel(self.tr("New customer"), self)
        self.title_label.setObjectName("newCustomerTitle")
        self.caller_hint = QLabel(self)
        self.caller_hint.setObjectName("callerHint")
        self.last_name_field = self._field("lastName", self.tr("Family name"))
        self.first_name_field = self._field("firstName", self.tr("Given name"))
        self.native_name_field = self._field("nativeName", self.tr("Name in Chinese"))
        self.phone_field = self._field("newCustomerPhone", self.tr("Phone"))
        self.email_field = self._field("newCustomerEmail", self.tr("E-mail"))
        self.language_box = QComboBox(self)
        self.language_box.setObjectName("newCustomerLanguage")
        self.language_box.addItem(self.tr("Chinese"), "zh_CN")
        self.language_box.addItem(self.tr("English"), "en")
        self.error_label = QLabel(self)
        self.error_label.setObjectName("newCustomerError")
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.setWordWrap(True)

        self.duplicates_label = QLabel(self)
        self.duplicates_label.setObjectName("duplicatesLabel")
        self.duplicates_label.setWordWrap(True)
        self.duplicates_tree = QTreeWidget(self)
        self.duplicates_tree.setObjectName("duplicatesTree")
        self.duplicates_tree.setRootIsDecorated(False)
        self.duplicates_tree.setHeaderLabels([self.tr("Customer"), self.tr("Phone"),
                                              self.tr("Why")])
        self.duplicates_tree.itemDoubleClicked.connect(self.on_duplicates_tree_double_clicked)
        self.open_existing_button = QPushButton(self.tr("Open this customer"), self)
        self.open_existing_button.setObjectName("openExistingButton")
        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.setObjectName("saveNewCustomerButton")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setObjectName("cancelNewCustomerButton")

        form = QFormLayout()
        form.addRow(self.tr("Family name"), self.last_name_field)
        form.addRow(self.tr("Given name"), self.first_name_field)
        form.addRow(self.tr("Name in Chinese"), self.native_name_field)
        form.addRow(self.tr("Phone"), self.phone_field)
        form.addRow(self.tr("E-mail"), self.email_field)
        form.addRow(self.tr("Language"), self.language_box)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.caller_hint)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.duplicates_label)
        layout.addWidget(self.duplicates_tree)
        layout.addWidget(self.open_existing_button)
        layout.addLayout(buttons)

        self.save_button.clicked.connect(self.on_save_button_clicked)
        self.cancel_button.clicked.connect(self.sig_cancelled)
        self.open_existing_button.clicked.connect(self.on_open_existing_button_clicked)
        for field in (self.last_name_field, self.first_name_field, self.native_name_field,
                      self.phone_field, self.email_field):
            field.textChanged.connect(self._on_field_edited)
        self.start("")

    def _field(self, name: str, accessible: str) -> QLineEdit:
        field = QLineEdit(self)
        field.setObjectName(name)
        field.setAccessibleName(accessible)
        field.setMaxLength(MAX_NAME_CHARS)
        return field

    # --- what the caller does -------------------------------------------------------

    def start(self, number: str, caller_name: str = "") -> None:
        """Open the form for an unknown caller: the number in the seat's format."""
        for field in (self.last_name_field, self.first_name_field, self.native_name_field,
                      self.email_field):
            field.clear()
        self.phone_field.setText(display_number(number, self._region) if number else "")
        hint = clean_display_text(caller_name, 60)
        self.caller_hint.setText(self.tr("The caller's line shows the name: %1").replace(
            "%1", hint) if hint else "")
        self.caller_hint.setVisible(bool(hint))
        self.error_label.setText("")
        self._reset_check()
        (self.last_name_field if number else self.phone_field).setFocus()

    def draft(self) -> NewCustomerDraft:
        return NewCustomerDraft(
            first_name=self.first_name_field.text().strip(),
            last_name=self.last_name_field.text().strip(),
            native_name=self.native_name_field.text().strip(),
            phone=normalize_number(self.phone_field.text(), self._region)
            or self.phone_field.text().strip(),
            email=self.email_field.text().strip(),
            language=str(self.language_box.currentData()))

    def show_duplicate_candidates(self, draft: NewCustomerDraft,
                                  customers: Sequence[Customer]) -> None:
        """The answer to `sig_duplicate_check_requested`: customers found by the draft's
        number and name. An answer for an older draft is ignored."""
        if draft != self._pending or draft != self.draft():
            return
        self._pending = None
        self._checked = draft
        self.hits = find_duplicates(draft, customers, self._region)
        self.save_button.setEnabled(True)
        if not self.hits:
            self._created(draft)
            return
        self.duplicates_tree.clear()
        for hit in self.hits:
            item = QTreeWidgetItem([
                clean_display_text(f"{hit.customer.display_name} ({hit.customer.customer_id})"),
                display_number(hit.customer.phone, self._region),
                ", ".join(self._reason_text(r) for r in hit.reasons)])
            self.duplicates_tree.addTopLevelItem(item)
        self.duplicates_tree.setCurrentItem(self.duplicates_tree.topLevelItem(0))
        self.duplicates_label.setText(self.tr(
            "This may be a customer we already know. Open the existing file, or save as a "
            "new customer anyway."))
        for widget in (self.duplicates_label, self.duplicates_tree, self.open_existing_button):
            widget.show()
        self.save_button.setText(self.tr("Save as new anyway"))

    def show_check_failed(self, message: str) -> None:
        """The duplicate check could not run: say so; saving stays possible."""
        self._pending = None
        self.save_button.setEnabled(True)
        self.error_label.setText(self.tr("Could not check for duplicates: %1").replace(
            "%1", clean_display_text(message, 200)))

    def show_save_failed(self, message: str) -> None:
        """The customer could not be saved: say why, keep what was typed, allow Save."""
        self.save_button.setEnabled(True)
        self.error_label.setText(self.tr("The customer could not be saved: %1").replace(
            "%1", clean_display_text(message, 200)))

    def _created(self, draft: NewCustomerDraft) -> None:
        self.save_button.setEnabled(False)  # until the caller answers: one customer
        self.error_label.setText("")
        self.sig_customer_created.emit(draft)

    def _reason_text(self, reason: DuplicateReason) -> str:
        return {
            DuplicateReason.SAME_NUMBER: self.tr("same number"),
            DuplicateReason.SAME_NAME: self.tr("same name"),
            DuplicateReason.SIMILAR_NAME: self.tr("similar name"),
        }[reason]

    # --- what the agent does --------------------------------------------------------

    def _reset_check(self) -> None:
        self._checked = self._pending = None
        self.hits = []
        self.duplicates_tree.clear()
        for widget in (self.duplicates_label, self.duplicates_tree, self.open_existing_button):
            widget.hide()
        self.save_button.setText(self.tr("Save"))
        self.save_button.setEnabled(True)

    def _on_field_edited(self, _text: str) -> None:
        if self._checked is not None or self._pending is not None:
            self._reset_check()

    def _validation_error(self, draft: NewCustomerDraft) -> str:
        if not (draft.first_name or draft.last_name or draft.native_name):
            return self.tr("Enter the customer's name.")
        if not normalize_number(self.phone_field.text(), self._region):
            return self.tr("'%1' is not a phone number.").replace(
                "%1", clean_display_text(self.phone_field.text(), 40))
        if draft.email and ("@" not in draft.email or " " in draft.email):
            return self.tr("'%1' is not an e-mail address.").replace(
                "%1", clean_display_text(draft.email, 60))
        return ""

    def on_save_button_clicked(self) -> None:
        draft = self.draft()
        error = self._validation_error(draft)
        self.error_label.setText(error)
        if error:
            return
        if self._checked == draft:  # checked, duplicates shown: "save as new anyway"
            self._created(draft)
            return
        self._pending = draft
        self.save_button.setEnabled(False)
        self.duplicates_label.setText(self.tr("Checking for existing customers…"))
        self.duplicates_label.show()
        self.sig_duplicate_check_requested.emit(draft)

    def on_open_existing_button_clicked(self) -> None:
        index = self.duplicates_tree.indexOfTopLevelItem(self.duplicates_tree.currentItem())
        if 0 <= index < len(self.hits):
            self.sig_customer_chosen.emit(self.hits[index].customer.customer_id)

    def on_duplicates_tree_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        index = self.duplicates_tree.indexOfTopLevelItem(item)
        if 0 <= index < len(self.hits):
            self.sig_customer_chosen.emit(self.hits[index].customer.customer_id)
