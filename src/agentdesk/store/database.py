"""Opening the local database: file, pragmas, schema version check, migrations.

Two engines share the file. Both run in WAL mode with foreign keys on and a busy
timeout; ordinary records commit with `synchronous=NORMAL` (durable at the next
checkpoint, never corrupt), wrap-ups through the second engine with
`synchronous=FULL`, so their commit returns only after the WAL is fsynced.

Every transaction starts with BEGIN IMMEDIATE: a second writer (the sync thread, a
second process) waits `busy_timeout` for the lock instead of failing half-way
through a read-then-write transaction.

Alembic is imported only when a migration is pending: the revision checks live in
schema.py (sqlite3 and the migration files' text), re-exported here.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import URL, Engine, create_engine, event

from agentdesk.core.records import StoreError
from agentdesk.store.schema import (
    DB_FILENAME,
    MIGRATIONS_DIR,
    NewerDatabaseError,
    check_not_newer,
    head_revision,
    known_revisions,
    stored_revisions,
)

if TYPE_CHECKING:
    from alembic.config import Config

BUSY_TIMEOUT_MS = 5000

Synchronous = Literal["NORMAL", "FULL"]

__all__ = [
    "BUSY_TIMEOUT_MS", "DB_FILENAME", "MIGRATIONS_DIR", "NewerDatabaseError", "alembic_config",
    "check_not_newer", "create_store_engine", "current_revision", "head_revision",
    "known_revisions", "migrate", "stored_revisions",
]


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


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
    from alembic import command

    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
