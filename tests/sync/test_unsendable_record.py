"""A local record the server would refuse under issue #12's limits (here a note far over
the text limit) is marked failed on the desk, and never holds up the records after it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agentdesk.core.records import Note
from agentdesk.server.records import iter_records
from agentdesk.store import SqliteStore
from agentdesk.sync.service import Connectivity
from agentdesk.sync.wire import MAX_TEXT_CHARS
from tests.sync.conftest import LiveServer, save_call, wait_for


def test_an_unsendable_record_is_marked_failed_and_the_rest_go_through(
        live_server: LiveServer, agent: str, engine: Any, store: SqliteStore,
        make_desk: Any) -> None:
    huge = Note(customer_id="C1", text="n" * (MAX_TEXT_CHARS + 1),
                created_at=datetime.now(UTC))
    store.save_note(huge)
    _call, wrap = save_call(store)
    desk = make_desk(live_server.url)
    desk.service.start()
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE
             and desk.service.status.pending == 1, what="the sendable records pushed")
    assert [str(r.id) for r in iter_records(engine, "wrapup", None)] == [str(wrap.id)]
    assert list(iter_records(engine, "note", None)) == []
    status = desk.service.status
    assert "cannot be sent" in status.last_error and str(MAX_TEXT_CHARS) in status.last_error
    failed = store.pending_outbox(10)
    assert [i.record_id for i in failed] == [huge.id] and failed[0].attempts == 1
