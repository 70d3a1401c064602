"""Safe lifetime: many calls, then a clean exit with no pjsua abort."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agentdesk.core.phone_events import CallState, CallStateChanged, RegistrationState
from agentdesk.core.settings import PhoneSettings
from agentdesk.core.softphone import PhoneActionError
from agentdesk.sip.call_audio import NullDeviceAudio
from agentdesk.sip.endpoint import EndpointError
from agentdesk.sip.pjsua_phone import PjsuaSoftphone
from tests.sip.conftest import direct_settings, make_harness
from tests.sip.sipp import SippFactory

pytestmark = pytest.mark.sip

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_fifty_calls_then_exit_without_abort() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    result = subprocess.run(
        ["timeout", "-k", "5", "150", sys.executable, "-m", "tests.sip.many_calls"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=170, check=False)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr[-3000:]}"
    assert "calls: 50, live after shutdown: 0, kept: 1" in result.stdout
    assert "Assertion" not in result.stderr
    assert "still referenced at shutdown" not in result.stderr  # a kept error pins no call


@pytest.mark.slow
def test_shutdown_from_a_signal_handler_inside_a_pjsua_callback() -> None:
    """What SIGTERM right after a BYE does to the seat (tests/e2e/test_seat_shutdown)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    result = subprocess.run(
        ["timeout", "-k", "5", "40", sys.executable, "-m", "tests.sip.shutdown_in_callback"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr[-3000:]}"
    assert "inside: stopped=False; after poll: stopped=True" in result.stdout
    assert "Assertion" not in result.stderr


def test_shutdown_asked_during_a_phone_operation_waits_for_its_end(
        sipp: SippFactory) -> None:
    harness = make_harness(direct_settings())
    phone = harness.phone
    seen: list[tuple[bool, bool]] = []

    def on_event(event: object) -> None:  # delivered from inside poll()
        if isinstance(event, CallStateChanged) and event.state is CallState.CONNECTED:
            phone.shutdown()
            seen.append((phone.busy, phone.stopped))

    phone.subscribe(on_event)
    try:
        callee = sipp.start("builtin:uas")
        phone.dial(f"sip:2000@{callee.address}")
        harness.wait_for(lambda: bool(seen), "the call to connect")
        assert seen == [(True, False)]  # noted, not done, inside the operation
        assert phone.stopped and not phone.busy  # done as poll() returned
        assert harness.find(CallStateChanged, state=CallState.DISCONNECTED)
    finally:
        phone.shutdown()


def test_shutdown_is_idempotent_and_final() -> None:
    harness = make_harness(direct_settings())
    harness.phone.shutdown()
    harness.phone.shutdown()
    harness.phone.poll(10)  # a late timer tick after shutdown is harmless
    assert not harness.phone.running
    with pytest.raises(PhoneActionError):
        harness.phone.dial("sip:2000@127.0.0.1:9")
    with pytest.raises(PhoneActionError, match="already been started"):
        harness.phone.start()
    assert harness.phone.registration.state is RegistrationState.DISABLED
    assert harness.phone.call_ids == []


def test_a_taken_port_gives_a_clear_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        taken = sock.getsockname()[1]
        busy = PjsuaSoftphone(direct_settings(local_port=taken), PhoneSettings(), lambda: None)
        with pytest.raises(EndpointError,
                           match=f"Cannot open the SIP UDP port 127.0.0.1:{taken}"):
            busy.start()
    assert not busy.running
    busy.shutdown()
    again = make_harness(direct_settings())  # the failed start left nothing behind
    again.phone.shutdown()


class ClingyAudio(NullDeviceAudio):
    """A CallAudio that forgets to let go of the endpoint when closed."""

    clinging = True

    def close(self) -> None:
        if not self.clinging:
            super().close()


def test_an_endpoint_kept_after_shutdown_blocks_a_restart_with_words_not_an_abort() -> None:
    audio = ClingyAudio()
    make_harness(direct_settings(), audio=audio).phone.shutdown()
    with pytest.raises(EndpointError, match="still referenced"):
        make_harness(direct_settings())
    audio.clinging = False
    audio.close()
    make_harness(direct_settings()).phone.shutdown()  # and now it starts again


def test_the_sip_stack_writes_nothing_to_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    make_harness(direct_settings()).phone.shutdown()  # libCreate talks before a writer
    out, _ = capfd.readouterr()
    assert out == ""
