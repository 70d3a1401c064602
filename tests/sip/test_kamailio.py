"""Registration and calls through kamailio, a real registrar and proxy."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentdesk.core.phone_events import (
    CallState,
    CallStateChanged,
    IncomingCall,
    OutgoingCallStarted,
    RegistrationChanged,
    RegistrationState,
)
from agentdesk.sip.account import RetryBackoff
from tests.sip.conftest import PhoneHarness, direct_settings, make_harness
from tests.sip.proxy import KAMAILIO, Kamailio
from tests.sip.sipp import SippFactory, free_port

pytestmark = [
    pytest.mark.sip,
    pytest.mark.skipif(shutil.which(KAMAILIO) is None, reason="kamailio is not installed"),
]

PASSWORD = "kam-secret"
FOLDED = "folded\r\n value"


@pytest.fixture
def kamailio(tmp_path: Path) -> Iterator[Kamailio]:
    proxy = Kamailio(tmp_path, free_port(), PASSWORD)
    proxy.start()
    yield proxy
    proxy.stop()


def seat(proxy: Kamailio, password: str | Callable[[], str] = PASSWORD,
         transport: str = "udp") -> PhoneHarness:
    sip = direct_settings(registrar=proxy.address, username="1001", domain="agentdesk.test",
                          transport=transport)
    return make_harness(sip, password=password, retry=RetryBackoff(base_s=0.5, jitter=0))


def test_register_take_and_place_calls_through_the_proxy_then_unregister(
        kamailio: Kamailio, sipp: SippFactory) -> None:
    phone = seat(kamailio)
    try:
        registered = phone.wait_event(RegistrationChanged, state=RegistrationState.REGISTERED)
        assert registered.expires_s > 0

        # A customer calls 1001 at the proxy; the proxy finds the seat by its binding.
        caller = sipp.start("inbound_pai.xml", kamailio.address, extra=["-s", "1001"])
        incoming = phone.wait_event(IncomingCall)
        assert incoming.remote_number == "+8613800138000"
        assert incoming.headers.get("x-customer-id") == "CUST-0042"
        assert "record-route" in incoming.headers  # it really came through kamailio
        phone.phone.answer(incoming.call_id)
        phone.wait_event(CallStateChanged, call_id=incoming.call_id,
                         state=CallState.DISCONNECTED)
        phone.wait_for(lambda: caller.done, "the caller to finish")
        assert caller.returncode == 0, caller.diagnostics()

        # A dial string goes to sip:<n>@domain via the registrar as outbound proxy:
        # dialing our own number comes back to us as a second line.
        out = phone.phone.dial("1001")
        started = phone.find(OutgoingCallStarted, call_id=out)[0]
        assert started.remote_uri == "sip:1001@agentdesk.test"
        phone.wait_for(lambda: len(phone.find(IncomingCall)) == 2, "our own call")
        back = phone.find(IncomingCall)[1]
        assert back.request_uri.startswith("sip:1001@127.0.0.1")
        phone.phone.answer(back.call_id)
        phone.wait_event(CallStateChanged, call_id=out, state=CallState.CONNECTED)
        phone.phone.hangup(out)
        phone.wait_event(CallStateChanged, call_id=back.call_id, state=CallState.DISCONNECTED)
    finally:
        phone.phone.shutdown()
    assert phone.phone.registration.state is RegistrationState.UNREGISTERED

    # The un-REGISTER removed the binding: nobody answers for 1001 any more.
    nobody = sipp.start("uac_not_found.xml", kamailio.address, extra=["-s", "1001"])
    nobody.proc.wait(timeout=10)
    assert nobody.returncode == 0, nobody.diagnostics()


def test_wrong_password_is_forbidden_until_fixed_and_reregistered(kamailio: Kamailio) -> None:
    keyring = {"sip": "not it"}
    phone = seat(kamailio, password=lambda: keyring["sip"])
    try:
        failed = phone.wait_event(RegistrationChanged, state=RegistrationState.FAILED)
        assert (failed.code, failed.reason, failed.retry_in_s) == (403, "Forbidden", None)
        keyring["sip"] = PASSWORD  # the agent fixes it in the settings dialog
        phone.phone.reregister()
        phone.wait_event(RegistrationChanged, state=RegistrationState.REGISTERED)
    finally:
        phone.phone.shutdown()


def test_registrar_restart_over_tcp_is_noticed_and_the_seat_comes_back(
        kamailio: Kamailio, sipp: SippFactory) -> None:
    phone = seat(kamailio, transport="tcp")
    try:
        phone.wait_event(RegistrationChanged, state=RegistrationState.REGISTERED)
        phone.events.clear()
        kamailio.stop()  # forgets every binding (they live in memory)
        failed = phone.wait_event(RegistrationChanged, state=RegistrationState.FAILED)
        assert failed.retry_in_s is not None and failed.retry_in_s > 0
        kamailio.start()
        phone.wait_event(RegistrationChanged, state=RegistrationState.REGISTERED, timeout=10)

        # The restarted proxy knows the seat again: a call reaches it (over TCP).
        caller = sipp.start("uac_hostile.xml", kamailio.address, extra=["-s", "1001"],
                            fill={"@long_name@": "After Restart", "@name_length@": "13"},
                            keys={"folded": FOLDED})
        incoming = phone.wait_event(IncomingCall)
        assert incoming.remote_name == "After Restart"
        phone.phone.reject(incoming.call_id, 486)
        phone.wait_for(lambda: caller.done, "the caller to finish")
        assert caller.returncode == 0, caller.diagnostics()
    finally:
        phone.phone.shutdown()
