"""Opening the local database: file, pragmas, schema version check, migrations.

Two engines share the file. Both run in WAL mode with foreign keys on and a busy
timeout; ordinary records commit with `synchronous=NORMAL` (durable at the next
checkpoint, never corrupt), wrap-ups through the second engine with
`synchronous=FULL`, so their commit returns only after the WAL is fsynced.

Every transaction starts with BEGIN IMMEDIATE: a second writer (the sync thread, a
second process) waits `busy_timeout` for the lock instead of failing half-way
through a read-then-write transaction.

Alembic is imported only when a migration is pending: a seat whose file is at the
head revision (every start but the first after an upgrade) reads the revision with
sqlite3 and compares it with the revision ids written in migrations/versions/*.py,
which saves alembic's import (~0.4 s, ~15 MB) on the seat's start path.
"""

from __future__ import annotations

import json
import re
import sqlite3
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import URL, Engine, create_engine, event

from agentdesk.core.records import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

DB_FILENAME = "agentdesk.sqlite3"
BUSY_TIMEOUT_MS = 5000
MIGRATIONS_DIR = Path(__file__).with_name("migrations")

Synchronous = Literal["NORMAL", "FULL"]


class NewerDatabaseError(StoreError):
    """The database was written by a newer agentdesk; it is left untouched."""


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


_REVISION_LINE = re.compile(r'^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$', re.M)


@cache
def _revision_graph() -> dict[str, str | None]:
    """revision -> down_revision, read from the migration files as text (no alembic)."""
    graph: dict[str, str | None] = {}
    for script in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        values = dict(_REVISION_LINE.findall(script.read_text(encoding="utf-8")))
        if "revision" not in values:
            continue  # __init__.py
        revision = values["revision"].strip("'\"")
        down = values.get("down_revision", "None").strip("'\"")
        graph[revision] = None if down == "None" else down
    return graph


def known_revisions() -> set[str]:
    return set(_revision_graph())


def head_revision() -> str:
    graph = _revision_graph()
    heads = set(graph) - {down for down in graph.values() if down is not None}
    assert len(heads) == 1, f"store/migrations must have one head, not {sorted(heads)}"
    return heads.pop()


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


def check_not_newer(path: Path) -> set[str]:
    """Refuse a database whose schema this app does not know, before touching it;
    the revision(s) it records otherwise."""
    stored = stored_revisions(path)
    unknown = stored - known_revisions()
    if unknown:
        raise NewerDatabaseError(
            f"the local database {path} was written by a newer version of agentdesk "
            f"(schema revision {', '.join(sorted(unknown))}); this version knows schema "
            f"revisions up to {head_revision()}. Install the newer agentdesk again; the "
            "database has not been changed.")
    return stored


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def create_store_engine(path: Path, synchronous: Synchronous) -> Engine:
    # URL.create, not an f-string: a data dir may contain "?", "#" or "%"
    engine = create_engine(URL.create("sqlite", database=str(path)),
                           json_serializer=_json_dumps)

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
