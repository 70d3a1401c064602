"""Manual search (Ctrl+F): find a customer by id, account, phone or name when a call
matched nobody - or the wrong one.

The box turns what was typed into a `SearchQuery` (`query_from_text`) and asks for it
(`sig_search_requested`); the caller runs it off the GUI thread and hands back the
answer (`show_results`). Choosing a result emits `sig_customer_chosen`; opening it is
an access with reason "search". No I/O here.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
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

from agentdesk.core.caller_identity import MAX_ID_CHARS, normalize_number
from agentdesk.core.customer_directory import LookupResult, SearchQuery
from agentdesk.ui.customer_panel import offline_banner_text
from agentdesk.ui.display_text import clean_display_text, display_number

MAX_QUERY_CHARS = 100
_ID_LIKE = re.compile(r"^[\w.:#/\-]+$")
CUSTOMER_ID_ROLE = Qt.ItemDataRole.UserRole + 2

FIELDS = ("any", "customer_id", "account", "phone", "name")


def query_from_text(text: str, field: str, region: str, limit: int = 20) -> SearchQuery:
    """What to search for; with field "any", every criterion the text could be."""
    text = " ".join(text.split())[:MAX_QUERY_CHARS]
    if not text:
        return SearchQuery(limit=limit)
    id_like = len(text) <= MAX_ID_CHARS and bool(_ID_LIKE.match(text))
    phone = normalize_number(text, region)
    if field == "customer_id":
        return SearchQuery(customer_id=text if id_like else "", limit=limit)
    if field == "account":
        return SearchQuery(account=text if id_like else "", limit=limit)
    if field == "phone":
        return SearchQuery(phone=phone, limit=limit)
    if field == "name":
        return SearchQuery(name=text, limit=limit)
    has_letters = any(ch.isalpha() for ch in text)
    return SearchQuery(customer_id=text if id_like else "", account=text if id_like else "",
                       phone=phone, name=text if has_letters else "", limit=limit)


class CustomerSearch(QFrame):
    sig_search_requested = Signal(object)  # SearchQuery
    sig_customer_chosen = Signal(str)  # customer id

    def __init__(self, region: str = "CN", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerSearch")
        self._region = region
        self._asked: SearchQuery | None = None

        self.search_field = QLineEdit(self)
        self.search_field.setObjectName("customerSearchField")
        self.search_field.setPlaceholderText(
            self.tr("Find a customer: id, account, phone or name (Ctrl+F)"))
        self.search_field.setAccessibleName(self.tr("Customer search"))
        self.search_field.setClearButtonEnabled(True)
        self.search_field.setMaxLength(MAX_QUERY_CHARS)
        self.field_box = QComboBox(self)
        self.field_box.setObjectName("customerSearchFieldChoice")
        for key, label in zip(FIELDS, (self.tr("Anything"), self.tr("Customer id"),
                                       self.tr("Account"), self.tr("Phone"),
                                       self.tr("Name")), strict=True):
            self.field_box.addItem(label, key)
        self.search_button = QPushButton(self.tr("Search"), self)
        self.search_button.setObjectName("customerSearchButton")
        self.status_label = QLabel(self)
        self.status_label.setObjectName("customerSearchStatus")
        self.status_label.setWordWrap(True)
        self.results_tree = QTreeWidget(self)
        self.results_tree.setObjectName("customerSearchResults")
        self.results_tree.setRootIsDecorated(False)
        self.results_tree.setHeaderLabels([self.tr("Name"), self.tr("Customer id"),
                                           self.tr("Phone"), self.tr("Account")])
        self.results_tree.hide()

        row = QHBoxLayout()
        row.addWidget(self.search_field, 1)
        row.addWidget(self.field_box)
        row.addWidget(self.search_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.results_tree, 1)

        self.search_field.returnPressed.connect(self.on_search_field_return_pressed)
        self.search_button.clicked.connect(self.on_search_field_return_pressed)
        self.results_tree.itemActivated.connect(self.on_results_tree_item_activated)

    def set_region(self, region: str) -> None:
        self._region = region

    def focus_search(self) -> None:
        """What Ctrl+F does: show the box, select what was typed."""
        self.show()
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def on_search_field_return_pressed(self) -> None:
        query = query_from_text(self.search_field.text(), str(self.field_box.currentData()),
                                self._region)
        if query.empty:
            self.status_label.setText(self.tr("Type an id, an account, a phone number or a "
                                              "name.") if self.search_field.text().strip()
                                      else "")
            return
        self._asked = query
        self.status_label.setText(self.tr("Searching…"))
        self.sig_search_requested.emit(query)

    def show_results(self, query: SearchQuery, result: LookupResult) -> None:
        """The answer to `sig_search_requested`; an answer to an older query is dropped."""
        if query != self._asked:
            return
        self._asked = None
        self.results_tree.clear()
        for customer in result.customers:
            item = QTreeWidgetItem([clean_display_text(customer.display_name),
                                    clean_display_text(customer.customer_id),
                                    display_number(customer.phone, self._region),
                                    clean_display_text(customer.account)])
            item.setData(0, CUSTOMER_ID_ROLE, customer.customer_id)
            self.results_tree.addTopLevelItem(item)
        count = len(result.customers)
        status = (self.tr("Customers found: {count}").format(count=count) if count
                  else self.tr("No customer found."))
        if result.provenance.offline:
            status = f"{status} {offline_banner_text(result.provenance)}"
        self.status_label.setText(status)
        self.results_tree.setVisible(bool(count))
        if count:
            self.results_tree.setCurrentItem(self.results_tree.topLevelItem(0))
            self.results_tree.setFocus()

    def show_failed(self, query: SearchQuery, message: str) -> None:
        if query != self._asked:
            return
        self._asked = None
        self.status_label.setText(self.tr("Search failed: %1").replace(
            "%1", clean_display_text(message, 200)))

    def on_results_tree_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        customer_id = item.data(0, CUSTOMER_ID_ROLE)
        if isinstance(customer_id, str):
            self.sig_customer_chosen.emit(customer_id)
