from __future__ import annotations

import threading
import uuid
from typing import Any

from tests.server.conftest import record

PUSH = "/api/v1/sync/push"


def _batch(*records: dict[str, Any], batch_id: str | None = None) -> dict[str, Any]:
    return {"batch_id": batch_id or f"b-{uuid.uuid4()}", "records": list(records)}


def _count(client: Any, headers: dict[str, str]) -> int:
    return len(client.get("/api/v1/records?limit=1000", headers=headers).json()["records"])


def test_same_batch_twice_returns_the_same_result_and_creates_nothing(
        client: Any, make_user: Any) -> None:
    a = make_user("agent-a")
    batch = _batch(record(), record(kind="note", text="called back"))
    first = client.post(PUSH, json=batch, headers=a)
    again = client.post(PUSH, json=batch, headers=a)
    assert first.status_code == again.status_code == 200
    assert first.json()["accepted"] == 2 and first.json()["duplicates"] == 0
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(client, a) == 2


def test_records_replayed_in_another_batch_are_duplicates(client: Any, make_user: Any) -> None:
    a = make_user("agent-a")
    r1, r2, r3 = record(), record(), record()
    client.post(PUSH, json=_batch(r1, r2), headers=a)
    result = client.post(PUSH, json=_batch(r2, r3, r1, r3), headers=a).json()
    assert result["accepted"] == 1 and result["accepted_ids"] == [r3["id"]]
    assert sorted(result["duplicate_ids"]) == sorted([r1["id"], r2["id"]])
    assert result["duplicates"] == 3  # r2, r1 seen before; r3 twice in this batch
    assert _count(client, a) == 3


def test_out_of_order_batches_all_arrive_once(client: Any, make_user: Any) -> None:
    a = make_user("agent-a")
    records = [record(seq=i) for i in range(6)]
    batches = [_batch(*records[i:i + 2], batch_id=f"k{i}") for i in (0, 2, 4)]
    for batch in (batches[2], batches[0], batches[2], batches[1], batches[0]):
        assert client.post(PUSH, json=batch, headers=a).status_code == 200
    got = client.get("/api/v1/records", headers=a).json()["records"]
    assert sorted(r["payload"]["seq"] for r in got) == list(range(6))


def test_concurrent_pushes_of_the_same_batch_store_it_once(
        app: Any, client: Any, make_user: Any) -> None:
    from fastapi.testclient import TestClient

    a = make_user("agent-a")
    batch = _batch(*[record(seq=i) for i in range(50)])
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def push() -> None:
        try:
            with TestClient(app) as c:
                barrier.wait()
                r = c.post(PUSH, json=batch, headers=a)
                assert r.status_code == 200, r.text
                results.append(r.json())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=push) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(results) == 6 and all(r == results[0] for r in results)
    assert results[0]["accepted"] == 50
    assert _count(client, a) == 50


def test_concurrent_batches_sharing_records_count_each_record_once(
        app: Any, client: Any, make_user: Any) -> None:
    from fastapi.testclient import TestClient

    a = make_user("agent-a")
    shared = [record(seq=i) for i in range(30)]
    accepted: list[int] = []
    barrier = threading.Barrier(4)

    def push(n: int) -> None:
        with TestClient(app) as c:
            barrier.wait()
            accepted.append(c.post(PUSH, json=_batch(*shared, batch_id=f"c{n}"),
                                   headers=a).json()["accepted"])

    threads = [threading.Thread(target=push, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(accepted) == 30
    assert _count(client, a) == 30


def test_an_agent_cannot_overwrite_or_claim_another_agents_record(
        client: Any, make_user: Any) -> None:
    a, b = make_user("agent-a"), make_user("agent-b")
    rec = record(code="SALE")
    client.post(PUSH, json=_batch(rec), headers=a)
    forged = dict(rec, payload={"code": "NO_SALE"})
    result = client.post(PUSH, json=_batch(forged), headers=b).json()
    assert result["accepted"] == 0 and result["duplicates"] == 0
    assert result["rejected"] == [{"id": rec["id"],
                                   "reason": "this id belongs to another user's record"}]
    mine = client.get(f"/api/v1/records/{rec['id']}", headers=a).json()
    assert mine["payload"] == {"code": "SALE"} and mine["owner"] == "agent-a"


def test_batch_keys_are_per_user(client: Any, make_user: Any) -> None:
    a, b = make_user("agent-a"), make_user("agent-b")
    ra, rb = record(), record()
    assert client.post(PUSH, json=_batch(ra, batch_id="same"), headers=a).json()["accepted"] == 1
    result = client.post(PUSH, json=_batch(rb, batch_id="same"), headers=b)
    assert result.json()["accepted_ids"] == [rb["id"]]
    assert "Idempotent-Replayed" not in result.headers


def test_server_time_is_authoritative_and_the_client_clock_is_kept(
        client: Any, make_user: Any) -> None:
    a = make_user("agent-a")
    rec = record()
    rec["client_created_at"] = "1999-01-01T00:00:00Z"  # a drifting desktop clock
    client.post(PUSH, json=_batch(rec), headers=a)
    got = client.get(f"/api/v1/records/{rec['id']}", headers=a).json()
    assert got["client_created_at"].startswith("1999-01-01")
    assert got["received_at"] > "2026"
    since = client.get("/api/v1/records", params={"since": "2020-01-01T00:00:00Z"},
                       headers=a).json()["records"]
    assert [r["id"] for r in since] == [rec["id"]]


def test_a_batch_id_reused_for_other_records_is_a_409(client: Any, make_user: Any) -> None:
    a = make_user("agent-a")
    rec = record()
    client.post(PUSH, json=_batch(rec, batch_id="k"), headers=a)
    r = client.post(PUSH, json=_batch(record(), batch_id="k"), headers=a)
    assert r.status_code == 409
    assert "used before for other records" in r.json()["detail"]
    # The same records in another order are the same batch.
    rec2 = record()
    client.post(PUSH, json=_batch(rec, rec2, batch_id="k2"), headers=a)
    assert client.post(PUSH, json=_batch(rec2, rec, batch_id="k2"), headers=a).status_code == 200
