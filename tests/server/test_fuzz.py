"""Fuzz the API from its own OpenAPI spec (bounded: a few examples per operation), and
put the hostile values of issue #12 in every parameter and body of every operation -
on SQLite and on PostgreSQL: never a 500."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine


@pytest.fixture
def admin_headers(app: Any, engine: Engine) -> Any:
    from agentdesk.server.users import add_user, issue_token

    admin = add_user(engine, app.state.server.hasher, "fuzzer", "fuzzer pw", "admin")

    def fresh_headers() -> dict[str, str]:  # per case: refresh and logout revoke tokens
        token, _ = issue_token(engine, admin.id, timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    return fresh_headers


@pytest.fixture
def api_schema(app: Any, admin_headers: Any) -> Any:
    app.state.fuzz_headers = admin_headers
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.slow
def test_no_operation_fails_with_a_server_error(api_schema: Any, backend: str) -> None:
    # schemathesis' pytest plugin does not work with this pytest; drive hypothesis here.
    fresh_headers = api_schema.app.state.fuzz_headers
    statuses: set[int] = set()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20 if backend == "sqlite" else 8, deadline=None,
                  derandomize=True, database=None, suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:
            response = case.call_and_validate(headers=fresh_headers(),
                                              checks=[not_a_server_error])
            statuses.add(response.status_code)

        call()
    assert {200, 204, 404, 422} <= statuses  # the fuzzer got past authentication


# --- issue #12: the values that broke it, in every place they fit ---------------------

def _token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00Z",
          "9999-12-31T23:59:59Z", "infinity", "-infinity", "294277-01-01T00:00:00Z"]
# Each already percent-encoded where it must be: a lone surrogate cannot be sent as
# UTF-8, so it travels as the bytes of its (invalid) UTF-8 encoding.
TEXT_VALUES = ["%00", "a%00b", "%ED%A0%80", "%ED%BF%BF", "%FF%FE", "x" * 5000, "%E2%80%AE",
               "", "NaN", "9223372036854775808"]
VALUES_BY_NAME = {
    "since": [quote(t, safe="") for t in _TIMES],
    "page": [*[_token(f"{t}|{uuid.uuid4()}".encode()) for t in _TIMES],
             _token(b"\xff\xfe|x"), _token(b"a|b|c"), _token(b"\x00|\x00")],
    "cursor": ["-1", "1e309", "4611686018427387905"],
    "limit": ["-1", "0", "1e309"],
    "version": ["0", "2147483648"],
}
VALID = {"customer_id": "C1", "kind": "campaign", "key": "k1", "script_id": "s1",
         "version": "1", "record_id": str(uuid.uuid4()), "cursor": "0", "limit": "10",
         "phone": "%2B8613800138000"}


def _deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = {"a": value}
    return value


HOSTILE_BODIES = [
    '{"username": "\\u0000", "password": "\\ud800"}',
    '{"first_name": "\\u0000", "last_name": "\\udfff", "phone": "+8613800138000"}',
    '{"first_name": "a", "last_name": "b", "phone": "+8613800138000", "extra": '
    + json.dumps(_deep(300)) + "}",
    '{"first_name": "a", "last_name": "b", "phone": "+8613800138000", "extra": {"n": NaN}}',
    '{"id": "k1", "x\\u0000": 1, "v": Infinity}',
    json.dumps({"id": "s1", "deep": _deep(300)}),
    '{"batch_id": "b1", "records": [{"id": "' + str(uuid.uuid4()) + '", "kind": "note", '
    '"payload": {"text": "\\u0000\\ud800", "v": NaN}, '
    '"client_created_at": "0001-01-01T00:00:00+14:00"}]}',
    '{"\\ud800": 1}',
]


@pytest.mark.slow
def test_hostile_values_in_every_parameter_and_body_never_make_a_500(
        app: Any, admin_headers: Any) -> None:
    from fastapi.testclient import TestClient

    spec = app.openapi()
    tried = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = admin_headers()
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                params = operation.get("parameters", [])
                names = [(p["name"], p["in"]) for p in params]
                variants: list[tuple[dict[str, str], str | None]] = [
                    ({**{n: VALID.get(n, "x") for n, where in names if where == "path"},
                      **{n: VALID[n] for n, where in names
                         if where == "query" and n in VALID}}, None)]
                base = variants[0][0]
                variants += [({**base, name: value}, None) for name, _ in names
                             for value in TEXT_VALUES + VALUES_BY_NAME.get(name, [])]
                if "requestBody" in operation:
                    variants += [(base, body) for body in HOSTILE_BODIES]
                for values, body in variants:
                    url = path
                    query = []
                    for name, where in names:
                        if name not in values:
                            continue
                        if where == "path":
                            url = url.replace("{" + name + "}", values[name] or "%20")
                        else:
                            query.append(f"{name}={values[name]}")
                    if query:
                        url += "?" + "&".join(query)
                    r = client.request(method.upper(), url, headers={
                        **headers, "content-type": "application/json"},
                        content=body.encode() if body is not None else None)
                    tried += 1
                    assert r.status_code < 500, (method, url, body and body[:80],
                                                 r.status_code, r.text[:300])
                    if url.endswith("/auth/logout") or url.endswith("/auth/refresh"):
                        headers = admin_headers()
    assert tried > 300
