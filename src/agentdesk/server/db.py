"""Engines and migrations. Alembic runs programmatically: no alembic.ini at runtime."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

log = logging.getLogger(__name__)
T = TypeVar("T")
P = ParamSpec("P")


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer agentdesk-server than this one."""


POOL_OVERFLOW = 4
READ_ONLY = "agentdesk_read_only"


def reading(engine: Engine) -> Engine:
    """The engine for transactions that only read. On SQLite every other transaction
    starts with BEGIN IMMEDIATE and so holds the database's write lock from its first
    statement; these do not (a thread that may be descheduled for a while, such as a
    low-priority hashing thread, must not hold the lock every writer waits for).
    Elsewhere the same engine."""
    return engine.execution_options(**{READ_ONLY: True})


def make_engine(url: str, pool_size: int | None = None, **kwargs: Any) -> Engine:
    """An engine; `pool_size` connections (plus a few spare) for a server process whose
    request threads each hold one.

    hide_parameters: a failed statement's exception (and so a logged traceback) names
    its SQL but not its parameters, which hold phone numbers and names."""
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    file_db = bool(parsed.database) and parsed.database != ":memory:"
    if pool_size is not None and (parsed.get_backend_name() != "sqlite" or file_db):
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, **kwargs)
        _ping_when_idle(engine)
        if parsed.get_driver_name() == "psycopg":
            _lenient_timestamps(engine)
        return engine
    if file_db:
        Path(str(parsed.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                           **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" below start transactions, as BEGIN IMMEDIATE: a
        # writer takes the lock up front and waits for it, instead of failing
        # with "database is locked" when a read transaction tries to upgrade.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A connection of reading(engine) only reads: a deferred BEGIN takes no write
        # lock (WAL: it neither waits for a writer nor holds one up).
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _lenient_timestamps(engine: Engine) -> None:
    """PostgreSQL stores times Python cannot hold (year 10000, BC, infinity); psycopg
    then fails the whole query. Such a time (stored by an older server that did not
    bound them) reads as the earliest or latest Python time instead, so the row it is
    in can be skipped (server.readable) while the others are served."""
    from datetime import UTC, datetime

    import psycopg
    from psycopg.types.datetime import TimestamptzLoader

    class Lenient(TimestamptzLoader):
        def load(self, data: Any) -> datetime:
            try:
                return super().load(data)
            except psycopg.DataError:
                raw = bytes(data)
                early = raw.endswith(b"BC") or raw.startswith(b"-")
                return (datetime.min if early else datetime.max).replace(tzinfo=UTC)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.adapters.register_loader("timestamptz", Lenient)


IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use only when it sat idle for a while.

    pool_pre_ping did it on every checkout: one more round trip per request, the
    largest cost after the request's own queries under load. A connection used a
    moment ago is alive; one idle for IDLE_PING_SECONDS may have been cut (a database
    restart, a firewall), and a failed ping makes the pool connect afresh."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except Exception as exc:  # whatever the driver raises for a dead connection
            raise DisconnectionError(f"stale pooled connection: {exc}") from exc


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_not_newer(engine: Engine) -> str | None:
    """The database's revision; raises SchemaTooNewError if this code doesn't know it."""
    current = current_revision(engine)
    if current is None:
        return None
    script = ScriptDirectory.from_config(alembic_config(engine))
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise SchemaTooNewError(
            f"the database is at schema revision {current}, which this agentdesk-server "
            f"does not know (its newest is {script.get_current_head()}): it was migrated "
            "by a newer version. Upgrade agentdesk-server; the database was not touched.")
    return current


def migrate(engine: Engine) -> tuple[str | None, str | None]:
    """Upgrade to head; returns (revision before, revision after)."""
    before = check_not_newer(engine)
    command.upgrade(alembic_config(engine), "head")
    return before, current_revision(engine)


# PostgreSQL's "deadlock detected" and "could not serialize access": the transaction was
# rolled back and running it again is safe.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
TRANSACTION_ATTEMPTS = 4


def retryable(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and \
        getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def with_retries(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)`, a function that runs one whole transaction, run again (at most
    TRANSACTION_ATTEMPTS times in all, after a short random pause) when the database
    rolled it back for a deadlock or a serialization failure. The lock order
    (reference.py) keeps our own transactions from deadlocking; this covers the rest
    (an operator's SQL, a lock order a future change gets wrong)."""
    for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
        try:
            return fn(*args, **kwargs)
        except DBAPIError as exc:
            if not retryable(exc) or attempt == TRANSACTION_ATTEMPTS:
                raise
            # no parameters, no message text: they can hold personal data
            log.warning("%s: transaction rolled back (SQLSTATE %s), attempt %d of %d",
                        getattr(fn, "__qualname__", fn), getattr(exc.orig, "sqlstate", "?"),
                        attempt, TRANSACTION_ATTEMPTS)
            time.sleep(random.uniform(0.005, 0.025) * attempt)
    raise AssertionError("unreachable")


def retried(fn: Callable[P, T]) -> Callable[P, T]:
    """Decorate a function that runs one whole transaction: see with_retries."""
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return with_retries(fn, *args, **kwargs)
    return wrapper
