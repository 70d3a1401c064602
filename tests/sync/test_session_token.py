"""The login token lives in the keyring, so a restarted desktop needs no new login."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core.secrets import SecretKind
from agentdesk.sync.api_client import ApiClient
from agentdesk.sync.session import LoginRequiredError, ServerSession
from tests.fakes.secrets import FakeSecretStore
from tests.sync.conftest import PASSWORD


def no_password() -> str | None:
    raise AssertionError("the stored token should have been used, not the password")


@pytest.fixture
def session(live_server):
    """Makes sessions on fresh clients (as after a restart) and closes the clients."""
    clients: list[ApiClient] = []

    def make(keyring: FakeSecretStore, password=lambda: PASSWORD) -> ServerSession:
        clients.append(ApiClient(live_server.url))
        return ServerSession(clients[-1], "agent-a", password, token_store=keyring)

    yield make
    for client in clients:
        client.close()


def account(url: str) -> str:
    return f"agent-a@{url.rstrip('/')}"


def stored(keyring: FakeSecretStore, url: str) -> dict | None:
    raw = keyring.get(SecretKind.SERVER_TOKEN, account(url))
    return json.loads(raw) if raw else None


def test_a_restart_reuses_the_token_from_the_keyring(live_server, agent, session):
    keyring = FakeSecretStore()
    first = session(keyring)
    token = first.login()
    assert stored(keyring, live_server.url)["token"] == token

    restarted = session(keyring, password=no_password)
    assert restarted.logged_in
    assert restarted.access_token() == token
    # The server accepts it (a refused token raises): the restarted desktop pulls at once.
    assert restarted._client.pull(restarted.access_token(), 0, 10).body.cursor >= 0


def test_a_refused_login_forgets_the_stored_token(live_server, agent, session):
    keyring = FakeSecretStore()
    session(keyring).login()
    refused = session(keyring, password=lambda: "wrong")
    refused._token = None  # as after a 401 the refresh could not mend
    with pytest.raises(LoginRequiredError):
        refused.login()
    assert stored(keyring, live_server.url) is None


def test_an_expired_stored_token_is_not_used(live_server, agent, session):
    keyring = FakeSecretStore()
    past = datetime.now(UTC) - timedelta(minutes=1)
    keyring.set(SecretKind.SERVER_TOKEN, account(live_server.url),
                json.dumps({"token": "old", "expires_at": past.isoformat()}))
    assert not session(keyring).logged_in


def test_a_mangled_stored_token_is_ignored(live_server, agent, session):
    keyring = FakeSecretStore()
    keyring.set(SecretKind.SERVER_TOKEN, account(live_server.url),
                "not json")
    fresh = session(keyring)
    assert not fresh.logged_in
    assert fresh.access_token()  # logs in with the password instead


def test_without_a_keyring_the_token_stays_in_memory(live_server, agent, session):
    keyring = FakeSecretStore(available=False)
    session(keyring).login()
    assert keyring.secrets == {}
