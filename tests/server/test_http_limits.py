from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.server.conftest import record

PUSH = "/api/v1/sync/push"


def test_an_oversized_body_gets_413_with_a_clear_message(client: Any, make_user: Any) -> None:
    a = make_user("a")
    big = record(note="x" * (1024 * 1024))
    r = client.post(PUSH, json={"batch_id": "big", "records": [big]}, headers=a)
    assert r.status_code == 413
    assert "larger than the limit of 1048576 bytes" in r.json()["detail"]


def test_an_oversized_chunked_body_gets_413(client: Any, make_user: Any) -> None:
    a = make_user("a")
    body = json.dumps({"batch_id": "big", "records": [record(note="x" * 1100000)]}).encode()

    def chunks() -> Any:
        for i in range(0, len(body), 65536):
            yield body[i:i + 65536]

    r = client.post(PUSH, content=chunks(), headers=dict(a, **{
        "Content-Type": "application/json"}))
    assert r.status_code == 413


def test_a_small_chunked_body_still_works(client: Any, make_user: Any) -> None:
    a = make_user("a")
    body = json.dumps({"batch_id": "small", "records": [record()]}).encode()
    r = client.post(PUSH, content=iter([body[:10], body[10:]]),
                    headers=dict(a, **{"Content-Type": "application/json"}))
    assert r.status_code == 200 and r.json()["accepted"] == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"batch_id": "b", "records": []}, "body.records"),
    ({"batch_id": "b", "records": [dict(record(), kind="gossip")]}, "body.records.0.kind"),
    ({"batch_id": "b", "records": [dict(record(), id="not-a-uuid")]}, "body.records.0.id"),
    ({"batch_id": "b", "records": [dict(record(), client_created_at="2026-01-01T10:00:00")]},
     "body.records.0.client_created_at"),
    ({"batch_id": "no spaces", "records": [record()]}, "body.batch_id"),
    ({"batch_id": "b", "records": [dict(record(), owner="someone-else")]},
     "body.records.0.owner"),
])
def test_malformed_pushes_get_422_with_field_paths(client: Any, make_user: Any,
                                                   body: dict[str, Any], field: str) -> None:
    a = make_user("a")
    r = client.post(PUSH, json=body, headers=a)
    assert r.status_code == 422
    assert field in [e["field"] for e in r.json()["errors"]]
    assert field in r.json()["detail"]


def test_broken_json_gets_422(client: Any, make_user: Any) -> None:
    a = make_user("a")
    r = client.post(PUSH, content=b'{"batch_id": ', headers=dict(a, **{
        "Content-Type": "application/json"}))
    assert r.status_code == 422
    assert "JSON" in r.json()["detail"]


def test_the_access_log_has_no_query_string_or_personal_data(
        client: Any, make_user: Any, caplog: pytest.LogCaptureFixture) -> None:
    a = make_user("a")
    with caplog.at_level(logging.INFO, logger="agentdesk.server.access"):
        client.get("/api/v1/customers", params={"phone": "+8613800138000"}, headers=a)
        client.post("/api/v1/auth/login", json={"username": "a", "password": "wrong"})
        client.get("/api/v1/customers/C-4711", headers=a)
    entries = [r.access for r in caplog.records if hasattr(r, "access")]  # type: ignore[attr-defined]
    assert [e["path"] for e in entries] == [
        "/api/v1/customers", "/api/v1/auth/login", "/api/v1/customers/{customer_id}"]
    assert entries[0]["status"] == 200 and isinstance(entries[0]["user_id"], int)
    assert entries[1]["status"] == 401 and entries[1]["user_id"] is None
    assert all(e["duration_ms"] >= 0 for e in entries)
    text = caplog.text
    assert "13800138000" not in text and "wrong" not in text and "4711" not in text


def test_health_and_openapi(client: Any) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/api/v1/sync/push" in spec["paths"] and "/api/v1/sync/pull" in spec["paths"]
