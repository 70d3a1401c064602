"""The Ctrl+F customer search box: query building, results, choosing one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from agentdesk.core.customer_directory import (
    Customer,
    LookupResult,
    Provenance,
    SearchQuery,
)
from agentdesk.ui.customer_search import CustomerSearch, query_from_text

LI_LEI = Customer(customer_id="C-1001", first_name="Lei", last_name="Li",
                  phone="+8613800138000", native_name="李雷", account="A-88001")
JANE = Customer(customer_id="C-1002", first_name="Jane", last_name="Doe",
                phone="+12025550143", account="A-10442")


@pytest.mark.parametrize(("text", "field", "expected"), [
    ("C-1001", "any", SearchQuery(customer_id="C-1001", account="C-1001", name="C-1001")),
    ("138 0013 8000", "any", SearchQuery(phone="+8613800138000")),
    ("13800138000", "any", SearchQuery(customer_id="13800138000", account="13800138000",
                                       phone="+8613800138000")),
    ("王", "any", SearchQuery(customer_id="王", account="王", name="王")),
    ("Jane  Doe", "any", SearchQuery(name="Jane Doe")),
    ("A-88001", "account", SearchQuery(account="A-88001")),
    ("x' OR 1=1", "customer_id", SearchQuery()),
    ("(020) 2555-0143", "phone", SearchQuery(phone="+862025550143")),  # the seat's region
    ("+1 202 555 0143", "phone", SearchQuery(phone="+12025550143")),
    ("li", "name", SearchQuery(name="li")),
    ("   ", "any", SearchQuery()),
])
def test_query_from_text(text: str, field: str, expected: SearchQuery) -> None:
    assert query_from_text(text, field, "CN") == expected


@pytest.fixture
def search(qtbot: QtBot) -> CustomerSearch:
    widget = CustomerSearch(region="CN")
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_enter_asks_and_results_can_be_chosen(qtbot: QtBot, search: CustomerSearch) -> None:
    search.focus_search()
    qtbot.keyClicks(search.search_field, "li")
    with qtbot.waitSignal(search.sig_search_requested) as asked:
        qtbot.keyClick(search.search_field, Qt.Key.Key_Return)
    query = asked.args[0]
    assert query.name == "li"
    search.show_results(query, LookupResult(customers=(LI_LEI, JANE), histories={}))
    assert search.status_label.text() == "Customers found: 2"
    rows = [[search.results_tree.topLevelItem(i).text(c) for c in range(4)] for i in range(2)]
    assert rows == [["李雷", "C-1001", "138 0013 8000", "A-88001"],
                    ["Jane Doe", "C-1002", "+1 202-555-0143", "A-10442"]]
    with qtbot.waitSignal(search.sig_customer_chosen) as chosen:
        qtbot.keyClick(search.results_tree, Qt.Key.Key_Down)
        qtbot.keyClick(search.results_tree, Qt.Key.Key_Return)
    assert chosen.args == ["C-1002"]


def test_offline_results_say_so(qtbot: QtBot, search: CustomerSearch) -> None:
    qtbot.keyClicks(search.search_field, "+8613800138000")
    with qtbot.waitSignal(search.sig_search_requested) as asked:
        qtbot.mouseClick(search.search_button, Qt.MouseButton.LeftButton)
    copy_time = datetime(2026, 11, 19, 8, 30, tzinfo=UTC)
    search.show_results(asked.args[0], LookupResult(
        customers=(LI_LEI,), histories={},
        provenance=Provenance(offline=True, copy_from=copy_time)))
    local = copy_time.astimezone().strftime("%Y-%m-%d %H:%M")
    assert search.status_label.text().startswith(
        f"Customers found: 1 Offline copy from {local}")


def test_nothing_found_and_stale_answers(qtbot: QtBot, search: CustomerSearch) -> None:
    qtbot.keyClicks(search.search_field, "nobody")
    with qtbot.waitSignal(search.sig_search_requested) as first:
        qtbot.keyClick(search.search_field, Qt.Key.Key_Return)
    search.search_field.setText("C-1001")
    with qtbot.waitSignal(search.sig_search_requested) as second:
        qtbot.keyClick(search.search_field, Qt.Key.Key_Return)
    search.show_results(first.args[0], LookupResult(customers=(JANE,), histories={}))
    assert search.results_tree.topLevelItemCount() == 0  # the older answer is dropped
    search.show_results(second.args[0], LookupResult(customers=(), histories={}))
    assert search.status_label.text() == "No customer found."
    assert not search.results_tree.isVisible()


def test_search_failure_is_shown(qtbot: QtBot, search: CustomerSearch) -> None:
    qtbot.keyClicks(search.search_field, "li")
    with qtbot.waitSignal(search.sig_search_requested) as asked:
        qtbot.keyClick(search.search_field, Qt.Key.Key_Return)
    search.show_failed(asked.args[0], "the server refused it: 403")
    assert search.status_label.text() == "Search failed: the server refused it: 403"


def test_nothing_typed_asks_nothing(qtbot: QtBot, search: CustomerSearch) -> None:
    search.field_box.setCurrentIndex(search.field_box.findData("customer_id"))
    qtbot.keyClicks(search.search_field, "a b")
    with qtbot.assertNotEmitted(search.sig_search_requested):
        qtbot.keyClick(search.search_field, Qt.Key.Key_Return)
    assert search.status_label.text().startswith("Type an id")
