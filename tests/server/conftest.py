"""Server test fixtures: every DB-backed test runs on SQLite and on a real PostgreSQL
cluster that this test session starts (and stops) in a temp dir."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.server import pg_cluster


def pytest_configure(config: pytest.Config) -> None:
    # starlette 1.x wants httpx2 for its TestClient; httpx works and is what we ship.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Using `httpx` with `starlette.testclient` is deprecated:UserWarning")
    config.addinivalue_line("markers", "postgres: runs against the session's PostgreSQL")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster; yields a URL without the database name."""
    if not pg_cluster.available():
        pytest.skip(f"PostgreSQL binaries not found in {pg_cluster.PG_BIN}")
    with pg_cluster.pg_cluster() as url:
        yield url


_admin_sql = pg_cluster.admin_sql


_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> str:
    """A database migrated once; each test gets a copy (CREATE DATABASE ... TEMPLATE)."""
    from agentdesk.server.db import make_engine, migrate

    _admin_sql(pg_server, "CREATE DATABASE agentdesk_template")
    engine = make_engine(f"{pg_server}/agentdesk_template")
    migrate(engine)
    engine.dispose()
    return "agentdesk_template"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty database on the parametrized backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite3'}"
    server: str = request.getfixturevalue("pg_server")
    name = f"t_empty_{next(_counter)}_{os.getpid()}"
    _admin_sql(server, f"CREATE DATABASE {name}")
    return f"{server}/{name}"


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to a freshly migrated database on the parametrized backend."""
    if backend == "sqlite":
        from agentdesk.server.db import make_engine, migrate

        url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        return url
    server: str = request.getfixturevalue("pg_server")
    template: str = request.getfixturevalue("pg_template")
    name = f"t_{next(_counter)}_{os.getpid()}"
    _admin_sql(server, f"CREATE DATABASE {name} TEMPLATE {template}")
    return f"{server}/{name}"


@pytest.fixture
def settings(db_url: str) -> Any:
    from agentdesk.server.config import Settings

    # Cheap argon2 parameters: the tests hash many passwords.
    return Settings(database_url=db_url, argon2_time_cost=1, argon2_memory_kib=1024)


@pytest.fixture
def engine(settings: Any) -> Iterator[Engine]:
    from agentdesk.server.db import make_engine

    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app(settings: Any, engine: Engine) -> Any:
    from agentdesk.server.main import create_app

    return create_app(settings, engine)


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        yield client


@pytest.fixture
def make_user(app: Any, engine: Engine) -> Callable[..., dict[str, str]]:
    """Create a user and log in: returns the Authorization header."""
    from fastapi.testclient import TestClient

    from agentdesk.server.users import add_user

    def make(username: str, role: str = "agent", team: str | None = None,
             password: str = "correct horse") -> dict[str, str]:
        add_user(engine, app.state.server.hasher, username, password, role, team)
        with TestClient(app) as c:
            r = c.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return make


def record(kind: str = "wrapup", **payload: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kind": kind, "payload": payload or {"code": "SOLVED"},
            "client_created_at": "2026-11-20T09:30:00+08:00"}
