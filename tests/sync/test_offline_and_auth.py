from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from agentdesk.core.records import Note
from agentdesk.server.records import iter_records
from agentdesk.server.users import add_user, expire_tokens_of
from agentdesk.store import SqliteStore
from agentdesk.sync.api_client import ApiClient
from agentdesk.sync.backoff import Backoff
from agentdesk.sync.service import Connectivity
from agentdesk.sync.wire import PushBatch, PushRecord
from tests.sync.conftest import PASSWORD, LiveServer, save_call, wait_for


def server_ids(engine: Any, kind: str) -> list[str]:
    return sorted(str(r.id) for r in iter_records(engine, kind, None))


def ids(records: Any) -> list[str]:
    return sorted(str(r.id) for r in records)


def test_twenty_wrapups_while_the_server_is_down_arrive_once_when_it_is_back(
        app: Any, agent: str, engine: Any, db_url: str, store: SqliteStore,
        make_desk: Any) -> None:
    server = LiveServer(app)  # not started: nothing listens on its port
    desk = make_desk(server.url, backoff=Backoff(base=0.05, cap=0.4,
                                                 uniform=lambda low, high: high))
    desk.service.start()
    wait_for(lambda: desk.service.status.connectivity is Connectivity.OFFLINE)
    calls, wrapups = [], []
    for _ in range(20):
        call, wrap = save_call(store)
        calls.append(call)
        wrapups.append(wrap)
        desk.service.notify_saved()
    # each finished call is two records: the call record and its wrap-up
    wait_for(lambda: desk.service.status.pending == 40, what="40 pending")
    assert desk.service.status.pending_wrapups == 20  # what the status bar shows
    wait_for(lambda: desk.service.status.retry_in == 0.4, what="backoff at its cap")
    status = desk.service.status
    assert status.connectivity is Connectivity.OFFLINE
    assert "cannot reach the server" in status.last_error
    # one value per failed attempt (a recount while waiting repeats the status)
    delays = [delay for delay, _ in groupby(
        s.retry_in for s in desk.history()
        if s.connectivity is Connectivity.OFFLINE and s.retry_in is not None)]
    assert delays[:4] == [0.05, 0.1, 0.2, 0.4]  # grows, truncated at the cap
    assert delays == sorted(delays)

    server.start()
    try:
        wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE
                 and desk.service.status.pending == 0, what="reconnect and drain")
        assert server_ids(engine, "wrapup") == ids(wrapups)
        assert server_ids(engine, "call_record") == ids(calls)
        assert desk.service.status.last_error == ""
    finally:
        server.stop()
    # the operator's view: `agentdesk-server export wrapups` lists each of them once
    exported = subprocess.run(
        [str(Path(sys.executable).with_name("agentdesk-server")), "--database-url", db_url,
         "export", "wrapups", "--since", "2000-01-01", "--format", "jsonl"],
        check=True, capture_output=True, text=True, timeout=60).stdout.splitlines()
    assert sorted(json.loads(line)["id"] for line in exported) == ids(wrapups)


def test_saving_while_backing_off_recounts_without_hammering_the_server(
        app: Any, agent: str, store: SqliteStore, make_desk: Any) -> None:
    server = LiveServer(app)  # down
    desk = make_desk(server.url, backoff=Backoff(base=30.0, cap=30.0,
                                                 uniform=lambda low, high: high))
    desk.service.start()
    wait_for(lambda: desk.service.cycles == 1)
    assert desk.service.status.connectivity is Connectivity.OFFLINE
    for _ in range(5):
        save_call(store)
        desk.service.notify_saved()
    wait_for(lambda: desk.service.status.pending == 10)
    assert desk.service.cycles == 1
    assert desk.service.status.retry_in == 30.0
    desk.service.sync_now()  # the agent's "Sync now" does not wait for the backoff
    wait_for(lambda: desk.service.cycles == 2)
    assert desk.service.status.connectivity is Connectivity.OFFLINE


def test_an_expired_token_is_renewed_and_the_push_retried(
        live_server: LiveServer, agent: str, engine: Any, store: SqliteStore,
        make_desk: Any) -> None:
    desk = make_desk(live_server.url)
    desk.service.start()
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE)
    first_token = desk.session.access_token()
    expire_tokens_of(engine, agent)
    _call, wrap = save_call(store)
    desk.service.notify_saved()
    wait_for(lambda: server_ids(engine, "wrapup") == [str(wrap.id)])
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE
             and desk.service.status.pending == 0)
    assert desk.session.access_token() != first_token


def test_a_token_close_to_expiry_is_refreshed_before_use(
        live_server: LiveServer, agent: str, store: SqliteStore, make_desk: Any) -> None:
    desk = make_desk(live_server.url)
    # the server's tokens live 8 h: a 9 h margin makes every use "close to expiry"
    desk.session._margin = timedelta(hours=9)
    save_call(store)
    desk.service.start()
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE
             and desk.service.status.pending == 0)
    assert desk.session.refreshes >= 1


def test_refused_credentials_ask_for_a_login_and_stop_trying(
        live_server: LiveServer, agent: str, store: SqliteStore, make_desk: Any) -> None:
    password = {"value": "wrong"}
    desk = make_desk(live_server.url)
    desk.session._password = lambda: password["value"]
    desk.service.start()
    wait_for(lambda: desk.service.cycles == 1
             and desk.service.status.connectivity is Connectivity.LOGIN_REQUIRED)
    assert "login refused" in desk.service.status.last_error
    cycles = desk.service.cycles
    save_call(store)
    desk.service.notify_saved()
    wait_for(lambda: desk.service.status.pending == 2)
    assert desk.service.cycles == cycles  # a saved record does not retry a bad password

    password["value"] = PASSWORD  # the agent fixed it; "Sync now"
    desk.service.sync_now()
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE
             and desk.service.status.pending == 0)


def test_records_the_server_refuses_are_marked_failed_and_not_retried_forever(
        live_server: LiveServer, app: Any, agent: str, engine: Any, store: SqliteStore,
        make_desk: Any) -> None:
    # another agent already owns this record id: the server rejects it for agent-a
    add_user(engine, app.state.server.hasher, "agent-b", PASSWORD, "agent", None)
    stolen = Note(customer_id="C1", text="mine", created_at=datetime.now(UTC))
    other = ApiClient(live_server.url)
    token = other.login("agent-b", PASSWORD).body.access_token
    other.push(token, PushBatch(batch_id="b-1", records=[PushRecord(
        id=stolen.id, kind="note", payload={}, client_created_at=stolen.created_at)]))
    other.close()
    store.save_note(stolen)
    # a record over the wire's limits (issue #12: 20,000 characters a string) is
    # refused by the desk itself, before the server would refuse the whole batch
    store.save_note(huge := Note(customer_id="C1", text="x" * 1_200_000,
                                 created_at=stolen.created_at))
    calls = [save_call(store) for _ in range(3)]

    desk = make_desk(live_server.url, max_rejections=2)
    desk.service.start()
    wait_for(lambda: desk.service.cycles == 1)
    assert desk.service.status.connectivity is Connectivity.ONLINE
    assert server_ids(engine, "wrapup") == ids(w for _, w in calls)  # the good ones went
    assert desk.service.status.pending == 2
    assert "refused" in desk.service.status.last_error  # online, and says what it refused
    desk.service.sync_now()
    wait_for(lambda: desk.service.cycles == 2)
    assert desk.service.status.connectivity is Connectivity.ONLINE
    assert desk.service.status.rejected == 2  # refused twice: kept, no longer sent
    attempts = desk.service.push_attempts
    desk.service.sync_now()
    wait_for(lambda: desk.service.cycles == 3)
    assert desk.service.status.connectivity is Connectivity.ONLINE
    assert desk.service.push_attempts == attempts
    failed = {i.record_id: i for i in store.pending_outbox(10)}
    assert set(failed) == {stolen.id, huge.id}
    assert "another user" in (failed[stolen.id].last_error or "")
    assert "not sendable" in (failed[huge.id].last_error or "")
    assert "longer than 20000 characters" in (failed[huge.id].last_error or "")


def test_offline_at_start_after_an_earlier_login_reports_cached_data(
        app: Any, agent: str, store: SqliteStore, make_desk: Any, tmp_path: Any) -> None:
    server = LiveServer(app)
    server.start()
    try:
        first = make_desk(server.url)
        first.service.start()
        wait_for(lambda: first.service.status.connectivity is Connectivity.ONLINE)
        first.close()
    finally:
        server.stop()
    remembered = (tmp_path / "desk" / "server-login.json").read_text()
    assert PASSWORD not in remembered and "token" not in remembered
    again = make_desk(server.url)  # the next start, on the same machine, server down
    assert again.session.previous_login is not None
    again.service.start()
    wait_for(lambda: again.service.status.connectivity is Connectivity.OFFLINE)
    assert again.service.status.cached_from == again.session.previous_login.last_login_at
    # a different user on this machine has no cached login
    stranger = make_desk(server.url, username="agent-z")
    assert stranger.session.previous_login is None
