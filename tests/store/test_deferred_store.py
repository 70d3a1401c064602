"""The seat's store: checked at once, SQLAlchemy loaded by its first use."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from uuid import uuid4

import pytest

from agentdesk.store import (
    DB_FILENAME,
    DeferredStore,
    NewerDatabaseError,
    open_store,
    open_store_on_first_use,
)

_PROBE = """
import sys
from pathlib import Path
from agentdesk.store import open_store_on_first_use
store = open_store_on_first_use(Path(sys.argv[1]))
before = "sqlalchemy" in sys.modules
count = store.pending_count()
print(before, "sqlalchemy" in sys.modules, count)
store.close()
"""


def test_sqlalchemy_waits_for_the_first_use(data_dir):
    open_store(data_dir).close()  # the file a seat's last run left
    result = subprocess.run([sys.executable, "-c", _PROBE, str(data_dir)],
                            capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.split() == ["False", "True", "0"]


def test_a_newer_database_is_refused_at_once(data_dir):
    open_store(data_dir).close()
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999_from_the_future'")
    conn.close()
    with pytest.raises(NewerDatabaseError):
        open_store_on_first_use(data_dir)


def test_a_new_data_dir_is_migrated_at_once(data_dir):
    store = open_store_on_first_use(data_dir)
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    try:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    finally:
        conn.close()
    store.close()


def test_first_uses_from_several_threads_share_one_store(data_dir):
    store = open_store_on_first_use(data_dir)
    assert isinstance(store, DeferredStore)
    seen: list[object] = []
    barrier = threading.Barrier(4)

    def use() -> None:
        barrier.wait()
        seen.append(store._opened())
        store.pending_count()

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(s) for s in seen}) == 1
    store.close()
    store.close()  # idempotent


def test_closing_a_store_never_used_opens_nothing(data_dir):
    store = open_store_on_first_use(data_dir)
    store.close()
    assert store._store is None


def test_it_records_like_the_store_it_wraps(data_dir):
    from datetime import UTC, datetime

    from agentdesk.core.records import Note

    store = open_store_on_first_use(data_dir)
    note = Note(customer_id="C-1", text="hello", created_at=datetime.now(UTC), id=uuid4())
    store.save_note(note)
    assert [n.text for n in store.notes_for_customer("C-1", 10)] == ["hello"]
    store.close()
