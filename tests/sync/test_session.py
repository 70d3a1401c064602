from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentdesk.core.secrets import SecretKind
from agentdesk.store import SqliteStore
from agentdesk.sync.api_client import ApiClient, ServerUnreachableError
from agentdesk.sync.seat import create_seat_sync
from agentdesk.sync.service import Connectivity
from agentdesk.sync.session import (
    MEMORY_FILENAME,
    LoginRequiredError,
    ServerSession,
    password_from,
    read_login_memory,
)
from tests.fakes.secrets import FakeSecretStore
from tests.sync.conftest import PASSWORD, LiveServer, free_port, save_call, wait_for


@pytest.fixture
def secrets() -> FakeSecretStore:
    store = FakeSecretStore()
    store.set(SecretKind.SERVER, "agent-a", PASSWORD)
    return store


def test_login_with_the_keyring_password_remembers_no_secret(
        live_server: LiveServer, agent: str, secrets: FakeSecretStore,
        tmp_path: Path) -> None:
    client = ApiClient(live_server.url)
    try:
        session = ServerSession(client, agent, password_from(secrets, agent),
                                data_dir=tmp_path)
        token = session.access_token()
        assert session.logged_in and session.user is not None
        assert session.user.role == "agent"
        assert session.access_token() == token  # kept, not a login per request
        text = (tmp_path / MEMORY_FILENAME).read_text()
        assert PASSWORD not in text and token not in text
        assert set(json.loads(text)) == {"server_url", "username", "last_login_at"}
        memory = read_login_memory(tmp_path)
        assert memory is not None and memory.username == agent
        assert memory.server_url == live_server.url
    finally:
        client.close()


def test_missing_username_or_password_asks_for_a_login(
        live_server: LiveServer, agent: str, tmp_path: Path) -> None:
    client = ApiClient(live_server.url)
    try:
        with pytest.raises(LoginRequiredError, match="no server password is stored"):
            ServerSession(client, agent, password_from(FakeSecretStore(), agent)).login()
        with pytest.raises(LoginRequiredError, match="no server username"):
            ServerSession(client, "", lambda: PASSWORD).login()
        with pytest.raises(LoginRequiredError, match="login refused"):
            ServerSession(client, agent, lambda: "wrong").login()
    finally:
        client.close()


def test_unreachable_server_is_not_a_login_problem(tmp_path: Path) -> None:
    client = ApiClient(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(ServerUnreachableError, match="cannot reach the server"):
            ServerSession(client, "agent-a", lambda: PASSWORD).login()
    finally:
        client.close()


def test_an_unreadable_memory_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / MEMORY_FILENAME).write_text("{not json")
    assert read_login_memory(tmp_path) is None


def test_create_seat_sync_wires_a_working_seat(
        live_server: LiveServer, agent: str, secrets: FakeSecretStore,
        store: SqliteStore, tmp_path: Path) -> None:
    sync = create_seat_sync(live_server.url, agent, secrets, store, tmp_path / "seat")
    try:
        save_call(store)
        sync.start()
        wait_for(lambda: sync.service.status.connectivity is Connectivity.ONLINE
                 and sync.service.status.pending == 0)
        assert sync.session.previous_login is not None
    finally:
        assert sync.close()
