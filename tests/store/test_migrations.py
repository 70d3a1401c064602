import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from agentdesk.core.records import StoreError
from agentdesk.store import DB_FILENAME, NewerDatabaseError, open_store
from agentdesk.store.database import create_store_engine, head_revision, migrate
from agentdesk.store.models import Base


def _sql(path: Path, query: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_fresh_data_dir_gets_a_database_at_the_head_revision(data_dir):
    store = open_store(data_dir)
    store.close()
    path = data_dir / DB_FILENAME
    assert _sql(path, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert _sql(path, "PRAGMA journal_mode") == [("wal",)]
    tables = {name for (name,) in _sql(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"call_records", "wrapups", "outbox", "customers", "reference_items",
            "wrapup_drafts"} <= tables


def test_the_migrations_build_exactly_what_the_models_describe(data_dir):
    open_store(data_dir).close()
    engine = create_store_engine(data_dir / DB_FILENAME, "NORMAL")
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()


def test_connections_have_foreign_keys_busy_timeout_and_wal(store):
    with store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_an_older_database_is_upgraded_in_place_and_keeps_its_data(data_dir):
    data_dir.mkdir()
    path = data_dir / DB_FILENAME
    engine = create_store_engine(path, "NORMAL")
    migrate(engine, "0001")  # what the first release shipped: no outbox.last_error
    engine.dispose()
    record_id = "0123456789abcdef0123456789abcdef"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO outbox (record_id, kind, payload, created_at, attempts) VALUES "
            "(?, 'note', '{\"text\": \"旧\"}', '2026-01-01T00:00:00.000000+00:00', 3)",
            (record_id,))
    conn.close()
    assert "last_error" not in {row[1] for row in _sql(path, "PRAGMA table_info(outbox)")}

    store = open_store(data_dir)
    try:
        [item] = store.pending_outbox(10)
        assert item.record_id.hex == record_id
        assert item.payload == {"text": "旧"}
        assert item.attempts == 3
        assert item.last_error is None
        store.mark_failed([item.record_id], "server said no")
        assert store.pending_outbox(10)[0].last_error == "server said no"
    finally:
        store.close()
    assert _sql(path, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert ("ix_outbox_pending",) in _sql(path, "SELECT name FROM sqlite_master WHERE type='index'")


def test_a_database_from_a_newer_app_is_refused_and_left_untouched(data_dir):
    open_store(data_dir).close()
    path = data_dir / DB_FILENAME
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999_from_the_future'")
    conn.close()
    before = _digest(path)

    with pytest.raises(NewerDatabaseError) as refused:
        open_store(data_dir)

    message = str(refused.value)
    assert str(path) in message
    assert "0999_from_the_future" in message
    assert head_revision() in message
    assert _digest(path) == before
    assert _sql(path, "SELECT version_num FROM alembic_version") == [("0999_from_the_future",)]


def test_a_foreign_sqlite_file_is_refused_and_left_untouched(data_dir):
    data_dir.mkdir()
    path = data_dir / DB_FILENAME
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE something_else (x)")
    conn.close()
    before = _digest(path)
    with pytest.raises(StoreError, match="not an agentdesk database"):
        open_store(data_dir)
    assert _digest(path) == before


def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(data_dir):
    data_dir.mkdir()
    path = data_dir / DB_FILENAME
    path.write_bytes(b"this is not a database, it is a shopping list" * 100)
    before = _digest(path)
    with pytest.raises(StoreError, match=str(path)):
        open_store(data_dir)
    assert _digest(path) == before


def test_a_0002_database_gains_the_call_routing_columns_in_place(data_dir):
    data_dir.mkdir()
    path = data_dir / DB_FILENAME
    engine = create_store_engine(path, "NORMAL")
    migrate(engine, "0002")  # before queue, hold time and the script outcome
    engine.dispose()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO call_records (id, call_id, direction, remote_number, started_at, "
            "customer_id, script_path) VALUES (?, 'old-call', 'inbound', '+8613800138000', "
            "'2026-01-01T08:00:00.000000+00:00', 'cust-7', '[\"start\"]')",
            ("0123456789abcdef0123456789abcdef",))
    conn.close()
    assert "hold_seconds" not in {row[1] for row in _sql(path, "PRAGMA table_info(call_records)")}

    store = open_store(data_dir)
    try:
        old = store.get_call_record(UUID(hex="0123456789abcdef0123456789abcdef"))
        assert old is not None
        assert old.call_id == "old-call" and old.script_path == ("start",)
        assert (old.queue, old.dialed_number, old.campaign_id) == (None, None, None)
        assert old.hold_seconds == 0.0
        assert old.script_objections == () and old.script_captured == {}
    finally:
        store.close()
    assert _sql(path, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    indexes = {name for (name,) in _sql(path, "SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"ix_call_records_started_at", "ix_call_records_customer_timeline"} <= indexes


def test_the_revisions_read_from_the_migration_files_are_alembics():
    """open_store decides whether to migrate from the revision ids written in the
    migration files, without alembic: they must be exactly what alembic sees."""
    from alembic.script import ScriptDirectory

    from agentdesk.store.database import alembic_config, known_revisions

    scripts = ScriptDirectory.from_config(alembic_config())
    assert known_revisions() == {script.revision for script in scripts.walk_revisions()}
    assert head_revision() == scripts.get_current_head()


_OPEN_AND_LIST_MODULES = """
import sys
from pathlib import Path
from agentdesk.store import open_store
store = open_store(Path(sys.argv[1]))
store.save_note  # noqa: B018 - the store is usable
store.close()
print("alembic" in sys.modules)
"""


def test_a_store_at_the_head_revision_opens_without_alembic(data_dir):
    def alembic_loaded() -> bool:
        result = subprocess.run([sys.executable, "-c", _OPEN_AND_LIST_MODULES, str(data_dir)],
                                capture_output=True, text=True, timeout=120, check=True)
        return result.stdout.strip().splitlines()[-1] == "True"

    assert alembic_loaded()  # a new data dir: created by the migrations
    assert _sql(data_dir / DB_FILENAME, "SELECT version_num FROM alembic_version") == [
        (head_revision(),)]
    assert not alembic_loaded()  # every later start: nothing to migrate, no alembic
