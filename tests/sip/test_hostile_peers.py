"""Peers of every kind (issue 18): secure media (SDES), reliable provisional responses,
session timers and the media watchdog's exemptions, with real sipp on 127.0.0.1.

Each test builds its own phone (settings differ), so none runs beside module_phone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from agentdesk.core.phone_events import CallState, CallStateChanged, IncomingCall
from agentdesk.core.settings import PhoneSettings
from agentdesk.sip.account import SESSION_MIN_SE_S
from agentdesk.ui.display_text import dead_call_text
from tests.sip.conftest import PhoneHarness, direct_settings, make_harness
from tests.sip.sipp import SippFactory, SippRun

pytestmark = pytest.mark.sip

PLAIN_AUDIO = "      m=audio [media_port] RTP/AVP 0\n      a=rtpmap:0 PCMU/8000\n"
SDES_AUDIO = ("      m=audio [media_port] RTP/SAVP 0\n      a=rtpmap:0 PCMU/8000\n"
              "      a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
              "inline:URF7iv+U7XFsqiWMmPYMPOuIqz3qjQjmLW/qP5+x\n")


@pytest.fixture
def harnesses() -> Iterator[list[PhoneHarness]]:
    made: list[PhoneHarness] = []
    yield made
    for harness in made:
        harness.hang_up_everything()
        harness.phone.shutdown()


@pytest.fixture
def new_phone(harnesses: list[PhoneHarness]):
    def make(phone_settings: PhoneSettings | None = None, **sip: Any) -> PhoneHarness:
        harness = make_harness(direct_settings(**sip), phone_settings=phone_settings)
        harnesses.append(harness)
        return harness
    return make


def call_in(phone: PhoneHarness, sipp: SippFactory, scenario: str,
            fill: dict[str, str]) -> SippRun:
    return sipp.start(scenario, f"127.0.0.1:{phone.phone.local_port}", fill=fill,
                      extra=["-s", "1001"])


def answer_and_finish(phone: PhoneHarness, caller: SippRun) -> str:
    incoming = phone.wait_event(IncomingCall)
    phone.phone.answer(incoming.call_id)
    phone.wait_event(CallStateChanged, call_id=incoming.call_id, state=CallState.CONNECTED)
    phone.wait_for(lambda: caller.done, "sipp to finish", 15)
    assert caller.returncode == 0, caller.diagnostics()
    return incoming.call_id


def final_response(caller: SippRun, code: int):
    return next(m for m in caller.received() if m.status == code)


def no_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


# -- secure media (SDES) ------------------------------------------------------------
@pytest.mark.parametrize("mode", ["optional", "mandatory"])
def test_an_sdes_offer_is_answered_with_keys_of_our_own(new_phone, sipp, caplog, mode):
    phone = new_phone(srtp=mode)
    caller = call_in(phone, sipp, "uac_offer_answered.xml", {PLAIN_AUDIO: SDES_AUDIO})
    answer_and_finish(phone, caller)
    answer = final_response(caller, 200).body
    assert "m=audio" in answer and "RTP/SAVP" in answer
    assert "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" in answer
    assert "URF7iv" not in answer  # our own key, not an echo of the caller's
    assert no_errors(caplog) == []


def test_optional_srtp_still_takes_a_plain_call(new_phone, sipp):
    phone = new_phone(srtp="optional")
    caller = call_in(phone, sipp, "uac_offer_answered.xml", {})
    answer_and_finish(phone, caller)
    answer = final_response(caller, 200).body
    assert "RTP/AVP" in answer and "a=crypto" not in answer


def test_mandatory_srtp_refuses_a_plain_call_with_488(new_phone, sipp, caplog):
    phone = new_phone(srtp="mandatory")
    caller = call_in(phone, sipp, "uac_offer_refused.xml", {"CODE": "488"})
    phone.wait_for(lambda: caller.done, "sipp to finish", 15)
    assert caller.returncode == 0, caller.diagnostics()
    assert not phone.find(IncomingCall)  # nothing rang
    assert no_errors(caplog) == []


# -- reliable provisional responses (100rel, PRACK) -----------------------------------
def test_a_caller_requiring_100rel_gets_a_reliable_183_with_the_answer(new_phone, sipp,
                                                                       caplog):
    phone = new_phone()  # reliable_provisional = "supported"
    caller = call_in(phone, sipp, "uac_prack.xml", {})
    incoming = phone.wait_event(IncomingCall)
    phone.wait_for(lambda: any(m.method == "PRACK" for m in caller.messages()
                               if m.direction == "sent"), "the caller's PRACK")
    phone.settle(0.3)
    call = phone.phone._calls[incoming.call_id]
    assert call.media is None  # early media agreed, but nothing connected before answer
    phone.phone.answer(incoming.call_id)
    phone.wait_event(CallStateChanged, call_id=incoming.call_id, state=CallState.CONNECTED)
    assert call.media is not None  # answered: now the audio is connected
    phone.wait_for(lambda: caller.done, "sipp to finish", 15)
    assert caller.returncode == 0, caller.diagnostics()
    progress = final_response(caller, 183)
    assert progress.header("RSeq") and "100rel" in progress.header("Require")
    assert "m=audio" in progress.body
    assert no_errors(caplog) == []


def test_with_100rel_off_a_caller_that_requires_it_gets_420(new_phone, sipp):
    phone = new_phone(reliable_provisional="off")
    caller = call_in(phone, sipp, "uac_offer_refused.xml",
                     {"CODE": "420", "X-Extra: none": "Require: 100rel"})
    phone.wait_for(lambda: caller.done, "sipp to finish", 15)
    assert caller.returncode == 0, caller.diagnostics()
    assert "100rel" in final_response(caller, 420).header("Unsupported")


def test_with_100rel_required_a_caller_without_it_gets_421(new_phone, sipp):
    phone = new_phone(reliable_provisional="required")
    caller = call_in(phone, sipp, "uac_offer_refused.xml", {"CODE": "421"})
    phone.wait_for(lambda: caller.done, "sipp to finish", 15)
    assert caller.returncode == 0, caller.diagnostics()
    assert "100rel" in final_response(caller, 421).header("Require")


# -- session timers (RFC 4028) ---------------------------------------------------------
TIMER = "Supported: timer\n      Session-Expires: 1800"


@pytest.mark.parametrize(("mode", "negotiated"), [("optional", True), ("off", False)])
def test_session_timers_are_negotiated_unless_off(new_phone, sipp, mode, negotiated):
    phone = new_phone(session_timer=mode)
    caller = call_in(phone, sipp, "uac_offer_answered.xml", {"X-Extra: none": TIMER})
    answer_and_finish(phone, caller)
    expires = final_response(caller, 200).header("Session-Expires")
    assert bool(expires) is negotiated, expires
    if negotiated:
        assert expires.startswith("1800")


def test_required_session_timers_refuse_a_caller_without_them(new_phone, sipp):
    phone = new_phone(session_timer="required")
    caller = call_in(phone, sipp, "uac_offer_refused.xml", {"CODE": "421"})
    phone.wait_for(lambda: caller.done, "sipp to finish", 15)
    assert caller.returncode == 0, caller.diagnostics()
    assert "timer" in final_response(caller, 421).header("Require")


@pytest.mark.slow
def test_a_session_the_caller_never_refreshes_is_ended_and_the_agent_told_why(
        new_phone, sipp, caplog):
    # RFC 4028: the caller is the refresher at pjsip's smallest interval (Min-SE 90 s);
    # it never refreshes, so the phone ends the call before the session expires, at
    # 90 - min(32, 90 / 3) = 60 s. Media flows all along (sipp echoes it): only the
    # session timer can end this call.
    phone = new_phone()
    started = time.monotonic()
    caller = sipp.start("uac_session_expires.xml", f"127.0.0.1:{phone.phone.local_port}",
                        fill={"SESSION_EXPIRES": str(SESSION_MIN_SE_S),
                              "BYE_TIMEOUT_MS": "75000"},
                        extra=["-s", "1001"], rtp_echo=True, timeout_s=90)
    call_id = phone.wait_event(IncomingCall).call_id
    phone.phone.answer(call_id)
    phone.wait_event(CallStateChanged, call_id=call_id, state=CallState.CONNECTED)
    ended = phone.wait_event(CallStateChanged, 80, call_id=call_id,
                             state=CallState.DISCONNECTED)
    ended_after = time.monotonic() - started
    assert (ended.cause, ended.code) == ("session_timer", 408)
    assert 55 <= ended_after <= 70, ended_after
    phone.wait_for(lambda: caller.done, "sipp to finish", 10)
    assert caller.returncode == 0, caller.diagnostics()  # our BYE, no refresh of ours
    assert "SIP session timer" in dead_call_text(ended.cause, 30)  # what the agent reads
    assert no_errors(caplog) == []


# -- the media watchdog's exemptions ---------------------------------------------------
def test_a_call_with_media_flowing_outlives_the_media_timeout(new_phone, sipp):
    phone = new_phone(PhoneSettings(media_timeout_s=5))
    caller = sipp.start("uac_offer_answered.xml", f"127.0.0.1:{phone.phone.local_port}",
                        fill={'<pause milliseconds="1000"/>': '<pause milliseconds="8000"/>'},
                        extra=["-s", "1001"], rtp_echo=True)  # our RTP comes back
    call_id = phone.wait_event(IncomingCall).call_id
    phone.phone.answer(call_id)
    ended = phone.wait_event(CallStateChanged, 15, call_id=call_id,
                             state=CallState.DISCONNECTED)
    assert ended.cause == ""  # the caller's BYE after 8 s, not the watchdog
    phone.wait_for(lambda: caller.done, "sipp to finish", 5)
    assert caller.returncode == 0, caller.diagnostics()


def test_a_held_call_is_exempt_and_the_watch_starts_again_on_resume(new_phone, sipp):
    phone = new_phone(PhoneSettings(media_timeout_s=5))
    callee = sipp.start("uas_hold.xml")  # sends no RTP at all
    call_id = phone.connect(callee.address)
    phone.phone.hold(call_id)
    phone.settle(7)  # silent, but held: exempt
    assert call_id in phone.phone.call_ids
    phone.phone.resume(call_id)
    ended = phone.wait_event(CallStateChanged, 9, call_id=call_id,
                             state=CallState.DISCONNECTED)
    assert (ended.cause, ended.code) == ("media_timeout", 408)
    phone.wait_for(lambda: callee.done, "sipp to finish", 5)
    assert callee.returncode == 0, callee.diagnostics()
    bye = callee.received("BYE")[0]
    assert "cause=408" in bye.header("Reason")


def test_an_update_offer_in_the_early_dialog_is_answered_before_the_call_is(
        new_phone, sipp, caplog):
    phone = new_phone()
    caller = call_in(phone, sipp, "uac_prack_update.xml", {})
    incoming = phone.wait_event(IncomingCall)
    phone.wait_for(lambda: any(m.method == "UPDATE" for m in caller.messages()
                               if m.direction == "sent"), "the caller's UPDATE")
    phone.settle(0.3)
    assert phone.phone._calls[incoming.call_id].media is None  # still not answered
    phone.phone.answer(incoming.call_id)
    phone.wait_event(CallStateChanged, call_id=incoming.call_id, state=CallState.CONNECTED)
    phone.wait_for(lambda: caller.done, "sipp to finish", 15)
    assert caller.returncode == 0, caller.diagnostics()  # the UPDATE got a=sendonly
    assert no_errors(caplog) == []


def test_an_outbound_call_with_reliable_early_media_is_pracked_and_heard(
        new_phone, sipp, caplog):
    phone = new_phone()
    callee = sipp.start("uas_early_media.xml")
    call_id = phone.phone.dial(f"sip:2000@{callee.address}")
    early = phone.wait_event(CallStateChanged, call_id=call_id, state=CallState.EARLY)
    assert early.code == 183
    phone.wait_event(CallStateChanged, call_id=call_id, state=CallState.CONNECTED)
    phone.phone.hangup(call_id)
    phone.wait_for(lambda: callee.done, "sipp to finish", 10)
    assert callee.returncode == 0, callee.diagnostics()  # it got our PRACK (RAck: 1 <cseq> INVITE)
    assert callee.received("PRACK")
    assert no_errors(caplog) == []


DTLS_AUDIO = ("      m=audio [media_port] UDP/TLS/RTP/SAVP 0\n      a=rtpmap:0 PCMU/8000\n"
              "      a=setup:actpass\n      a=fingerprint:SHA-256 7A:89:37:BC:1E:DF:7A:81:86"
              ":71:E7:D9:10:6D:AD:2C:26:12:63:FF:00:31:81:52:82:E0:63:2A:23:47:A4:05\n")


@pytest.mark.parametrize("mode", ["optional", "mandatory"])
def test_a_dtls_srtp_offer_is_refused_and_the_phone_lives_on(new_phone, sipp, caplog, mode):
    # pjsua 2.15.1 segfaulted here once the app had taken the call (see pjsua_phone).
    phone = new_phone(srtp=mode)
    caller = call_in(phone, sipp, "uac_offer_refused.xml", {PLAIN_AUDIO: DTLS_AUDIO,
                                                            "CODE": "480"})
    phone.wait_for(lambda: caller.done, "sipp to finish", 15)
    assert caller.returncode == 0, caller.diagnostics()
    assert not phone.find(IncomingCall)
    caller = call_in(phone, sipp, "uac_offer_answered.xml", {PLAIN_AUDIO: SDES_AUDIO})
    answer_and_finish(phone, caller)  # the next (SDES) call is taken as usual
    assert no_errors(caplog) == []
