"""Sync tests run the desktop's sync client against the REAL server (create_app under
uvicorn on 127.0.0.1), on SQLite and on the session's PostgreSQL cluster - the
server tests' fixtures, imported, not copied."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
import uvicorn

from agentdesk.core.records import CallRecord, Direction, WrapUp
from agentdesk.store import SqliteStore, open_store
from agentdesk.sync.api_client import ApiClient
from agentdesk.sync.backoff import Backoff
from agentdesk.sync.service import SyncService, SyncStatus
from agentdesk.sync.session import ServerSession
from tests.server import conftest as server_fixtures

# The server tests' fixtures, reused as they are: the parametrized backend (SQLite and
# the session's PostgreSQL cluster), a migrated database, the app and its engine.
pg_server = server_fixtures.pg_server
pg_template = server_fixtures.pg_template
backend = server_fixtures.backend
db_url = server_fixtures.db_url
settings = server_fixtures.settings
engine = server_fixtures.engine
app = server_fixtures.app

PASSWORD = "correct horse"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: runs against the session's PostgreSQL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    """Poll a condition until a deadline (not a sleep-and-hope: it fails loudly)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.01)


class LiveServer:
    """The server app under uvicorn in a thread; stop() and start() again on the same
    port, to play a server that goes down and comes back."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                log_level="warning", access_log=False, ws="none",
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="uvicorn", daemon=True)
        self._thread.start()
        wait_for(lambda: self._server is not None and self._server.started, 10,
                 "uvicorn to start")

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(10)
        assert not self._thread.is_alive(), "uvicorn did not stop"
        self._server = self._thread = None


class DroppingTransport(httpx.BaseTransport):
    """Delivers requests but can lose the next push's response: the server stored the
    batch, the client sees a broken connection."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.drop_pushes = 0
        self.dropped = 0
        self.push_bodies: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if request.url.path.endswith("/sync/push"):
            self.push_bodies.append(request.content)
            if self.drop_pushes:
                self.drop_pushes -= 1
                self.dropped += 1
                response.read()
                response.close()
                raise httpx.ReadError("connection reset (simulated)", request=request)
        return response

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def agent(app: Any, engine: Any) -> str:
    from agentdesk.server.users import add_user

    add_user(engine, app.state.server.hasher, "agent-a", PASSWORD, "agent", "team-1")
    return "agent-a"


@pytest.fixture
def live_server(app: Any) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = open_store(tmp_path / "desk")
    yield store
    store.close()


class Desk:
    """One desktop's sync stack, with its status history."""

    def __init__(self, store: SqliteStore, url: str, username: str, data_dir: Path,
                 password: str = PASSWORD, transport: httpx.BaseTransport | None = None,
                 **service_options: Any) -> None:
        self.store = store
        self.client = ApiClient(url, timeout=httpx.Timeout(5.0, connect=1.0),
                                transport=transport)
        self.session = ServerSession(self.client, username, lambda: password,
                                     data_dir=data_dir)
        options: dict[str, Any] = {"interval": 3600.0,
                                   "backoff": Backoff(base=0.05, cap=0.4)}
        options.update(service_options)
        self.service = SyncService(store, self.client, self.session, **options)
        self.statuses: list[SyncStatus] = []
        self._lock = threading.Lock()
        self.service.add_listener(self._record)

    def _record(self, status: SyncStatus) -> None:
        with self._lock:
            self.statuses.append(status)

    def history(self) -> list[SyncStatus]:
        with self._lock:
            return list(self.statuses)

    def close(self) -> None:
        assert self.service.stop()
        self.client.close()


@pytest.fixture
def make_desk(store: SqliteStore, tmp_path: Path) -> Iterator[Callable[..., Desk]]:
    desks: list[Desk] = []

    def make(url: str, username: str = "agent-a", **options: Any) -> Desk:
        desk = Desk(options.pop("store", store), url, username, tmp_path / "desk", **options)
        desks.append(desk)
        return desk

    yield make
    for desk in desks:
        desk.close()


def save_call(store: SqliteStore, code: str = "SOLVED") -> tuple[CallRecord, WrapUp]:
    """A finished call as the desktop saves it: the call record, then its wrap-up (two
    outbox rows)."""
    now = datetime.now(UTC)
    call = CallRecord(call_id=f"{uuid4()}@test", direction=Direction.INBOUND,
                      remote_number="+8613800138000", started_at=now, ended_at=now)
    store.save_call_record(call)
    wrap = WrapUp(call_record_id=call.id, codes=(code,), saved_at=now)
    store.save_wrapup(wrap)
    return call, wrap



DEMO = Path(__file__).parents[2] / "src" / "agentdesk" / "resources" / "demo"


def assign_as_campaign_leads(engine: Any, agent: str, customers_csv: Path) -> None:
    """Make every customer of the file one the agent may keep on its desk: agents pull
    only the customers they have seen, called or were given as campaign leads, and
    these tests need the whole demo set in the local copy."""
    import csv

    from agentdesk.server.reference import put_document
    with customers_csv.open(encoding="utf-8-sig") as f:
        leads = [row["customer_id"] for row in csv.DictReader(f)]
    put_document(engine, "campaign", "every-demo-customer", {
        "id": "every-demo-customer", "title": "every demo customer",
        "assigned": {"teams": [], "agents": [agent]}, "leads": leads})


@pytest.fixture
def demo_server(app: Any, engine: Any, agent: str) -> Iterator[LiveServer]:
    """The server with the demo customers, all of them the agent's campaign leads."""
    from agentdesk.server.customer_import import import_customers
    report = import_customers(engine, DEMO / "customers.csv")
    assert report.rejected == [] and report.imported >= 200
    assign_as_campaign_leads(engine, agent, DEMO / "customers.csv")
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def desk(make_desk: Any, demo_server: LiveServer) -> Desk:
    """A seat that pulled the demo customers into its local store."""
    from agentdesk.sync.service import Connectivity
    desk: Desk = make_desk(demo_server.url)
    desk.service.start()
    wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE
             and desk.service.status.last_success is not None, what="first sync")
    return desk
