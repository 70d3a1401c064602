"""Opening the local database: file, pragmas, schema version check, migrations.

Two engines share the file. Both run in WAL mode with foreign keys on and a busy
timeout; ordinary records commit with `synchronous=NORMAL` (durable at the next
checkpoint, never corrupt), wrap-ups through the second engine with
`synchronous=FULL`, so their commit returns only after the WAL is fsynced.

Every transaction starts with BEGIN IMMEDIATE: a second writer (the sync thread, a
second process) waits `busy_timeout` for the lock instead of failing half-way
through a read-then-write transaction.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event

from agentdesk.core.records import StoreError

DB_FILENAME = "agentdesk.sqlite3"
BUSY_TIMEOUT_MS = 5000
MIGRATIONS_DIR = Path(__file__).with_name("migrations")

Synchronous = Literal["NORMAL", "FULL"]


class NewerDatabaseError(StoreError):
    """The database was written by a newer agentdesk; it is left untouched."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(alembic_config())
            .walk_revisions()}


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "store/migrations has no revisions"
    return head


def stored_revisions(path: Path) -> set[str]:
    """The schema revision(s) recorded in the file, read without changing it."""
    if not path.exists():
        return set()
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the local database {path}: {exc}") from exc
    try:
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            if tables:
                raise StoreError(
                    f"{path} is not an agentdesk database (it has tables but no schema "
                    "version); move it away or choose another data directory")
            return set()
        return {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a readable agentdesk database: {exc}") from exc
    finally:
        conn.close()


def check_not_newer(path: Path) -> None:
    """Refuse a database whose schema this app does not know, before touching it."""
    unknown = stored_revisions(path) - known_revisions()
    if unknown:
        raise NewerDatabaseError(
            f"the local database {path} was written by a newer version of agentdesk "
            f"(schema revision {', '.join(sorted(unknown))}); this version knows schema "
            f"revisions up to {head_revision()}. Install the newer agentdesk again; the "
            "database has not been changed.")


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def create_store_engine(path: Path, synchronous: Synchronous) -> Engine:
    # URL.create, not an f-string: a data dir may contain "?", "#" or "%"
    # hide_parameters: a StoreError (logged by the sync service) names the statement,
    # never the phone numbers and names bound to it
    engine = create_engine(URL.create("sqlite", database=str(path)),
                           json_serializer=_json_dumps, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # we issue BEGIN ourselves (below); pysqlite's implicit one is deferred
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise StoreError(f"{path}: SQLite refused WAL mode (got {mode!r})")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision` in one transaction (SQLite DDL is transactional)."""
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
