from __future__ import annotations

from typing import Any

import pytest

from agentdesk.server.users import add_user, expire_tokens_of, set_disabled

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def alice(app: Any, engine: Any) -> None:
    add_user(engine, app.state.server.hasher, "alice", "s3cret pass", "agent", "north")


def test_login_returns_a_token_with_expiry_that_opens_the_api(client: Any, alice: None) -> None:
    r = client.post(LOGIN, json={"username": "alice", "password": "s3cret pass"})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_at"]
    assert body["user"] == {"username": "alice", "role": "agent", "team": "north"}
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/records", headers=headers).status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_401(client: Any, alice: None) -> None:
    wrong = client.post(LOGIN, json={"username": "alice", "password": "nope"})
    unknown = client.post(LOGIN, json={"username": "mallory", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_a_disabled_user_cannot_log_in_and_its_tokens_die(client: Any, engine: Any,
                                                          alice: None) -> None:
    token = client.post(LOGIN, json={"username": "alice", "password": "s3cret pass"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    set_disabled(engine, "alice")
    assert client.get("/api/v1/records", headers=headers).status_code == 401
    r = client.post(LOGIN, json={"username": "alice", "password": "s3cret pass"})
    assert r.status_code == 401


def test_an_expired_token_is_refused(client: Any, engine: Any, alice: None) -> None:
    token = client.post(LOGIN, json={"username": "alice", "password": "s3cret pass"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    expire_tokens_of(engine, "alice")
    r = client.get("/api/v1/records", headers=headers)
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_missing_and_garbage_tokens_are_refused(client: Any) -> None:
    assert client.get("/api/v1/records").status_code == 401
    assert client.get("/api/v1/records",
                      headers={"Authorization": "Bearer garbage"}).status_code == 401


def test_refresh_issues_a_new_token_and_revokes_the_old(client: Any, alice: None) -> None:
    old = client.post(LOGIN, json={"username": "alice", "password": "s3cret pass"}).json()
    old_headers = {"Authorization": f"Bearer {old['access_token']}"}
    r = client.post("/api/v1/auth/refresh", headers=old_headers)
    assert r.status_code == 200
    new_headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/records", headers=new_headers).status_code == 200
    assert client.get("/api/v1/records", headers=old_headers).status_code == 401


def test_login_is_rate_limited_per_username_and_client(client: Any, app: Any,
                                                     alice: None) -> None:
    import dataclasses

    from agentdesk.server.security import LoginRateLimiter

    now = [1000.0]  # the app's limiter on a clock the test moves
    app.state.server = dataclasses.replace(
        app.state.server, limiter=LoginRateLimiter(5, 60.0, clock=lambda: now[0]))
    for _ in range(5):
        r = client.post(LOGIN, json={"username": "alice", "password": "guess"})
        assert r.status_code == 401
    r = client.post(LOGIN, json={"username": "alice", "password": "s3cret pass"})
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "1"  # a short lock that doubles: see test_login_limits
    assert "too many failed logins" in r.json()["detail"]
    # Another username from the same client is not locked out.
    assert client.post(LOGIN, json={"username": "bob", "password": "x"}).status_code == 401
    now[0] += 1.01
    assert client.post(LOGIN, json={"username": "alice", "password": "s3cret pass"}
                       ).status_code == 200


def test_long_dead_tokens_are_deleted_when_the_user_logs_in(
        client: Any, engine: Any, alice: None) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select, update
    from sqlalchemy.orm import Session

    from agentdesk.server.models import Token, utcnow

    for _ in range(3):
        client.post(LOGIN, json={"username": "alice", "password": "s3cret pass"})
    with Session(engine) as s, s.begin():
        s.execute(update(Token).values(expires_at=utcnow() - timedelta(days=2)))
    client.post(LOGIN, json={"username": "alice", "password": "s3cret pass"})
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Token)) == 1
