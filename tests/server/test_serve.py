"""`agentdesk-server serve` as operators run it: a real process on a real port."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(tmp_path: Path) -> dict[str, str]:
    # No options at all: the SQLite file lands in the (redirected) user data dir.
    env = {k: v for k, v in os.environ.items() if k != "AGENTDESK_DATABASE_URL"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agentdesk.server.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str]]]:
    procs: list[subprocess.Popen[str]] = []
    env = _server_env(tmp_path)
    log = (tmp_path / "serve.log").open("w")

    def start(*args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, "-m", "agentdesk.server.cli", "serve", *args],
                                env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        procs.append(proc)
        return proc

    yield start, env  # type: ignore[misc]
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log.close()


def _wait_healthy(url: str, proc: subprocess.Popen[str], **kwargs: object) -> httpx.Response:
    deadline = time.monotonic() + 20
    while True:
        try:
            return httpx.get(url, timeout=2, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("server did not come up (see serve.log)") from None
            time.sleep(0.1)


def test_migrate_and_serve_with_no_options_on_sqlite(serve: object, tmp_path: Path) -> None:
    start, env = serve  # type: ignore[misc]
    unmigrated = _cli(env, "serve", "--port", "1")
    assert unmigrated.returncode == 1 and "migrate` first" in unmigrated.stderr
    assert _cli(env, "migrate").returncode == 0
    assert (tmp_path / "data" / "agentdesk" / "server.sqlite3").exists()
    port = _free_port()
    proc = start("--port", str(port))
    r = _wait_healthy(f"http://127.0.0.1:{port}/api/v1/health", proc)
    from tests.server.test_cli import _head

    assert r.status_code == 200 and r.json()["schema_revision"] == _head()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_serve_over_tls(serve: object, tmp_path: Path) -> None:
    start, env = serve  # type: ignore[misc]
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    assert _cli(env, "migrate").returncode == 0
    bad = _cli(env, "serve", "--tls-cert", str(cert))
    assert bad.returncode == 2 and "go together" in bad.stderr
    port = _free_port()
    proc = start("--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key))
    r = _wait_healthy(f"https://127.0.0.1:{port}/api/v1/health", proc,
                      verify=ssl.create_default_context(cafile=str(cert)))
    assert r.status_code == 200
