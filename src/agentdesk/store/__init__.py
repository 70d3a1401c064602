"""The desktop's local store: SQLite in the seat's data dir, behind core's `LocalStore`.

    store = open_store(paths.data_dir)   # checks, migrates, opens; StoreError if it can't
    store.save_wrapup(wrapup)            # durable, with its outbox row
    store.close()

Decisions: every save writes its record and outbox row in one transaction; wrap-ups
commit with synchronous=FULL, the rest with NORMAL. Pushed outbox rows are kept,
stamped `pushed_at` (pending = not stamped), until `prune_pushed` is called. Failures
surface as core's StoreError naming the file; SQLAlchemy types never leave the package.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from agentdesk.store.database import (
    DB_FILENAME,
    NewerDatabaseError,
    check_not_newer,
    create_store_engine,
    head_revision,
    migrate,
)
from agentdesk.store.repository import SqliteStore, utc_now

__all__ = ["DB_FILENAME", "NewerDatabaseError", "SqliteStore", "open_store"]


def open_store(data_dir: Path, *, clock: Callable[[], datetime] = utc_now) -> SqliteStore:
    """Open (creating or upgrading) `data_dir/agentdesk.sqlite3`.

    A database from a newer agentdesk raises NewerDatabaseError before anything is
    written to it.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_FILENAME
    stored = check_not_newer(path)
    engine = create_store_engine(path, "NORMAL")
    try:
        if stored != {head_revision()}:  # alembic is imported only to migrate
            migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return SqliteStore(path, engine, create_store_engine(path, "FULL"), clock)
