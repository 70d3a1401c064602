"""The demo's embedded server, as `./scripts/demo` starts it: migrate, demo users with
fresh passwords, demo customers, serve on 127.0.0.1; and nothing left running after."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import textwrap
import time

import httpx
import psutil
import pytest

from agentdesk import demo_server
from agentdesk.demo_server import (
    ADMIN_USERNAME,
    AGENT_USERNAME,
    COLLEAGUES,
    DEMO_CAMPAIGN_ID,
    DEMO_LEAD_CUSTOMER_ID,
    DEMO_LEAD_PHONE,
    DemoServer,
    DemoServerError,
    demo_customers_csv,
)

pytestmark = pytest.mark.slow


def _login(url: str, username: str, password: str) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/auth/login",
                      json={"username": username, "password": password}, timeout=10)


def _pull(url: str, token: str, kind: str = "customer") -> dict[str, dict]:
    response = httpx.get(f"{url}/api/v1/sync/pull", params={"cursor": 0},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    response.raise_for_status()
    body = response.json()
    assert not body["has_more"]
    return {c["key"]: c["data"] for c in body["changes"] if c["kind"] == kind}


def _pull_customers(url: str, token: str) -> dict[str, dict]:
    return _pull(url, token)


def test_the_demo_campaign_lead_is_in_the_demo_customers():
    import csv

    with demo_customers_csv().open(encoding="utf-8-sig") as f:
        phones = {row["customer_id"]: row["phone"] for row in csv.DictReader(f)}
    assert phones[DEMO_LEAD_CUSTOMER_ID] == DEMO_LEAD_PHONE


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pid: int, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.1)
    return False


def test_demo_server_starts_seeds_restarts_and_stops(tmp_path, monkeypatch):
    server = DemoServer(tmp_path)
    server.start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{server.url}/api/v1/health", timeout=5).json()["status"] == "ok"
        login = _login(server.url, server.agent_username, server.agent_password)
        assert login.status_code == 200, login.text
        assert login.json()["user"] == {"username": AGENT_USERNAME, "role": "agent",
                                        "team": "demo"}
        assert _login(server.url, ADMIN_USERNAME,
                      server.admin_password).json()["user"]["role"] == "admin"
        customers = _pull_customers(server.url, login.json()["access_token"])
        assert customers["C-1001"]["phone"] == "+8613800138000"
        assert (customers["C-1001"]["first_name"], customers["C-1001"]["last_name"]) == (
            "Lei", "Li")
        assert any(c["phone"] == "+12025550143" and c["first_name"] == "Jane"
                   and c["last_name"] == "Doe" for c in customers.values())
        assert any(c["last_name"] == "王" for c in customers.values())
        # the telesales campaign: assigned to the demo agent, its lead in the agent's pull
        campaign = _pull(server.url, login.json()["access_token"], "campaign")[DEMO_CAMPAIGN_ID]
        assert campaign["assigned"]["agents"] == [AGENT_USERNAME]
        assert campaign["leads"] == [DEMO_LEAD_CUSTOMER_ID]
        assert customers[DEMO_LEAD_CUSTOMER_ID]["phone"] == DEMO_LEAD_PHONE
        first_pid, first_password, first_count = server.pid, server.agent_password, len(customers)
        cursor = httpx.get(f"{server.url}/api/v1/health", timeout=5).json()["cursor"]
    finally:
        server.stop()
    assert first_pid is not None and _gone(first_pid)
    server.stop()  # idempotent

    # the second run also meets a port taken between the probe and the bind
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        taken_port = taken.getsockname()[1]
        ports = iter([taken_port])
        free_port = demo_server._free_port
        monkeypatch.setattr(demo_server, "_free_port", lambda: next(ports, None) or free_port())
        again = DemoServer(tmp_path)
        again.start()
    try:
        assert again.port != taken_port
        assert again.agent_password != first_password
        assert _login(again.url, AGENT_USERNAME, first_password).status_code == 401
        login = _login(again.url, AGENT_USERNAME, again.agent_password)
        assert login.status_code == 200, login.text
        assert len(_pull_customers(again.url, login.json()["access_token"])) == first_count
        # seeded once: the second run did not re-import (the cursor did not move)
        assert httpx.get(f"{again.url}/api/v1/health", timeout=5).json()["cursor"] == cursor
        second_pid = again.pid
    finally:
        again.stop()
    assert second_pid is not None and _gone(second_pid)

    with sqlite3.connect(tmp_path / "server.sqlite3") as db:
        names = sorted(r[0] for r in db.execute("SELECT username FROM users"))
    assert names == sorted([ADMIN_USERNAME, AGENT_USERNAME, *COLLEAGUES])
    with sqlite3.connect(tmp_path / "server.sqlite3") as db:
        kinds = dict(db.execute("SELECT kind, count(*) FROM reference_items GROUP BY kind"))
        history = db.execute("SELECT count(*) FROM synced_records").fetchone()[0]
    # the demo's code sets, not-ready reasons and three scripts, and its history
    assert (kinds["wrapup_code_set"], kinds["not_ready_reason"], kinds["script"],
            kinds["campaign"]) == (3, 7, 3, 1)
    assert history > 900
    log = (tmp_path / "logs" / "demo-server.log").read_text(encoding="utf-8")
    assert first_password not in log and again.agent_password not in log
    assert again.admin_password not in log


def test_failure_names_the_log(tmp_path):
    (tmp_path / "server.sqlite3").write_bytes(b"this is not a database" * 100)
    server = DemoServer(tmp_path)
    with pytest.raises(DemoServerError) as failure:
        server.start(timeout_s=15)
    assert str(tmp_path / "logs" / "demo-server.log") in str(failure.value)
    assert "migrate" in str(failure.value) and "not a database" in str(failure.value)
    assert server.pid is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_server_dies_with_a_killed_demo(tmp_path):
    script = textwrap.dedent("""
        import sys, time
        from pathlib import Path
        from agentdesk.demo_server import DemoServer
        server = DemoServer(Path(sys.argv[1]))
        server.start()
        print(server.pid, flush=True)
        time.sleep(60)
    """)
    demo = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = demo.stdout.readline()
        assert line.strip().isdigit(), line
        server_pid = int(line)
        assert not _gone(server_pid)
    finally:
        demo.kill()  # SIGKILL: no atexit, no stop()
        demo.wait(5)
        demo.stdout.close()
    assert _wait_gone(server_pid), "the demo server outlived the killed demo"
