"""Outbound calls to a real peer (sipp as the callee)."""

from __future__ import annotations

import re
import socket

import pytest

from agentdesk.core.phone_events import CallState, CallStateChanged, OutgoingCallStarted
from agentdesk.core.settings import PhoneSettings, SipSettings
from agentdesk.core.softphone import PhoneActionError, Softphone
from agentdesk.sip.dial_uri import target_uri
from agentdesk.sip.endpoint import EndpointError
from agentdesk.sip.pjsua_phone import MAX_CALLS, PjsuaSoftphone
from tests.sip.conftest import PhoneHarness, direct_settings
from tests.sip.sipp import SippFactory

pytestmark = pytest.mark.sip


def states(harness: PhoneHarness, call_id: str) -> list[CallState]:
    return [e.state for e in harness.find(CallStateChanged, call_id=call_id)]


def test_outbound_call_rings_connects_and_carries_x_headers(
        phone: PhoneHarness, sipp: SippFactory) -> None:
    callee = sipp.start("uas_answer.xml")
    call_id = phone.phone.dial(f"sip:2000@{callee.address}", {"X-Campaign-Id": "C-7"})

    started = phone.find(OutgoingCallStarted, call_id=call_id)
    assert started and started[0].remote_number == "2000"
    phone.wait_event(CallStateChanged, call_id=call_id, state=CallState.CONNECTED)
    assert states(phone, call_id) == [CallState.DIALING, CallState.EARLY,
                                      CallState.CONNECTING, CallState.CONNECTED]
    quality = phone.phone.quality(call_id)
    assert quality is not None and quality.codec == "PCMU"
    assert 1.0 <= quality.mos <= 4.5

    phone.phone.hangup(call_id)
    phone.wait_event(CallStateChanged, call_id=call_id, state=CallState.DISCONNECTED)
    phone.wait_for(lambda: callee.done, "sipp to finish")
    assert callee.returncode == 0, callee.diagnostics()
    invite = callee.received("INVITE")[0]
    assert invite.header("X-Campaign-Id") == "C-7"
    assert invite.start_line.startswith(f"INVITE sip:2000@{callee.address} ")
    assert phone.phone.quality(call_id) is None
    assert call_id not in phone.phone.call_ids


def test_the_offer_puts_g722_pcma_pcmu_before_speex(phone: PhoneHarness,
                                                    sipp: SippFactory) -> None:
    """Speex, pjsua's default first choice, smears tones for about a second."""
    callee = sipp.start("uas_answer.xml")
    call_id = phone.phone.dial(f"sip:2000@{callee.address}")
    phone.wait_event(CallStateChanged, call_id=call_id, state=CallState.CONNECTED)
    phone.phone.hangup(call_id)
    phone.wait_for(lambda: callee.done, "sipp to finish")
    sdp = callee.received("INVITE")[0].body
    offered = re.search(r"^m=audio \d+ RTP/AVP ([\d ]+)", sdp, re.M)
    assert offered is not None, sdp
    payload_types = offered.group(1).split()
    speex = re.findall(r"^a=rtpmap:(\d+) speex/", sdp, re.M | re.I)
    assert payload_types[:3] == ["9", "8", "0"]  # G722, PCMA, PCMU
    assert speex and all(payload_types.index(pt) > 2 for pt in speex)


@pytest.mark.parametrize(("code", "phrase"), [(486, "Busy Here"), (480, "Temporarily Unavailable"),
                                              (404, "Not Found")])
def test_refused_call_reports_the_sip_status(phone: PhoneHarness, sipp: SippFactory,
                                             code: int, phrase: str) -> None:
    callee = sipp.start("uas_reject.xml", fill={"@code@": str(code), "@phrase@": phrase})
    call_id = phone.phone.dial(f"sip:2000@{callee.address}")
    ended = phone.wait_event(CallStateChanged, call_id=call_id, state=CallState.DISCONNECTED)
    assert (ended.code, ended.reason) == (code, phrase)
    assert CallState.EARLY in states(phone, call_id)
    phone.wait_for(lambda: callee.done, "sipp to finish")
    assert callee.returncode == 0, callee.diagnostics()


def test_actions_on_unknown_or_ended_calls_say_so(phone: PhoneHarness) -> None:
    for action in (phone.phone.answer, phone.phone.hangup, phone.phone.hold):
        with pytest.raises(PhoneActionError, match="already ended"):
            action("call-does-not-exist")
    with pytest.raises(PhoneActionError, match="not DTMF"):
        phone.phone.send_dtmf("call-x", "12x")


def test_dial_refuses_header_injection_and_nonsense(phone: PhoneHarness) -> None:
    with pytest.raises(PhoneActionError, match="header"):
        phone.phone.dial("sip:2000@127.0.0.1:9", {"X-Evil": "a\r\nBYE: x"})
    with pytest.raises(PhoneActionError, match="cannot be dialed"):
        phone.phone.dial("call me maybe")
    with pytest.raises(PhoneActionError, match="No SIP domain"):
        phone.phone.dial("1001")  # no domain, no registrar: only full addresses work
    assert phone.phone.call_ids == []


@pytest.mark.parametrize(("transport", "text", "uri"), [
    ("udp", "1001", "sip:1001@pbx.example"),
    ("tcp", "+8610655299880", "sip:+8610655299880@pbx.example;transport=tcp"),
    ("udp", "*72#", "sip:*72%23@pbx.example"),
    ("tls", "tel:+1-202-555-0143", "sip:+12025550143@pbx.example;transport=tls"),
    ("udp", "sip:queue@other.example", "sip:queue@other.example"),
])
def test_dial_strings_become_uris_on_the_domain(transport: str, text: str, uri: str) -> None:
    sip = SipSettings(registrar="pbx.example:5060", domain="pbx.example",
                      username="1001", transport=transport)
    assert target_uri(sip, text) == uri


def test_without_a_domain_the_registrar_host_is_used() -> None:
    assert target_uri(SipSettings(registrar="10.0.0.5:5080", username="1001"),
                      "1002") == "sip:1002@10.0.0.5:5080"


def test_the_phone_satisfies_the_port(phone: PhoneHarness) -> None:
    assert isinstance(phone.phone, Softphone)
    assert phone.phone.local_port > 0 and phone.phone.local_address == "127.0.0.1"


def test_only_one_phone_runs_at_a_time(phone: PhoneHarness) -> None:
    second = PjsuaSoftphone(direct_settings(), PhoneSettings(), lambda: None)
    with pytest.raises(EndpointError, match="already running"):
        second.start()
    second.shutdown()  # harmless on a phone that never started


def test_a_burst_of_calls_is_refused_before_pjsua_runs_out_of_sockets(
        phone: PhoneHarness, sipp: SippFactory) -> None:
    callee = sipp.start("builtin:uas", calls=40)
    placed = 0
    with pytest.raises(PhoneActionError, match="Too many calls in a moment"):
        for _ in range(40):  # 40 calls' sockets within 500 ms would abort the process
            call_id = phone.phone.dial(f"sip:2000@{callee.address}")
            phone.wait_event(CallStateChanged, call_id=call_id, state=CallState.CONNECTED)
            phone.phone.hangup(call_id)
            phone.wait_event(CallStateChanged, call_id=call_id, state=CallState.DISCONNECTED)
            placed += 1
    assert 20 <= placed < 32
    phone.settle(0.7)  # the sockets' grace period ends: dialing works again
    call_id = phone.phone.dial(f"sip:2000@{callee.address}")
    phone.wait_event(CallStateChanged, call_id=call_id, state=CallState.CONNECTED)


def test_more_simultaneous_calls_than_pjsua_has_slots_are_refused_in_words(
        phone: PhoneHarness) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # never answers
        silent.bind(("127.0.0.1", 0))
        target = f"sip:2000@127.0.0.1:{silent.getsockname()[1]}"
        calls: list[str] = []
        # pjsua frees a slot a moment after its call ended, so count up to the refusal
        with pytest.raises(PhoneActionError, match=r"too many calls at once \(4 at most\)"):
            for _ in range(MAX_CALLS + 1):
                calls.append(phone.phone.dial(target))
        assert 1 <= len(calls) <= MAX_CALLS
        for call_id in calls:
            phone.phone.hangup(call_id)  # CANCEL before any answer: 487 at once
        phone.wait_for(lambda: not phone.phone.call_ids, "the calls to end")
        ends = phone.find(CallStateChanged, state=CallState.DISCONNECTED)
        assert {(e.code, e.reason) for e in ends} == {(487, "Request Terminated")}
