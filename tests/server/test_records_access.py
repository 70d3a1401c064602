from __future__ import annotations

from typing import Any

from tests.server.conftest import record

PUSH = "/api/v1/sync/push"


def _push(client: Any, headers: dict[str, str], n: int, **payload: Any) -> list[str]:
    recs = [record(**payload) for _ in range(n)]
    r = client.post(PUSH, json={"batch_id": recs[0]["id"], "records": recs}, headers=headers)
    assert r.status_code == 200
    return [x["id"] for x in recs]


def _owners(client: Any, headers: dict[str, str], **params: Any) -> list[str]:
    r = client.get("/api/v1/records", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return sorted(x["owner"] for x in r.json()["records"])


def test_agents_see_only_their_own_records(client: Any, make_user: Any) -> None:
    a, b = make_user("a", team="north"), make_user("b", team="north")
    ids_a = _push(client, a, 2)
    ids_b = _push(client, b, 1)
    assert _owners(client, a) == ["a", "a"]
    assert _owners(client, b) == ["b"]
    assert client.get(f"/api/v1/records/{ids_b[0]}", headers=a).status_code == 404
    assert client.get(f"/api/v1/records/{ids_a[0]}", headers=a).status_code == 200


def test_a_supervisor_sees_its_team_only_and_an_admin_everything(
        client: Any, make_user: Any) -> None:
    a, b = make_user("a", team="north"), make_user("b", team="south")
    sup = make_user("sup", role="supervisor", team="north")
    admin = make_user("root", role="admin")
    _push(client, a, 2)
    ids_b = _push(client, b, 1)
    assert _owners(client, sup) == ["a", "a"]
    assert client.get(f"/api/v1/records/{ids_b[0]}", headers=sup).status_code == 404
    assert _owners(client, admin) == ["a", "a", "b"]
    assert client.get(f"/api/v1/records/{ids_b[0]}", headers=admin).status_code == 200


def test_records_filter_by_kind_and_page(client: Any, make_user: Any) -> None:
    a = make_user("a")
    _push(client, a, 5)
    client.post(PUSH, json={"batch_id": "notes", "records": [record(kind="note")]}, headers=a)
    assert len(_owners(client, a, kind="note")) == 1
    seen: list[str] = []
    page: str | None = None
    while True:
        params: dict[str, Any] = {"kind": "wrapup", "limit": 2}
        if page:
            params["page"] = page
        body = client.get("/api/v1/records", params=params, headers=a).json()
        seen += [x["id"] for x in body["records"]]
        page = body["next_page"]
        if page is None:
            break
    assert len(seen) == len(set(seen)) == 5
    bad = client.get("/api/v1/records", params={"page": "!!"}, headers=a)
    assert bad.status_code == 422


def test_only_supervisors_and_admins_write_reference_data(client: Any, make_user: Any) -> None:
    a = make_user("a")
    r = client.put("/api/v1/reference/script/greeting", json={"steps": []}, headers=a)
    assert r.status_code == 403
    assert "supervisor or admin" in r.json()["detail"]
    r = client.delete("/api/v1/customers/C1", headers=a)
    assert r.status_code == 403
