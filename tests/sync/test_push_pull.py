from __future__ import annotations

import json
from typing import Any

from agentdesk.server import reference
from agentdesk.server.records import iter_records
from agentdesk.store import SqliteStore
from agentdesk.sync.backoff import Backoff
from agentdesk.sync.service import Connectivity
from tests.sync.conftest import DroppingTransport, LiveServer, save_call, wait_for


def server_ids(engine: Any, kind: str = "wrapup") -> list[str]:
    return sorted(str(r.id) for r in iter_records(engine, kind, None))


def ids(records: list[Any]) -> list[str]:
    return sorted(str(r.id) for r in records)


def test_push_drains_the_outbox_once(live_server: LiveServer, agent: str, engine: Any,
                                     store: SqliteStore, make_desk: Any) -> None:
    calls, saved = zip(*[save_call(store) for _ in range(125)], strict=True)
    desk = make_desk(live_server.url, batch_size=100)
    desk.service.start()
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE
             and desk.service.status.pending == 0, what="outbox drained")
    assert server_ids(engine) == ids(list(saved))
    assert server_ids(engine, "call_record") == ids(list(calls))
    assert desk.service.push_attempts == 3
    status = desk.service.status
    assert status.last_success is not None and status.clock_offset is not None
    assert abs(status.clock_offset) < 5  # same machine: the offset is measured, small


def test_saved_wrapup_is_pushed_on_notify(live_server: LiveServer, agent: str, engine: Any,
                                          store: SqliteStore, make_desk: Any) -> None:
    desk = make_desk(live_server.url)
    desk.service.start()
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE)
    _call, w = save_call(store)
    desk.service.notify_saved()
    wait_for(lambda: server_ids(engine) == [str(w.id)], what="the wrap-up on the server")
    wait_for(lambda: desk.service.status.pending == 0)


def test_a_batch_whose_answer_was_lost_is_replayed_under_the_same_key(
        live_server: LiveServer, agent: str, engine: Any, store: SqliteStore,
        make_desk: Any) -> None:
    transport = DroppingTransport()
    transport.drop_pushes = 1
    saved = [w for _, w in (save_call(store) for _ in range(15))]
    # a long backoff holds the desk offline until "Sync now", so the test sees each step
    desk = make_desk(live_server.url, transport=transport,
                     backoff=Backoff(base=30.0, cap=30.0))
    desk.service.start()
    wait_for(lambda: desk.service.status.connectivity is Connectivity.OFFLINE,
             what="offline after the lost response")
    assert server_ids(engine) == ids(saved)  # it did arrive
    assert desk.service.status.pending == 30  # ... but the client cannot know
    _call, newer = save_call(store)  # must not change the replayed batch
    desk.service.sync_now()
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE
             and desk.service.status.pending == 0, what="replay and drain")
    assert transport.dropped == 1
    first, replay = (json.loads(b) for b in transport.push_bodies[:2])
    assert replay == first  # same key, same records
    assert server_ids(engine) == ids([*saved, newer])


def test_pull_applies_changes_and_tombstones_page_by_page(
        live_server: LiveServer, agent: str, engine: Any, store: SqliteStore,
        make_desk: Any) -> None:
    for i in range(25):
        reference.put_document(engine, "script", f"s{i}", {"title": f"Script {i}"})
    reference.put_document(engine, "wrapup_code_set", "default", {"codes": ["SOLVED"]})
    desk = make_desk(live_server.url, page_size=10)
    progress: list[tuple[int, int]] = []
    desk.service.add_listener(lambda s: s.pull_total and progress.append(
        (s.pull_done, s.pull_total)))
    desk.service.start()
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE)
    assert len(store.list_reference("script")) == 25
    assert store.get_reference("wrapup_code_set", "default") == {"codes": ["SOLVED"]}
    assert progress and all(0 < done <= total for done, total in progress)
    first_cursor = store.reference_cursor()

    reference.delete_document(engine, "script", "s3")
    reference.put_document(engine, "script", "s4", {"title": "Script 4, v2"})
    desk.service.sync_now()
    wait_for(lambda: store.reference_cursor() != first_cursor, what="the second pull")
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE)
    assert store.get_reference("script", "s3") is None
    assert store.get_reference("script", "s4") == {"title": "Script 4, v2"}
    assert len(store.list_reference("script")) == 24
