from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from agentdesk.server import db
from agentdesk.server.models import Base


def test_migrate_up_from_empty_matches_the_models(empty_db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = db.make_engine(empty_db_url)
    try:
        assert db.current_revision(engine) is None
        before, after = db.migrate(engine)
        assert (before, after) == (None, db.head_revision(engine))
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert db.migrate(engine) == (after, after)  # idempotent
    finally:
        engine.dispose()


def test_a_database_from_a_newer_server_is_refused_untouched(empty_db_url: str) -> None:
    engine = db.make_engine(empty_db_url)
    try:
        db.migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with pytest.raises(db.SchemaTooNewError, match="newer version"):
            db.migrate(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == "9999_future"
    finally:
        engine.dispose()
