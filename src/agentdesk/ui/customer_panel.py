"""The customer file the screen pop opens: who is calling, their history and promises.

The panel only shows data objects (core.customer_directory / core.customer_match) and
says what the agent did through signals; looking customers up, saving notes and
recording the access are the caller's job, off the GUI thread. When several customers
match, a strip shows every candidate with the reason for its rank; one click switches
(`sig_customer_chosen`). An answer from the local copy carries a banner with the time
of that copy, so stale data is never mistaken for the server's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.caller_identity import normalize_number
from agentdesk.core.customer_directory import (
    Customer,
    CustomerFile,
    CustomerHistory,
    FieldChange,
    Promise,
    Provenance,
    TimelineEntry,
    TimelineKind,
)
from agentdesk.core.customer_match import Candidate, MatchReason
from agentdesk.ui.display_text import clean_display_text, display_number, format_duration

OVERDUE_ROLE = Qt.ItemDataRole.UserRole + 1  # bool on a promise item: past its due time
OVERDUE_COLOR = QColor("#c62828")
MAX_NOTE_CHARS = 4000


def _translate(text: str) -> str:
    return QCoreApplication.translate("CustomerPanel", text)


def reason_text(candidate: Candidate) -> str:
    """Why this candidate is where it is, in the agent's language."""
    text = {
        MatchReason.CUSTOMER_ID: _translate("Customer id from the IVR"),
        MatchReason.LEAD: _translate("The lead you dialed"),
        MatchReason.VERIFIED_ACCOUNT: _translate("Account verified by the IVR"),
        MatchReason.PHONE_MY_CALLBACK: _translate("Same number; your open callback"),
        MatchReason.PHONE_RECENT_CONTACT: _translate("Same number; most recent contact"),
        MatchReason.PHONE: _translate("Same number"),
        MatchReason.UNVERIFIED_ACCOUNT: _translate("Account number, not verified"),
    }[candidate.reason]
    if candidate.last_contact_at is not None and candidate.reason.strength >= 2:
        text += " · " + _translate("last contact %1").replace(
            "%1", local_time_text(candidate.last_contact_at, with_time=False))
    return text


def local_time_text(moment: datetime, *, with_time: bool = True) -> str:
    local = moment.astimezone()
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def offline_banner_text(provenance: Provenance) -> str:
    if provenance.copy_from is None:
        return _translate("Offline copy (never synced): the server cannot be reached")
    return _translate("Offline copy from %1: the server cannot be reached").replace(
        "%1", local_time_text(provenance.copy_from))


class CustomerPanel(QFrame):
    sig_customer_chosen = Signal(str)  # customer id: the agent switched candidates
    sig_note_saved = Signal(str, str)  # customer id, note text
    sig_customer_edited = Signal(object)  # a Customer with the agent's contact changes
    sig_file_shown = Signal(str)  # customer id: that file's widgets are filled

    def __init__(self, region: str = "CN", agent: str = "",
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerPanel")
        self._region = region
        self._agent = agent
        self._clock = clock
        self._file: CustomerFile | None = None
        self.candidate_buttons: list[QPushButton] = []

        self.offline_banner = QLabel(self)
        self.offline_banner.setObjectName("offlineBanner")
        self.offline_banner.setWordWrap(True)
        self.offline_banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 4px;")
        self.offline_banner.hide()
        self.status_label = QLabel(self)
        self.status_label.setObjectName("customerStatus")
        self.status_label.setWordWrap(True)

        self.candidates_box = QFrame(self)
        self.candidates_box.setObjectName("candidatesStrip")
        self._candidates_layout = QHBoxLayout(self.candidates_box)
        self._candidates_layout.setContentsMargins(0, 0, 0, 0)
        self.candidates_box.hide()

        self.name_label = QLabel(self)
        self.name_label.setObjectName("customerName")
        font = self.name_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.name_label.setFont(font)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badges_label = QLabel(self)
        self.badges_label.setObjectName("customerBadges")
        self.dnc_label = QLabel(self)
        self.dnc_label.setObjectName("dncWarning")
        self.dnc_label.setStyleSheet("color: #c62828; font-weight: 600;")
        self.dnc_label.hide()

        self.contact_box = QGroupBox(self.tr("Contact"), self)
        contact = QFormLayout(self.contact_box)
        self.phone_field = self._contact_field("customerPhone", self.tr("Phone"))
        self.email_field = self._contact_field("customerEmail", self.tr("E-mail"))
        self.account_label = QLabel(self.contact_box)
        self.details_label = QLabel(self.contact_box)
        self.details_label.setWordWrap(True)
        self.consent_label = QLabel(self.contact_box)
        self.consent_label.setObjectName("consentLabel")
        self.edit_button = QPushButton(self.tr("Edit contact"), self.contact_box)
        self.edit_button.setObjectName("editContactButton")
        self.edit_button.setCheckable(True)
        self.edit_error = QLabel(self.contact_box)
        self.edit_error.setObjectName("editContactError")
        self.edit_error.setStyleSheet("color: #c62828;")
        contact.addRow(self.tr("Phone"), self.phone_field)
        contact.addRow(self.tr("E-mail"), self.email_field)
        contact.addRow(self.tr("Account"), self.account_label)
        contact.addRow(self.tr("Details"), self.details_label)
        contact.addRow(self.tr("Consent"), self.consent_label)
        contact.addRow(self.edit_button, self.edit_error)

        self.promises_tree = self._tree("promisesTree", [self.tr("Due"), self.tr("Owner"),
                                                         self.tr("Promise")])
        self.complaints_tree = self._tree("complaintsTree", [self.tr("Opened"), self.tr("Age"),
                                                             self.tr("Complaint"),
                                                             self.tr("Status")])
        self.timeline_tree = self._tree("timelineTree", [
            self.tr("When"), self.tr("What"), self.tr("Agent"), self.tr("Duration"),
            self.tr("Codes"), self.tr("Note")])
        self.history_label = QLabel(self)
        self.history_label.setObjectName("historyStatus")

        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setObjectName("customerNote")
        self.note_edit.setPlaceholderText(self.tr("Add a note to this customer's file"))
        self.note_edit.setAccessibleName(self.tr("Note"))
        self.note_edit.setMaximumHeight(80)
        self.save_note_button = QPushButton(self.tr("Save note"), self)
        self.save_note_button.setObjectName("saveNoteButton")

        layout = QVBoxLayout(self)
        layout.addWidget(self.offline_banner)
        layout.addWidget(self.status_label)
        layout.addWidget(self.candidates_box)
        layout.addWidget(self.name_label)
        layout.addWidget(self.badges_label)
        layout.addWidget(self.dnc_label)
        layout.addWidget(self.contact_box)
        layout.addWidget(self._boxed(self.tr("Open promises"), self.promises_tree))
        layout.addWidget(self._boxed(self.tr("Open complaints"), self.complaints_tree))
        layout.addWidget(self._boxed(self.tr("History"), self.timeline_tree,
                                     self.history_label), 1)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.save_note_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(note_row)

        self.edit_button.toggled.connect(self.on_edit_button_toggled)
        self.save_note_button.clicked.connect(self.on_save_note_clicked)
        self.note_edit.textChanged.connect(self._update_note_button)
        self.clear()

    # --- building blocks ------------------------------------------------------------

    def _contact_field(self, name: str, accessible: str) -> QLineEdit:
        field = QLineEdit(self)
        field.setObjectName(name)
        field.setAccessibleName(accessible)
        field.setReadOnly(True)
        field.setFrame(False)
        return field

    def _tree(self, name: str, headers: list[str]) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setObjectName(name)
        tree.setRootIsDecorated(False)
        tree.setHeaderLabels(headers)
        tree.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        return tree

    def _boxed(self, title: str, *widgets: QWidget) -> QGroupBox:
        box = QGroupBox(title, self)
        inner = QVBoxLayout(box)
        for widget in widgets:
            inner.addWidget(widget)
        return box

    # --- what the caller shows ------------------------------------------------------

    @property
    def customer(self) -> Customer | None:
        return None if self._file is None else self._file.customer

    def set_region(self, region: str) -> None:
        self._region = region
        if self._file is not None:
            self.show_file(self._file)

    def set_agent(self, agent: str) -> None:
        self._agent = agent

    def clear(self, message: str = "") -> None:
        self._file = None
        self.status_label.setText(message or self.tr("No customer"))
        self.status_label.show()
        self.show_candidates((), "")
        self.offline_banner.hide()
        self.name_label.setText("")
        self.badges_label.setText("")
        self.dnc_label.hide()
        self.edit_button.setChecked(False)
        for field in (self.phone_field, self.email_field):
            field.clear()
        for label in (self.account_label, self.details_label, self.consent_label,
                      self.history_label, self.edit_error):
            label.setText("")
        for tree in (self.promises_tree, self.complaints_tree, self.timeline_tree):
            tree.clear()
        self.note_edit.clear()
        self.contact_box.setEnabled(False)
        self.note_edit.setEnabled(False)
        self._update_note_button()

    def show_looking_up(self, caller: str) -> None:
        """Between the INVITE and the answer of the directory."""
        self.clear(self.tr("Looking up %1…").replace(
            "%1", display_number(caller, self._region) or self.tr("the caller")))

    def show_candidates(self, candidates: Sequence[Candidate], chosen_id: str) -> None:
        """The strip of every candidate with its reason; hidden for one or none."""
        for button in self.candidate_buttons:
            self._candidates_layout.removeWidget(button)
            button.deleteLater()
        self.candidate_buttons = []
        if len(candidates) < 2:
            self.candidates_box.hide()
            return
        for candidate in candidates:
            customer = candidate.customer
            button = QPushButton(self.candidates_box)
            button.setObjectName("candidateButton")
            button.setCheckable(True)
            button.setChecked(customer.customer_id == chosen_id)
            button.setProperty("customerId", customer.customer_id)
            name = clean_display_text(customer.display_name, 40)
            button.setText(f"{candidate.rank}. {name}\n{reason_text(candidate)}")
            button.setToolTip(f"{customer.customer_id} · {reason_text(candidate)}")
            button.clicked.connect(
                lambda _checked=False, cid=customer.customer_id: self._on_candidate(cid))
            self._candidates_layout.addWidget(button)
            self.candidate_buttons.append(button)
        self._candidates_layout.addStretch(1)
        self.candidates_box.show()

    def show_offline(self, provenance: Provenance) -> None:
        if provenance.offline:
            self.offline_banner.setText(offline_banner_text(provenance))
            self.offline_banner.show()
        else:
            self.offline_banner.hide()

    def show_file(self, file: CustomerFile) -> None:
        """Render one customer's file (the candidates strip is left as it is)."""
        self._file = file
        customer = file.customer
        self.status_label.hide()
        self.show_offline(file.provenance)
        self.contact_box.setEnabled(True)
        self.note_edit.setEnabled(True)
        self.edit_button.setChecked(False)
        for button in self.candidate_buttons:
            button.setChecked(button.property("customerId") == customer.customer_id)
        self.name_label.setText(clean_display_text(customer.display_name))
        self.name_label.setToolTip(customer.customer_id)
        self.badges_label.setText(self._badges(customer))
        self.dnc_label.setVisible(customer.dnc)
        self.dnc_label.setText(self.tr("Do not call: no sales calls to this customer"))
        self._show_contact(customer)
        self._show_promises(file.history.open_promises)
        self._show_complaints(customer)
        self._show_history(file.history, file.provenance)
        # Last: a listener (the pop benchmark, an e2e test) reads a complete file.
        self.sig_file_shown.emit(customer.customer_id)

    def show_history(self, history: CustomerHistory, provenance: Provenance) -> None:
        """Refresh the promises and the timeline of the file shown (a note was just
        written, a callback closed) without touching the contact data being edited."""
        if self._file is None:
            return
        self._file = replace(self._file, history=history, provenance=provenance)
        self.show_offline(provenance)
        self._show_history(history, provenance)

    def _show_history(self, history: CustomerHistory, provenance: Provenance) -> None:
        self._show_promises(history.open_promises)
        self._show_timeline(history.timeline)
        if provenance.offline and not history.timeline:
            self.history_label.setText(self.tr("History is not available offline."))
        elif provenance.offline:
            self.history_label.setText(self.tr(
                "Offline: this desktop's own records only; the server has the rest."))
        elif not history.complete:
            self.history_label.setText(self.tr("Newest entries only; more on the server."))
        else:
            self.history_label.setText("")

    def _badges(self, customer: Customer) -> str:
        lifecycle = {
            "prospect": self.tr("Prospect"), "active": self.tr("Active"),
            "at_risk": self.tr("At risk"), "churned": self.tr("Churned"),
        }.get(customer.lifecycle, "")
        parts = [customer.customer_id]
        if customer.segment:
            parts.append(self.tr("Segment: %1").replace("%1", customer.segment))
        if customer.tier:
            parts.append(self.tr("Tier %1").replace("%1", customer.tier))
        if lifecycle:
            parts.append(lifecycle)
        return clean_display_text("  ·  ".join(parts), 200)

    def _show_contact(self, customer: Customer) -> None:
        phones = [display_number(p, self._region) for p in customer.phones]
        self.phone_field.setText(", ".join(phones))
        self.email_field.setText(clean_display_text(customer.email))
        self.account_label.setText(clean_display_text(customer.account) or "—")
        details = [customer.city, customer.language, customer.timezone]
        self.details_label.setText(clean_display_text(" · ".join(d for d in details if d)))
        names = {"phone": self.tr("Phone"), "sms": self.tr("SMS"), "email": self.tr("E-mail")}
        consent = [f"{clean_display_text(names.get(channel, channel), 20)} "
                   f"{'✓' if allowed else '✗'}" for channel, allowed in customer.consent]
        self.consent_label.setText(", ".join(consent) or "—")

    def _show_promises(self, promises: Sequence[Promise]) -> None:
        self.promises_tree.clear()
        now = self._clock()
        for promise in promises:
            overdue = promise.is_overdue(now)
            due = local_time_text(promise.due_at)
            if overdue:
                due = self.tr("Overdue: %1").replace("%1", due)
            owner = promise.owner
            if promise.is_owned_by(self._agent):
                owner = self.tr("You")
            elif owner == "team":
                owner = self.tr("Team")
            elif owner == "anyone":
                owner = self.tr("Anyone")
            item = QTreeWidgetItem([due, clean_display_text(owner),
                                    clean_display_text(promise.note)])
            item.setData(0, OVERDUE_ROLE, overdue)
            if overdue:
                bold = QFont(item.font(0))
                bold.setBold(True)
                for column in range(3):
                    item.setForeground(column, QBrush(OVERDUE_COLOR))
                    item.setFont(column, bold)
            self.promises_tree.addTopLevelItem(item)
        if not promises:
            self.promises_tree.addTopLevelItem(QTreeWidgetItem([self.tr("None")]))

    def _show_complaints(self, customer: Customer) -> None:
        self.complaints_tree.clear()
        now = self._clock()
        for complaint in customer.open_complaints:
            age = complaint.age_days(now)
            self.complaints_tree.addTopLevelItem(QTreeWidgetItem([
                local_time_text(complaint.opened_at, with_time=False)
                if complaint.opened_at else "—",
                self.tr("{count} d").format(count=age) if age is not None else "—",
                clean_display_text(complaint.summary), clean_display_text(complaint.status)]))
        if not customer.open_complaints:
            self.complaints_tree.addTopLevelItem(QTreeWidgetItem([self.tr("None")]))

    def _show_timeline(self, entries: Sequence[TimelineEntry]) -> None:
        self.timeline_tree.clear()
        for entry in entries:
            duration = ""
            if entry.kind is TimelineKind.CALL:
                duration = (format_duration(entry.duration_seconds)
                            if entry.duration_seconds is not None else self.tr("not answered"))
            text = (self._changes_text(entry.changes) if entry.kind is TimelineKind.CHANGE
                    else entry.text)
            item = QTreeWidgetItem([
                local_time_text(entry.at), self._what(entry), clean_display_text(entry.agent),
                duration, clean_display_text(", ".join(entry.wrapup_codes)),
                clean_display_text(text, 300)])
            item.setToolTip(5, clean_display_text(text, 400))
            self.timeline_tree.addTopLevelItem(item)

    def _what(self, entry: TimelineEntry) -> str:
        if entry.kind is TimelineKind.CALL:
            return (self.tr("Inbound call") if entry.direction == "inbound"
                    else self.tr("Outbound call"))
        if entry.kind is TimelineKind.NOTE:
            return self.tr("Note")
        if entry.kind is TimelineKind.CALLBACK:
            return self.tr("Callback booked")
        if entry.kind is TimelineKind.CHANGE:
            return self.tr("Customer data changed")
        return clean_display_text(entry.channel, 40)

    def _field_name(self, name: str) -> str:
        names = {
            "first_name": self.tr("First name"), "last_name": self.tr("Last name"),
            "phone": self.tr("Phone"), "email": self.tr("E-mail"),
            "account": self.tr("Account"), "segment": self.tr("Segment"),
            "language": self.tr("Language"), "timezone": self.tr("Time zone"),
            "extra.native_name": self.tr("Native name"), "extra.city": self.tr("City"),
            "extra.tier": self.tr("Tier"), "extra.lifecycle": self.tr("Lifecycle"),
            "extra.dnc": self.tr("Do not call"), "extra.consent": self.tr("Consent"),
            "extra.complaints": self.tr("Complaints"),
        }
        return names.get(name) or name.removeprefix("extra.")

    def _changes_text(self, changes: Sequence[FieldChange]) -> str:
        """Each field with its old and new value, e.g. Phone: +86… → +86…"""
        def value(text: str | None) -> str:
            return clean_display_text(text, 60) if text else self.tr("(empty)")

        return "; ".join(self.tr("{field}: {old} → {new}").format(
            field=self._field_name(c.field), old=value(c.old), new=value(c.new))
            for c in changes)

    # --- what the agent does --------------------------------------------------------

    def _on_candidate(self, customer_id: str) -> None:
        for button in self.candidate_buttons:
            button.setChecked(button.property("customerId") == customer_id)
        if self.customer is None or self.customer.customer_id != customer_id:
            self.sig_customer_chosen.emit(customer_id)

    def _update_note_button(self) -> None:
        text = self.note_edit.toPlainText().strip()
        self.save_note_button.setEnabled(self._file is not None and 0 < len(text)
                                         <= MAX_NOTE_CHARS)

    def on_save_note_clicked(self) -> None:
        if self.customer is None:
            return
        text = self.note_edit.toPlainText().strip()
        if not text or len(text) > MAX_NOTE_CHARS:
            return
        self.sig_note_saved.emit(self.customer.customer_id, text)
        self.note_edit.clear()

    def on_edit_button_toggled(self, editing: bool) -> None:
        customer = self.customer
        for field in (self.phone_field, self.email_field):
            field.setReadOnly(not editing)
            field.setFrame(editing)
        self.edit_button.setText(self.tr("Save contact") if editing else self.tr("Edit contact"))
        if editing:
            self.edit_error.setText("")
            if customer is not None:  # edit the primary number in plain E.164
                self.phone_field.setText(customer.phone)
            return
        if customer is None:
            return
        edited = self._edited(customer)
        if edited is None:
            self.edit_button.blockSignals(True)
            self.edit_button.setChecked(True)
            self.edit_button.blockSignals(False)
            self.edit_button.setText(self.tr("Save contact"))
            for field in (self.phone_field, self.email_field):
                field.setReadOnly(False)
                field.setFrame(True)
            return
        self._show_contact(edited)
        if edited != customer:
            assert self._file is not None
            self._file = replace(self._file, customer=edited)
            self.sig_customer_edited.emit(edited)

    def _edited(self, customer: Customer) -> Customer | None:
        """The customer with the typed contact data, or None (and a message) if invalid."""
        phone_text = self.phone_field.text().strip()
        phone = normalize_number(phone_text, self._region)
        if not phone:
            self.edit_error.setText(self.tr("'%1' is not a phone number.").replace(
                "%1", clean_display_text(phone_text, 40)))
            return None
        email = self.email_field.text().strip()
        if email and ("@" not in email or " " in email or len(email) > 254):
            self.edit_error.setText(self.tr("'%1' is not an e-mail address.").replace(
                "%1", clean_display_text(email, 60)))
            return None
        self.edit_error.setText("")
        return replace(customer, phone=phone, email=email)
