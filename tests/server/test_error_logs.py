"""Issue #12, finding 9: a failed push logs no phone number and no name above DEBUG,
not even in the traceback the server logs (the engines hide SQL parameters)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, text

from tests.server.conftest import record

NUMBER, FIRST, LAST = "+8613912345678", "Xiaoming", "Ouyangtest"
AT = "2026-11-20T09:30:00+08:00"

_FAIL_SQL = {
    "sqlite": ["CREATE TRIGGER boom BEFORE INSERT ON synced_records "
               "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END"],
    "postgresql": [
        "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'disk full (simulated)'; END $$",
        "CREATE TRIGGER boom BEFORE INSERT ON synced_records "
        "FOR EACH ROW EXECUTE FUNCTION boom()"],
}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_failing_push_logs_no_number_and_no_name(
        app: Any, engine: Engine, make_user: Any, backend: str,
        caplog: pytest.LogCaptureFixture) -> None:
    agent = make_user("a", team="north")
    with engine.begin() as conn:
        for statement in _FAIL_SQL[backend]:
            conn.execute(text(statement))
    # uvicorn as operators run it, its loggers propagating to the root (caplog)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    caplog.set_level(logging.DEBUG)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        call = record("call_record", customer_id="C1", remote_number=NUMBER,
                      direction="inbound", started_at=AT, caller_name=f"{FIRST} {LAST}")
        change = record("customer_change", customer_id="C9", created=True, changed_at=AT,
                        fields={"first_name": FIRST, "last_name": LAST, "phone": NUMBER})
        r = httpx.post(f"http://127.0.0.1:{port}/api/v1/sync/push", headers=agent, timeout=10,
                       json={"batch_id": f"b-{uuid.uuid4()}", "records": [call, change]})
        assert r.status_code == 500
    finally:
        server.should_exit = True
        thread.join(10)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    above_debug = [formatter.format(r) for r in caplog.records if r.levelno > logging.DEBUG]
    logged = "\n".join(above_debug)
    assert "disk full (simulated)" in logged  # the traceback was logged ...
    assert "Traceback" in logged
    for secret in (NUMBER, NUMBER[3:], FIRST, LAST):  # ... without the personal data
        assert secret not in logged, secret
