"""Inbound calls from a real peer (sipp as the caller)."""

from __future__ import annotations

import logging

import pytest

from agentdesk.core.phone_events import CallState, CallStateChanged, IncomingCall
from tests.sip.conftest import PhoneHarness
from tests.sip.sipp import SippFactory

pytestmark = pytest.mark.sip

FOLDED = "this header value\r\n is folded over\r\n\tthree lines"


def test_inbound_call_reaches_the_app_with_pai_and_x_headers(
        phone: PhoneHarness, sipp: SippFactory) -> None:
    caller = sipp.start("inbound_pai.xml", f"127.0.0.1:{phone.phone.local_port}",
                        keys={}, extra=["-s", "1001"])
    incoming = phone.wait_event(IncomingCall)
    assert incoming.remote_number == "+8613800138000"  # P-Asserted-Identity wins over From
    assert incoming.remote_name == "Wang Fang"
    assert incoming.headers.x_headers() == {"x-customer-id": "CUST-0042"}
    assert incoming.headers.get("Diversion").startswith("<sip:4000@pbx.example>")
    assert incoming.request_uri.startswith("sip:1001@127.0.0.1")
    assert "From" in incoming.headers and "to" in incoming.headers

    phone.phone.answer(incoming.call_id)
    phone.wait_event(CallStateChanged, call_id=incoming.call_id, state=CallState.CONNECTED)
    ended = phone.wait_event(CallStateChanged, call_id=incoming.call_id,
                             state=CallState.DISCONNECTED)
    phone.wait_for(lambda: caller.done, "sipp to finish")
    assert caller.returncode == 0, caller.diagnostics()
    assert ended.call_id not in phone.phone.call_ids
    assert [m.status for m in caller.received() if m.status] == [100, 180, 200, 200]


def test_hostile_invite_still_rings_with_what_could_be_read(
        phone: PhoneHarness, sipp: SippFactory) -> None:
    long_name = ("Zhang San 张三 " * 200)[:2048]
    caller = sipp.start("uac_hostile.xml", f"127.0.0.1:{phone.phone.local_port}",
                        fill={"@long_name@": long_name, "@name_length@": "2048"},
                        keys={"folded": FOLDED})
    incoming = phone.wait_event(IncomingCall)
    assert incoming.remote_number == "+8613900139000"
    assert long_name.startswith(incoming.remote_name) and len(incoming.remote_name) <= 256
    assert incoming.headers.get_all("X-Customer-Id") == ["FIRST", "SECOND"]
    assert incoming.headers.x_headers()["x-customer-id"] == "FIRST"
    assert incoming.headers.get("x-note") == "this header value is folded over three lines"
    assert "x-empty" in incoming.headers
    assert incoming.headers.get("call-id")  # compact i: reached its canonical name

    phone.phone.reject(incoming.call_id, 486)
    ended = phone.wait_event(CallStateChanged, call_id=incoming.call_id,
                             state=CallState.DISCONNECTED)
    assert ended.code == 486
    phone.wait_for(lambda: caller.done, "sipp to finish")
    assert caller.returncode == 0, caller.diagnostics()


def test_a_display_name_that_is_not_utf8_arrives_clean(
        phone: PhoneHarness, sipp: SippFactory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="agentdesk")
    caller = sipp.start("uac_hostile.xml", f"127.0.0.1:{phone.phone.local_port}",
                        fill={"@long_name@": "José Müller", "@name_length@": "11"},
                        keys={"folded": FOLDED}, encoding="latin-1")
    incoming = phone.wait_event(IncomingCall)
    assert incoming.remote_name == "Jos\ufffd M\ufffdller"
    for _, value in incoming.headers:
        value.encode("utf-8")  # no lone surrogates: safe for logs, the database, Qt
    phone.phone.reject(incoming.call_id, 486)
    phone.wait_for(lambda: caller.done, "sipp to finish")
    assert caller.returncode == 0, caller.diagnostics()
    assert "Jos\ufffd" in caplog.text  # the INVITE was logged (by pjsip, at DEBUG) ...
    caplog.text.encode("utf-8")  # ... in text a UTF-8 log file can take


def test_second_call_while_talking_rings_as_call_waiting(
        phone: PhoneHarness, sipp: SippFactory) -> None:
    first = sipp.start("inbound_pai.xml", f"127.0.0.1:{phone.phone.local_port}",
                       extra=["-s", "1001"])
    call_1 = phone.wait_event(IncomingCall)
    phone.phone.answer(call_1.call_id)
    phone.wait_event(CallStateChanged, call_id=call_1.call_id, state=CallState.CONNECTED)

    second = sipp.start("uac_hostile.xml", f"127.0.0.1:{phone.phone.local_port}",
                        fill={"@long_name@": "Waiting Caller", "@name_length@": "14"},
                        keys={"folded": FOLDED})
    phone.wait_for(lambda: len(phone.find(IncomingCall)) == 2, "the second call to ring")
    call_2 = phone.find(IncomingCall)[1]
    assert call_2.call_id != call_1.call_id and call_2.remote_name == "Waiting Caller"
    assert set(phone.phone.call_ids) >= {call_1.call_id, call_2.call_id}
    phone.phone.reject(call_2.call_id, 486)
    phone.wait_for(lambda: first.done and second.done, "both callers to finish")
    assert first.returncode == 0, first.diagnostics()
    assert second.returncode == 0, second.diagnostics()
