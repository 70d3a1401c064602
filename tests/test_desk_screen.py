"""What the agent writes into the customer file reaches the local store and its outbox:
a note (shown at once, linked to the call once it is recorded), a contact edit (only
the changed fields), a new customer for an unknown caller (its file opens, the call
gets its id, the open is an access entry); and the offline pop shows this desktop's
timeline. A fake phone, a real store and the seat's real call pieces (wired as app.Seat
wires them); the directory is a fake where the network is not the point."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from agentdesk.core.agent_state import AgentStateMachine
from agentdesk.core.call_history import CallHistory
from agentdesk.core.call_service import CallService
from agentdesk.core.call_workflow import CallWorkflow
from agentdesk.core.customer_directory import (
    Customer,
    CustomerFile,
    CustomerHistory,
    LookupResult,
    SearchQuery,
)
from agentdesk.core.records import (
    AccessEntry,
    AccessReason,
    Callback,
    CallbackOwner,
    CallRecord,
    Direction,
    Note,
    RecordKind,
    ReferenceChange,
    StoreError,
    WrapUp,
)
from agentdesk.core.settings import PhoneSettings
from agentdesk.desk_reference import DeskReference
from agentdesk.desk_screen import CallScreen
from agentdesk.store import SqliteStore, open_store
from agentdesk.sync.customer_directory import CustomerApiClient, ServerCustomerDirectory
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.customer_panel import OVERDUE_ROLE
from agentdesk.ui.qt_scheduler import QtScheduler
from tests.fakes.softphone import FakeSoftphone
from tests.sync.conftest import free_port
from tests.ui.conftest import MACHINE_MESSAGES

pytestmark = pytest.mark.qt_log_ignore(*MACHINE_MESSAGES)

AGENT = "agent-a"
KNOWN = "+8613800138000"
UNKNOWN = "+8613600136000"
LI_LEI = {"customer_id": "C-1001", "first_name": "Lei", "last_name": "Li", "phone": KNOWN,
          "email": "li.lei@example.cn", "segment": "gold",
          "extra": {"native_name": "李雷", "city": "Beijing", "tier": "2"}}


class FakeDirectory:
    """The server's answers with no network: customers from the store's local copy
    (so a change applied there shows), an empty online history, and access entries
    saved as ServerCustomerDirectory saves them."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self.files: list[str] = []

    def search(self, query: SearchQuery) -> LookupResult:
        found = []
        if query.phone:
            found = [Customer.from_document(c.key, c.doc)
                     for c in self._store.find_customers_by_phone(query.phone)]
        return LookupResult(tuple(found), {})

    def customer_file(self, customer_id: str, *, page_size: int = 50) -> CustomerFile | None:
        self.files.append(customer_id)
        doc = self._store.get_reference("customer", customer_id)
        if doc is None:
            return None
        return CustomerFile(Customer.from_document(customer_id, doc), CustomerHistory())

    def record_access(self, customer_id: str, reason: AccessReason,
                      call_record_id: str | None = None) -> None:
        self._store.save_access_entry(AccessEntry(customer_id, reason, datetime.now(UTC)))


class ScriptOutcomes:
    """What CallScreen asks of the desk controller: the script's outcome per call."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Any] = {}

    def set_script_outcome(self, call_id: str, outcome: Any) -> None:
        self.outcomes[call_id] = outcome


def _now() -> datetime:
    return datetime.now(UTC)


class Screen:
    """The seat's call pieces without SIP, plus the call screen, as app wires them."""

    def __init__(self, qtbot: QtBot, data_dir: Path,
                 directory_for: Callable[[SqliteStore], Any] = FakeDirectory,
                 store_for: Callable[[SqliteStore], Any] = lambda store: store) -> None:
        self.store = open_store(data_dir)
        self.store.apply_reference_changes([ReferenceChange("customer", "C-1001", LI_LEI)],
                                           [], 1)
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self.phone = FakeSoftphone(registrar=False)
        self.phone.start()
        self.scheduler = QtScheduler()
        self.calls = CallService(self.phone, PhoneSettings(), self.scheduler.schedule)
        self.bridge = PhoneBridge(self.calls)
        self.reference = DeskReference(self.store, self.writer.submit)
        self.workflow = CallWorkflow(
            self.calls, AgentStateMachine(_now, ready_on_login=True), clock=_now,
            schedule=self.scheduler.schedule,
            record_state=lambda c: self.writer.submit(self.store.save_agent_state_change, c),
            record_wrapup=lambda w, _c: self.writer.submit(self.store.save_wrapup, w),
            acw_policy_for=self.reference.acw_policy_for, queue="service")
        self.bridge.attach_workflow(self.workflow)
        self.history = CallHistory(self.store, run=self.writer.submit,
                                   call_context=self.workflow.call_context,
                                   on_recorded=self.workflow.on_call_recorded)
        self.calls.subscribe(self.history.on_phone_event)
        self.workflow.login()
        self.nudges = 0
        self._lock = threading.Lock()
        self.directory = directory_for(self.store)
        self.screen = CallScreen(
            self.bridge, self.workflow, ScriptOutcomes(), self.reference,  # type: ignore[arg-type]
            self.directory, region="CN", agent_username=AGENT,
            store=store_for(self.store), run_in_writer=self.writer.submit,
            on_record_saved=self._nudged)
        self.pane = QWidget()
        layout = QVBoxLayout(self.pane)
        layout.addWidget(self.screen.customer_panel)
        layout.addWidget(self.screen.new_customer_form)
        qtbot.addWidget(self.pane)
        self.pane.show()
        self.panel = self.screen.customer_panel
        self.form = self.screen.new_customer_form

    def _nudged(self) -> None:  # on the store writer thread, like Seat's notify_saved
        with self._lock:
            self.nudges += 1

    def pending(self, kind: RecordKind) -> list[dict[str, Any]]:
        return [dict(i.payload) for i in self.store.pending_outbox(1000) if i.kind is kind]

    def close(self) -> None:
        self.screen.close()  # closes the directory too
        self.writer.shutdown(wait=True)
        self.scheduler.cancel_all()
        self.store.close()


@pytest.fixture
def seat(qtbot: QtBot, tmp_path: Path) -> Iterator[Screen]:
    made = Screen(qtbot, tmp_path)
    yield made
    made.close()


def pop(qtbot: QtBot, seat: Screen, number: str = KNOWN) -> str:
    with qtbot.waitSignal(seat.panel.sig_file_shown, timeout=5000) as shown:
        call_id = seat.phone.incoming_call(number)
    assert shown.args == ["C-1001"]
    return call_id


def save_note(qtbot: QtBot, seat: Screen, text: str) -> None:
    seat.panel.note_edit.setPlainText(text)
    qtbot.mouseClick(seat.panel.save_note_button, Qt.MouseButton.LeftButton)


def timeline_rows(seat: Screen) -> list[tuple[str, str]]:
    tree = seat.panel.timeline_tree
    return [(tree.topLevelItem(i).text(1), tree.topLevelItem(i).text(5))
            for i in range(tree.topLevelItemCount())]


def test_a_note_shows_at_once_is_saved_and_pushed_and_links_the_recorded_call(
        qtbot: QtBot, seat: Screen) -> None:
    call_id = pop(qtbot, seat)
    seat.calls.answer(call_id)
    save_note(qtbot, seat, "wants a paper bill")
    assert timeline_rows(seat)[0] == ("Note", "wants a paper bill")  # before the disk
    assert seat.panel.note_edit.toPlainText() == ""
    qtbot.waitUntil(lambda: len(seat.store.notes_for_customer("C-1001", 10)) == 1, timeout=5000)
    during = seat.store.notes_for_customer("C-1001", 10)[0]
    assert during.text == "wants a paper bill" and during.call_record_id is None  # live call
    qtbot.waitUntil(lambda: seat.nudges >= 1, timeout=5000)  # the sync service is asked
    assert [p["text"] for p in seat.pending(RecordKind.NOTE)] == ["wants a paper bill"]

    with qtbot.waitSignal(seat.bridge.sig_wrapup_requested, timeout=5000) as recorded:
        seat.phone.remote_hangup(call_id)
    record_id: UUID = recorded.args[0].record.id
    save_note(qtbot, seat, "promised a discount code")  # in after-call work
    qtbot.waitUntil(lambda: len(seat.store.notes_for_customer("C-1001", 10)) == 2, timeout=5000)
    after = seat.store.notes_for_customer("C-1001", 10)[0]
    assert after.text == "promised a discount code" and after.call_record_id == record_id
    assert [text for what, text in timeline_rows(seat) if what == "Note"] == [
        "promised a discount code", "wants a paper bill"]


class FailingNotes:
    """The real store, but notes cannot be written (a full disk)."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def save_note(self, note: Note) -> None:
        raise StoreError(f"could not save note {note.id} in {self._store.path}: disk full")


def test_a_note_that_cannot_be_saved_comes_back_with_the_reason(
        qtbot: QtBot, tmp_path: Path) -> None:
    seat = Screen(qtbot, tmp_path, store_for=FailingNotes)
    try:
        pop(qtbot, seat)
        seat.panel.note_edit.setPlainText("call before noon")
        with qtbot.waitSignal(seat.screen.sig_problem_reported, timeout=5000) as problem:
            qtbot.mouseClick(seat.panel.save_note_button, Qt.MouseButton.LeftButton)
        assert "The note could not be saved" in problem.args[0]
        assert "disk full" in problem.args[0]
        assert seat.panel.note_edit.toPlainText() == "call before noon"  # nothing is lost
        assert all(what != "Note" for what, _text in timeline_rows(seat))
        assert seat.store.notes_for_customer("C-1001", 10) == []
        assert seat.nudges == 0
    finally:
        seat.close()


def test_a_contact_edit_saves_only_what_changed(qtbot: QtBot, seat: Screen) -> None:
    pop(qtbot, seat)
    panel = seat.panel
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    panel.phone_field.setText("139 0013 9000")  # national format, as agents type it
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(seat.pending(RecordKind.CUSTOMER_CHANGE)) == 1, timeout=5000)
    change = seat.pending(RecordKind.CUSTOMER_CHANGE)[0]
    assert change["customer_id"] == "C-1001" and change["created"] is False
    assert change["fields"] == {"phone": "+8613900139000"}
    copy = seat.store.get_reference("customer", "C-1001")
    assert copy is not None and copy["phone"] == "+8613900139000"
    assert copy["email"] == "li.lei@example.cn" and copy["extra"]["city"] == "Beijing"
    assert [c.key for c in seat.store.find_customers_by_phone("+8613900139000")] == ["C-1001"]
    qtbot.waitUntil(lambda: seat.nudges >= 1, timeout=5000)

    # Saving again without a change writes nothing; an invalid number is refused inline.
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    panel.phone_field.setText("12")
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    assert panel.edit_error.text() == "'12' is not a phone number."
    seat.writer.submit(lambda: None).result(5)  # whatever was queued has run
    assert len(seat.pending(RecordKind.CUSTOMER_CHANGE)) == 1


def test_an_unknown_caller_becomes_a_new_customer_whose_file_opens(
        qtbot: QtBot, seat: Screen) -> None:
    call_id = seat.phone.incoming_call(UNKNOWN, "Zhao Min")
    qtbot.waitUntil(lambda: not seat.form.isHidden(), timeout=5000)
    assert seat.panel.isHidden()
    seat.form.last_name_field.setText("Zhao")
    seat.form.first_name_field.setText("Min")
    seat.form.native_name_field.setText("赵敏")
    with qtbot.waitSignal(seat.panel.sig_file_shown, timeout=5000) as shown:
        qtbot.mouseClick(seat.form.save_button, Qt.MouseButton.LeftButton)
    customer_id = shown.args[0]
    assert customer_id.startswith("N-") and len(customer_id) == 34
    assert int(customer_id[2:], 16) >= 0  # hex digits
    assert seat.form.isHidden() and not seat.panel.isHidden()
    assert seat.panel.name_label.text() == "赵敏"
    assert seat.directory.files == []  # opened from the local copy, not the server

    created = seat.pending(RecordKind.CUSTOMER_CHANGE)
    assert [(c["customer_id"], c["created"]) for c in created] == [(customer_id, True)]
    assert created[0]["fields"] == {"first_name": "Min", "last_name": "Zhao",
                                    "phone": UNKNOWN, "language": "zh_CN",
                                    "extra": {"native_name": "赵敏"}}
    access = [(a["customer_id"], a["reason"]) for a in seat.pending(RecordKind.ACCESS_ENTRY)]
    assert access == [(customer_id, "pop")]
    context = seat.workflow.call_context(call_id)
    assert context is not None and context.customer_id == customer_id
    assert [c.key for c in seat.store.find_customers_by_phone(UNKNOWN)] == [customer_id]

    # The call's record carries the new customer.
    seat.calls.answer(call_id)
    with qtbot.waitSignal(seat.bridge.sig_wrapup_requested, timeout=5000) as recorded:
        seat.phone.remote_hangup(call_id)
    assert recorded.args[0].record.customer_id == customer_id

    # The next call from that number pops the new customer's file.
    assert seat.workflow.call_context(call_id) is None  # the record has taken it
    with qtbot.waitSignal(seat.panel.sig_file_shown, timeout=5000) as again:
        seat.phone.incoming_call(UNKNOWN)
    assert again.args == [customer_id]


class Tokens:
    def access_token(self) -> str:
        return "token"

    def renew(self) -> str:
        return "token"


def unreachable(store: SqliteStore) -> ServerCustomerDirectory:
    """The real directory; nothing listens on its port: the server is down."""
    return ServerCustomerDirectory(CustomerApiClient(f"http://127.0.0.1:{free_port()}"),
                                   Tokens(), store, agent=AGENT,
                                   copy_time=lambda: datetime(2026, 1, 2, 3, 4, tzinfo=UTC))


def test_offline_pop_shows_this_desktops_timeline_and_overdue_promise(
        qtbot: QtBot, tmp_path: Path) -> None:
    seat = Screen(qtbot, tmp_path, directory_for=unreachable)
    store = seat.store
    try:
        now = datetime.now(UTC)
        earlier = CallRecord(call_id="old@test", direction=Direction.INBOUND,
                             remote_number=KNOWN, started_at=now - timedelta(days=2),
                             connected_at=now - timedelta(days=2),
                             ended_at=now - timedelta(days=2) + timedelta(seconds=125),
                             customer_id="C-1001")
        store.save_call_record(earlier)
        store.save_wrapup(WrapUp(earlier.id, ("INQ-PRODUCT",), now - timedelta(days=2),
                                 note="asked about the warranty"))
        store.save_callback(Callback("C-1001", now - timedelta(hours=1), "Asia/Shanghai",
                                     CallbackOwner.ME, "send the form",
                                     now - timedelta(days=1)))
        with qtbot.waitSignal(seat.panel.sig_file_shown, timeout=5000):
            seat.phone.incoming_call(KNOWN)
        panel = seat.panel
        assert panel.offline_banner.isVisible()
        assert panel.offline_banner.text().startswith("Offline copy from 2026-01-02")
        rows = timeline_rows(seat)
        assert rows == [("Callback booked", "send the form"),
                        ("Inbound call", "asked about the warranty")]
        assert panel.timeline_tree.topLevelItem(1).text(4) == "INQ-PRODUCT"
        assert panel.timeline_tree.topLevelItem(1).text(3) != "not answered"
        promise = panel.promises_tree.topLevelItem(0)
        assert promise.data(0, OVERDUE_ROLE) is True and promise.text(1) == "You"
        assert promise.text(0).startswith("Overdue")
    finally:
        seat.close()


def test_cancelling_the_form_saves_nothing_and_says_so(qtbot: QtBot, seat: Screen) -> None:
    seat.phone.incoming_call(UNKNOWN)
    qtbot.waitUntil(lambda: not seat.form.isHidden(), timeout=5000)
    seat.form.last_name_field.setText("Zhao")
    qtbot.mouseClick(seat.form.cancel_button, Qt.MouseButton.LeftButton)
    assert seat.form.isHidden() and not seat.panel.isHidden()
    assert seat.panel.status_label.text() == "Unknown caller: no customer file was made."
    seat.writer.submit(lambda: None).result(5)
    assert seat.pending(RecordKind.CUSTOMER_CHANGE) == []


def test_a_waiting_callers_file_comes_up_when_the_line_frees(qtbot: QtBot, seat: Screen) -> None:
    first = pop(qtbot, seat)
    seat.calls.answer(first)
    seat.phone.incoming_call("+8613900139000")  # waits: the screen stays with the first
    assert seat.screen._call_id == first
    with qtbot.waitSignal(seat.bridge.sig_waiting_call_offered, timeout=5000) as offered:
        seat.phone.remote_hangup(first)
    assert seat.screen._call_id == offered.args[0].call_id  # now the waiting caller's
