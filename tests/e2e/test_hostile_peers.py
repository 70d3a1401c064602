"""The seat as IT deploys it, against peers that misbehave (issue 18): a caller that
vanishes while another waits, a caller that gives up in the same breath as it calls,
offers that switch the media direction back and forth. Real sipp, a real seat process.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.seat_process import wait_for_log_text
from tests.sip.sipp import SCENARIOS, free_port

pytestmark = pytest.mark.sip


def write_seat_config(path: Path, port: int, phone_extra: str = "",
                      auto_answer_s: int = 0) -> Path:
    """A direct-call, auto-in seat that answers after `auto_answer_s` (at once, as
    write_auto_answer_config, by default), with extra [phone] lines."""
    path.write_text(
        "[sip]\n"
        'registrar = ""\n'
        'username = "1001"\n'
        f"local_port = {port}\n"
        'bind_address = "127.0.0.1"\n'
        "[phone]\n"
        f"auto_answer_after_s = {auto_answer_s}\n"
        f"{phone_extra}"
        "[agent]\n"
        "ready_on_login = true\n"
        "[logging]\n"
        'level = "DEBUG"\n')
    return path


class Seat:
    def __init__(self, tmp_path: Path, phone_extra: str = "", auto_answer_s: int = 0) -> None:
        self.port = free_port()
        self.data = tmp_path / "data"
        config = write_seat_config(tmp_path / "seat.toml", self.port, phone_extra,
                                   auto_answer_s)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "agentdesk", "--config", str(config), "--data-dir",
             str(self.data)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env)
        self.log = self.data / "logs" / "agentdesk.log"
        self.tmp_path = tmp_path

    def sipp(self, scenario: str, *, timeout_s: int = 40) -> subprocess.Popen[str]:
        return subprocess.Popen(
            ["timeout", str(timeout_s + 5), "sipp", "-sf", str(SCENARIOS / scenario),
             "-s", "1001", "-i", "127.0.0.1", "-p", str(free_port()), "-m", "1",
             "-timeout", f"{timeout_s}s", "-timeout_error", "-nostdin", "-trace_err",
             f"127.0.0.1:{self.port}"],
            cwd=self.tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def stop(self) -> str:
        """SIGTERM; the exit must be clean. Returns the log."""
        self.process.send_signal(signal.SIGTERM)
        _, stderr = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, stderr[-3000:]
        assert "Traceback" not in stderr, stderr[-3000:]
        return self.log.read_text(encoding="utf-8", errors="replace")

    def records(self) -> list[tuple[str, str | None, int | None]]:
        """(remote number, connected_at, sip_end_code) of the seat's call records."""
        with sqlite3.connect(self.data / "agentdesk.sqlite3") as db:
            return db.execute("SELECT remote_number, connected_at, sip_end_code "
                              "FROM call_records ORDER BY started_at").fetchall()


@pytest.fixture
def make_seat(tmp_path: Path) -> Iterator[type[Seat]]:
    seats: list[Seat] = []

    def start(phone_extra: str = "", auto_answer_s: int = 0) -> Seat:
        seat = Seat(tmp_path, phone_extra, auto_answer_s)
        seats.append(seat)
        wait_for_log_text(seat.log, "softphone ready", 30, seat.process)
        return seat

    yield start  # type: ignore[misc]
    for seat in seats:
        if seat.process.poll() is None:
            seat.process.kill()
            seat.process.communicate(timeout=10)


def problems(log: str) -> list[str]:
    return [line for line in log.splitlines()
            if re.search(r"\b(ERROR|CRITICAL)\b", line) or "Traceback" in line]


def test_a_vanished_caller_is_ended_within_the_media_timeout_and_the_waiting_call_answered(
        make_seat):
    seat = make_seat("media_timeout_s = 10\n")
    started = time.monotonic()
    vanished = seat.sipp("uac_vanish.xml", timeout_s=40)  # answered, then silent
    wait_for_log_text(seat.log, "incoming call call-1 ringing", 10, seat.process)
    waiting = seat.sipp("uac_waiting.xml", timeout_s=40)  # rings while call-1 is up
    out, _ = vanished.communicate(timeout=45)
    ended_after = time.monotonic() - started
    assert vanished.returncode == 0, out[-3000:]  # it got the seat's BYE, Reason 408
    assert 10.0 <= ended_after <= 15.0, ended_after
    out, _ = waiting.communicate(timeout=45)
    assert waiting.returncode == 0, out[-3000:]  # then answered, talked, hung up

    log = seat.stop()
    assert problems(log) == []
    assert "call call-1: no media from the far end for 10 s; ending it" in log
    assert "waiting call call-2 offered: the line is free" in log
    assert [(number, code) for number, _, code in seat.records()] == [
        ("+8613700137000", 408), ("+8613900139000", 200)]


def test_a_call_cancelled_in_the_same_breath_and_media_direction_offers_leave_no_error(
        make_seat):
    seat = make_seat()
    hasty = seat.sipp("uac_cancel_race.xml", timeout_s=15)
    out, _ = hasty.communicate(timeout=25)
    assert hasty.returncode == 0, out[-3000:]  # 487: never answered
    directions = seat.sipp("uac_media_directions.xml", timeout_s=20)
    out, _ = directions.communicate(timeout=30)
    assert directions.returncode == 0, out[-3000:]  # each answer's direction checked

    log = seat.stop()
    assert problems(log) == []
    missed, talked = seat.records()
    assert missed[0] == "+8613600136000" and missed[1] is None  # a missed call, its number
    assert talked[1] is not None


@pytest.mark.slow
def test_a_caller_requiring_100rel_rings_reliably_with_the_answer_and_is_auto_answered(
        make_seat):
    # RFC 3262: the first reliable provisional response carries the answer to the
    # INVITE's offer (a 183: pjsip never puts SDP in a 180, docs/pjsua2.md); the
    # caller PRACKs it, then (second call) offers again by UPDATE while it rings. The
    # seat auto-answers each after 3 s, as a deployed seat would.
    seat = make_seat(auto_answer_s=3)
    for scenario in ("uac_prack.xml", "uac_prack_update.xml"):
        started = time.monotonic()
        caller = seat.sipp(scenario, timeout_s=20)
        out, _ = caller.communicate(timeout=30)
        assert caller.returncode == 0, (scenario, out[-3000:])  # 183+SDP, PRACK, 200
        assert time.monotonic() - started >= 3.0  # answered by the auto-answer, not at once

    log = seat.stop()
    assert problems(log) == []
    assert [connected is not None for _, connected, _ in seat.records()] == [True, True]
