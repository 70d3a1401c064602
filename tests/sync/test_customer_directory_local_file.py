"""The customer file from this desktop's own records, on a real local store.

Offline, the file from the local copy carries a timeline of what this desktop recorded
(its calls with their current wrap-ups, notes, callbacks) and the callbacks still open
here as promises. Online, against the real server, the server's page is merged with
the records this desktop has not pushed yet, each shown once before and after the push.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from agentdesk.core.customer_directory import (
    CustomerFile,
    DirectoryUnavailableError,
    TimelineKind,
)
from agentdesk.core.records import (
    Callback,
    CallbackOwner,
    CallbackState,
    CallbackUpdate,
    CallRecord,
    Direction,
    Note,
    ReferenceChange,
    StoreError,
    WrapUp,
)
from agentdesk.store import SqliteStore
from agentdesk.sync.customer_directory import CustomerApiClient, ServerCustomerDirectory
from tests.sync.conftest import Desk, LiveServer, free_port, wait_for

NOW = datetime.now(UTC).replace(microsecond=0)
ME = "agent-a"
COPY_TIME = NOW - timedelta(hours=3)


class Tokens:
    def access_token(self) -> str:
        return "token"

    def renew(self) -> str:
        return "token"


_open: list[ServerCustomerDirectory] = []


@pytest.fixture(autouse=True)
def _close_directories() -> Iterator[None]:
    yield
    while _open:
        _open.pop().close()


def directory(url: str, store: SqliteStore, tokens: Any = None) -> ServerCustomerDirectory:
    made = ServerCustomerDirectory(CustomerApiClient(url), tokens or Tokens(), store,
                                   copy_time=lambda: COPY_TIME, agent=ME)
    _open.append(made)
    return made


def call(store: SqliteStore, customer_id: str, started: datetime, *, talk: float = 0.0,
         direction: Direction = Direction.INBOUND) -> CallRecord:
    record = CallRecord(call_id=f"{started.timestamp()}@test", direction=direction,
                        remote_number="+8613800138000", started_at=started,
                        connected_at=started + timedelta(seconds=5) if talk else None,
                        ended_at=started + timedelta(seconds=5 + talk),
                        customer_id=customer_id)
    store.save_call_record(record)
    return record


def wrap(store: SqliteStore, record: CallRecord, *codes: str, note: str = "",
         supersedes: UUID | None = None, later: float = 60) -> WrapUp:
    wrapup = WrapUp(call_record_id=record.id, codes=codes, note=note,
                    saved_at=record.started_at + timedelta(seconds=later),
                    supersedes_id=supersedes)
    store.save_wrapup(wrapup)
    return wrapup


def callback(store: SqliteStore, customer_id: str, due: datetime, created: datetime,
             note: str, owner: CallbackOwner = CallbackOwner.ME) -> Callback:
    made = Callback(customer_id=customer_id, due_at=due, customer_timezone="Asia/Shanghai",
                    owner=owner, note=note, created_at=created)
    store.save_callback(made)
    return made


def copy_customer(store: SqliteStore, customer_id: str, phone: str) -> None:
    store.apply_reference_changes([ReferenceChange("customer", customer_id, {
        "customer_id": customer_id, "first_name": "Lei", "last_name": "Li", "phone": phone,
        "extra": {"native_name": "李雷"}})], [], cursor=1)


def test_offline_file_has_this_desktops_timeline_and_open_promises(
        store: SqliteStore) -> None:
    copy_customer(store, "C-1", "+8613800138000")
    old = call(store, "C-1", NOW - timedelta(days=3), talk=185)
    first = wrap(store, old, "billing_inquiry", note="first try")
    wrap(store, old, "billing_inquiry", "resolved", note="explained the bill",
         supersedes=first.id, later=600)
    missed = call(store, "C-1", NOW - timedelta(days=1), direction=Direction.OUTBOUND)
    call(store, "C-2", NOW - timedelta(hours=5), talk=30)  # another customer's call
    note = Note("C-1", "prefers mornings", NOW - timedelta(hours=20))
    store.save_note(note)
    store.save_note(Note("C-2", "not this customer's", NOW - timedelta(hours=2)))
    overdue = callback(store, "C-1", NOW - timedelta(hours=2), NOW - timedelta(hours=23),
                       "refund status")
    later = callback(store, "C-1", NOW + timedelta(days=1), NOW - timedelta(hours=22),
                     "repair visit", owner=CallbackOwner.TEAM)
    done = callback(store, "C-1", NOW + timedelta(days=2), NOW - timedelta(hours=21),
                    "already called")
    store.save_callback_update(CallbackUpdate(done.id, CallbackState.DONE, NOW))

    # Nothing listens on that port: the server cannot be reached.
    file = directory(f"http://127.0.0.1:{free_port()}", store).customer_file("C-1")

    assert file is not None
    assert file.provenance.offline and file.provenance.copy_from == COPY_TIME
    assert not file.history.complete
    timeline = file.history.timeline
    assert [(e.kind, e.record_id) for e in timeline] == [  # newest first
        (TimelineKind.NOTE, str(note.id)), (TimelineKind.CALLBACK, str(done.id)),
        (TimelineKind.CALLBACK, str(later.id)), (TimelineKind.CALLBACK, str(overdue.id)),
        (TimelineKind.CALL, str(missed.id)), (TimelineKind.CALL, str(old.id))]
    answered = timeline[-1]
    assert answered.wrapup_codes == ("billing_inquiry", "resolved")  # the re-opened one
    assert answered.text == "explained the bill"
    assert answered.duration_seconds == 185 and answered.connected
    assert answered.agent == ME and answered.direction == "inbound"
    assert timeline[-2].duration_seconds is None and not timeline[-2].connected
    assert timeline[0].text == "prefers mornings" and timeline[0].agent == ME
    assert file.history.last_contact_at == missed.started_at
    promises = file.history.open_promises
    assert [(p.id, p.owner, p.note) for p in promises] == [
        (str(overdue.id), ME, "refund status"), (str(later.id), "team", "repair visit")]
    assert promises[0].is_overdue(NOW) and not promises[1].is_overdue(NOW)


def test_offline_file_without_local_records_is_empty_and_incomplete(
        store: SqliteStore) -> None:
    copy_customer(store, "C-1", "+8613800138000")
    file = directory(f"http://127.0.0.1:{free_port()}", store).customer_file("C-1")
    assert file is not None and file.provenance.offline
    assert file.history.timeline == () and file.history.open_promises == ()
    assert not file.history.complete


def test_a_callback_followed_by_a_call_is_no_longer_promised_offline(
        store: SqliteStore) -> None:
    """The same rule as the server's: a call after the callback was made keeps it."""
    copy_customer(store, "C-1", "+8613800138000")
    kept = callback(store, "C-1", NOW + timedelta(hours=1), NOW - timedelta(hours=3), "x")
    call(store, "C-1", NOW - timedelta(hours=1), talk=20)
    file = directory(f"http://127.0.0.1:{free_port()}", store).customer_file("C-1")
    assert file is not None and file.history.open_promises == ()
    assert str(kept.id) in {e.record_id for e in file.history.timeline}


# --- online: the server's page and what this desktop has not pushed --------------------



def push_all(desk: Desk) -> None:
    desk.service.sync_now()
    wait_for(lambda: desk.store.pending_count() == 0, what="everything pushed")


def ids(file: CustomerFile | None, kind: TimelineKind) -> list[str]:
    assert file is not None and not file.provenance.offline
    return [e.record_id for e in file.history.timeline if e.kind is kind]


def promise_ids(file: CustomerFile | None) -> list[str]:
    assert file is not None
    return [p.id for p in file.history.open_promises]


def test_online_file_merges_unpushed_records_once(desk: Desk, demo_server: LiveServer,
                                                   store: SqliteStore) -> None:
    online = directory(demo_server.url, store, desk.session)
    pushed_call = call(store, "C-1001", NOW - timedelta(hours=2), talk=60)
    first = wrap(store, pushed_call, "billing_inquiry")
    pushed_note = Note("C-1001", "pushed note", NOW - timedelta(hours=1))
    store.save_note(pushed_note)
    push_all(desk)

    # Not pushed yet (the sync interval is an hour and nobody asks): a new note, a
    # call with its wrap-up, a callback, and the first call's wrap-up re-opened.
    fresh_note = Note("C-1001", "said a second ago", NOW)
    store.save_note(fresh_note)
    fresh_call = call(store, "C-1001", NOW - timedelta(minutes=10), talk=30)
    wrap(store, fresh_call, "resolved", note="sorted")
    # booked a minute before the note: "newest first" has no tie to break
    promised = callback(store, "C-1001", NOW + timedelta(days=1), NOW - timedelta(minutes=1),
                        "call back")
    wrap(store, pushed_call, "billing_inquiry", "complaint", note="re-opened",
         supersedes=first.id, later=900)
    assert store.pending_count() == 5

    before = online.customer_file("C-1001")
    assert ids(before, TimelineKind.NOTE).count(str(fresh_note.id)) == 1
    assert ids(before, TimelineKind.NOTE).count(str(pushed_note.id)) == 1
    assert ids(before, TimelineKind.CALL).count(str(fresh_call.id)) == 1
    assert ids(before, TimelineKind.CALL).count(str(pushed_call.id)) == 1
    assert promise_ids(before) == [str(promised.id)]
    assert before is not None
    entries = {e.record_id: e for e in before.history.timeline}
    assert entries[str(pushed_call.id)].wrapup_codes == ("billing_inquiry", "complaint")
    assert entries[str(fresh_call.id)].wrapup_codes == ("resolved",)
    assert before.history.timeline[0].record_id == str(fresh_note.id)  # newest first

    push_all(desk)
    after = online.customer_file("C-1001")
    assert after is not None
    all_ids = [e.record_id for e in after.history.timeline]
    assert len(all_ids) == len(set(all_ids))  # nothing twice now the server has it all
    assert set(all_ids) == set(entries)
    assert promise_ids(after) == [str(promised.id)]
    assert {e.record_id: e for e in after.history.timeline}[
        str(pushed_call.id)].wrapup_codes == ("billing_inquiry", "complaint")

    # Closed here, not pushed: the server still counts it open; the file does not.
    store.save_callback_update(CallbackUpdate(promised.id, CallbackState.CANCELLED, NOW))
    assert promise_ids(online.customer_file("C-1001")) == []


class UnreadableHistory:
    """The real store, but reading a customer's calls fails (a locked or damaged file)."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def customer_history(self, customer_id: str, limit: int) -> list[CallRecord]:
        raise StoreError(f"could not read a customer's calls in {self._store.path}")


def test_server_file_is_not_lost_when_the_local_store_fails(
        desk: Desk, demo_server: LiveServer, store: SqliteStore) -> None:
    online = directory(demo_server.url, UnreadableHistory(store), desk.session)  # type: ignore[arg-type]
    file = online.customer_file("C-1001")
    assert file is not None and not file.provenance.offline
    assert file.customer.customer_id == "C-1001"
    demo_server.stop()
    offline = directory(demo_server.url, UnreadableHistory(store))  # type: ignore[arg-type]
    with pytest.raises(DirectoryUnavailableError, match="local copy cannot be read"):
        offline.customer_file("C-1001")
