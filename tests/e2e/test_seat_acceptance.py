"""The seat as IT deploys it: `agentdesk --config F --data-dir D`, offscreen.

With auto-answer on it answers a sipp call carrying X-Customer-Id, logs the parsed
header at DEBUG (and never the caller's number above DEBUG), and exits 0 on SIGTERM.
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.seat_process import wait_for_log_text, write_auto_answer_config
from tests.sip.sipp import free_port

pytestmark = [pytest.mark.sip, pytest.mark.slow]

SCENARIOS = Path(__file__).parent / "scenarios"


def log_records(text: str) -> list[str]:
    """Whole records: a record may span lines (pjsip dumps SIP messages at DEBUG)."""
    return [r for r in re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:)", text) if r.strip()]


@pytest.fixture
def seat(tmp_path):
    port = free_port()
    config = write_auto_answer_config(tmp_path / "seat.toml", port)
    data = tmp_path / "data"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen(
        [sys.executable, "-m", "agentdesk", "--config", str(config), "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    log_file = data / "logs" / "agentdesk.log"
    try:
        wait_for_log_text(log_file, "softphone ready", 30, process)
        yield process, port, log_file
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_auto_answers_a_customer_call_and_exits_cleanly_on_sigterm(seat, tmp_path):
    process, port, log_file = seat
    sipp = subprocess.run(
        ["timeout", "30", "sipp", "-sf", str(SCENARIOS / "uac_customer.xml"), "-s", "1001",
         "-i", "127.0.0.1", "-p", str(free_port()), "-m", "1", "-timeout", "20s",
         "-nostdin", f"127.0.0.1:{port}"],
        cwd=tmp_path, capture_output=True, text=True)
    assert sipp.returncode == 0, sipp.stdout[-2000:] + sipp.stderr[-2000:]

    log_text = wait_for_log_text(log_file, "x-customer-id", 10)
    assert "C-1001" in log_text
    for record in log_records(log_text):
        if record.split()[2] != "DEBUG":
            assert "13800138000" not in record and "13800138001" not in record, record

    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr[-3000:]
    assert "Assertion" not in stderr and "Traceback" not in stderr
