"""The local database's schema revision, read without SQLAlchemy or alembic.

A seat's start checks that its file is an agentdesk database this version knows and
whether a migration is pending; with nothing to migrate (every start but the first
after an upgrade) neither alembic nor SQLAlchemy is needed for that. The revision ids
come from the migration files as text (a test checks they are what alembic reads).
"""

from __future__ import annotations

import re
import sqlite3
from functools import cache
from pathlib import Path

from agentdesk.core.records import StoreError

DB_FILENAME = "agentdesk.sqlite3"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class NewerDatabaseError(StoreError):
    """The database was written by a newer agentdesk; it is left untouched."""


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
