"""The seat as IT deploys it: `agentdesk --config F --data-dir D`, offscreen.

With auto-answer on it answers a sipp call carrying X-Customer-Id, logs the parsed
header at DEBUG (and never the caller's number above DEBUG), and exits 0 on SIGTERM.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.sip, pytest.mark.slow]

SCENARIOS = Path(__file__).parent / "scenarios"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_text(path: Path, text: str, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            content = path.read_text(encoding="utf-8", errors="replace")
            if text in content:
                return content
        time.sleep(0.05)  # polling a file another process writes; no event to wait on
    raise AssertionError(f"{text!r} never appeared in {path}")


def log_records(text: str) -> list[str]:
    """Whole records: a record may span lines (pjsip dumps SIP messages at DEBUG)."""
    return [r for r in re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:)", text) if r.strip()]


@pytest.fixture
def seat(tmp_path):
    port = free_udp_port()
    config = tmp_path / "seat.toml"
    config.write_text(
        "[sip]\n"
        'registrar = ""\n'
        'username = "1001"\n'
        f"local_port = {port}\n"
        'bind_address = "127.0.0.1"\n'
        "[phone]\n"
        "auto_answer_after_s = 0\n"
        "[logging]\n"
        'level = "DEBUG"\n'
    )
    data = tmp_path / "data"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen(
        [sys.executable, "-m", "agentdesk", "--config", str(config), "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    log_file = data / "logs" / "agentdesk.log"
    try:
        wait_for_text(log_file, "softphone ready", 30)
        yield process, port, log_file
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_auto_answers_a_customer_call_and_exits_cleanly_on_sigterm(seat, tmp_path):
    process, port, log_file = seat
    sipp = subprocess.run(
        ["timeout", "30", "sipp", "-sf", str(SCENARIOS / "uac_customer.xml"), "-s", "1001",
         "-i", "127.0.0.1", "-p", str(free_udp_port()), "-m", "1", "-timeout", "20s",
         "-nostdin", f"127.0.0.1:{port}"],
        cwd=tmp_path, capture_output=True, text=True)
    assert sipp.returncode == 0, sipp.stdout[-2000:] + sipp.stderr[-2000:]

    log_text = wait_for_text(log_file, "x-customer-id", 10)
    assert "C-1001" in log_text
    for record in log_records(log_text):
        if record.split()[2] != "DEBUG":
            assert "13800138000" not in record and "13800138001" not in record, record

    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr[-3000:]
    assert "Assertion" not in stderr and "Traceback" not in stderr
