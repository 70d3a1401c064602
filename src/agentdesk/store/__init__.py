"""The desktop's local store: SQLite in the seat's data dir, behind core's `LocalStore`.

    store = open_store(paths.data_dir)   # checks, migrates, opens; StoreError if it can't
    store.save_wrapup(wrapup)            # durable, with its outbox row
    store.close()

Decisions: every save writes its record and outbox row in one transaction; wrap-ups
commit with synchronous=FULL, the rest with NORMAL. Pushed outbox rows are kept,
stamped `pushed_at` (pending = not stamped), until `prune_pushed` is called. Failures
surface as core's StoreError naming the file; SQLAlchemy types never leave the package.

The seat opens its store with `open_store_on_first_use`: the file is checked (and
migrated if need be) at once, but SQLAlchemy (~0.4 s of CPU to import) is loaded
by the first call on the store, which the seat makes on its store writer thread once
the phone has started, not on the way to the window and the registration.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentdesk.store.schema import DB_FILENAME, NewerDatabaseError, check_not_newer, head_revision

if TYPE_CHECKING:
    from agentdesk.store.repository import SqliteStore

__all__ = ["DB_FILENAME", "DeferredStore", "NewerDatabaseError", "SqliteStore", "open_store",
           "open_store_on_first_use"]


def __getattr__(name: str) -> Any:
    if name == "SqliteStore":  # imported on demand: it brings SQLAlchemy
        from agentdesk.store.repository import SqliteStore

        return SqliteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _prepare(data_dir: Path) -> Path:
    """Check the file (and migrate it if a migration is pending): the part of opening
    that must fail at once, before the seat goes on."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_FILENAME
    if check_not_newer(path) != {head_revision()}:  # alembic is imported only to migrate
        from agentdesk.store.database import create_store_engine, migrate

        engine = create_store_engine(path, "NORMAL")
        try:
            migrate(engine)
        finally:
            engine.dispose()
    return path


def _connect(path: Path, clock: Callable[[], datetime]) -> SqliteStore:
    from agentdesk.store.database import create_store_engine
    from agentdesk.store.repository import SqliteStore

    return SqliteStore(path, create_store_engine(path, "NORMAL"),
                       create_store_engine(path, "FULL"), clock)


def open_store(data_dir: Path, *, clock: Callable[[], datetime] = _utc_now) -> SqliteStore:
    """Open (creating or upgrading) `data_dir/agentdesk.sqlite3`.

    A database from a newer agentdesk raises NewerDatabaseError before anything is
    written to it.
    """
    return _connect(_prepare(data_dir), clock)


class DeferredStore:
    """A SqliteStore created by the first attribute asked of it (from any thread).

    Everything open_store checks has been checked when this exists; only the import
    of SQLAlchemy and the engines wait. Closing a store never used does nothing.
    """

    def __init__(self, path: Path, clock: Callable[[], datetime]) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._store: SqliteStore | None = None

    def _opened(self) -> SqliteStore:
        with self._lock:
            if self._store is None:
                self._store = _connect(self.path, self._clock)
            return self._store

    def __getattr__(self, name: str) -> Any:
        # Only for what this class does not define: the SqliteStore's methods.
        return getattr(self._opened(), name)

    def close(self) -> None:
        with self._lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()


def open_store_on_first_use(data_dir: Path, *,
                            clock: Callable[[], datetime] = _utc_now) -> DeferredStore:
    """open_store's checks and migrations now; SQLAlchemy at the first use."""
    return DeferredStore(_prepare(data_dir), clock)
