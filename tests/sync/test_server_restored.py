"""Issue #12, finding 11: a desk whose server database was restored from an older
backup (its cursor is now above the server's head) is told to resync, and pulls
everything again from 0 instead of waiting forever."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from agentdesk.server import reference
from agentdesk.store import SqliteStore
from agentdesk.sync.service import Connectivity
from tests.sync.conftest import LiveServer, wait_for

REASON = "not_ready_reason"


def _doc(code: str) -> dict[str, Any]:
    return {"code": code, "label": code.title(), "labels": {}, "paid": False}


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup: what an operator's backup and restore do."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def test_a_desk_ahead_of_a_restored_server_pulls_everything_again(
        live_server: LiveServer, agent: str, engine: Any, db_url: str, backend: str,
        store: SqliteStore, make_desk: Any, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    if backend != "sqlite":
        pytest.skip("the restore is played with SQLite's backup API")
    database = Path(str(make_url(db_url).database))
    backup = tmp_path / "backup.sqlite3"
    reference.put_document(engine, REASON, "lunch", _doc("lunch"))
    _copy(database, backup)  # the nightly backup
    reference.put_document(engine, REASON, "break", _doc("break"))
    reference.put_document(engine, REASON, "meeting", _doc("meeting"))
    desk = make_desk(live_server.url)
    desk.service.start()
    wait_for(lambda: store.reference_cursor() == reference.current_usn(engine),
             what="the desk in sync")
    ahead = store.reference_cursor()
    assert ahead is not None and ahead >= 3

    engine.dispose()
    _copy(backup, database)  # the server's disk died: restored from last night
    head = reference.current_usn(engine)
    assert head < ahead
    caplog.set_level(logging.WARNING, logger="agentdesk.sync.service")

    def resynced() -> bool:
        # the server answers "nothing new" from its remembered head for a moment
        # (usn_head.FRESH_SECONDS) after another process changed the database
        desk.service.sync_now()
        return store.reference_cursor() == head

    wait_for(resynced, what="the desk's cursor back at the restored head")
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE)
    assert any("pulling it all again" in r.getMessage() for r in caplog.records)

    # and what the restored server changes next reaches the desk (it did not wait for
    # the head to climb above its old cursor)
    reference.put_document(engine, REASON, "training", _doc("training"))
    desk.service.sync_now()
    wait_for(lambda: store.get_reference(REASON, "training") is not None,
             what="a change made after the restore")
    assert store.reference_cursor() == reference.current_usn(engine)
