"""Call transfer against real peers: blind and attended REFER out, REFER in, Replaces."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from agentdesk.core.phone_events import (
    CallState,
    CallStateChanged,
    IncomingCall,
    OutgoingCallStarted,
    TransferProgress,
    TransferRequested,
)
from agentdesk.core.sip_headers import parse_name_addr
from tests.sip.conftest import PhoneHarness
from tests.sip.sipp import SippFactory

pytestmark = pytest.mark.sip


def test_blind_transfer_sends_refer_to_the_target(phone: PhoneHarness, sipp: SippFactory) -> None:
    transferee = sipp.start("uas_refer.xml")
    call_id = phone.connect(transferee.address)

    phone.phone.blind_transfer(call_id, "sip:3000@127.0.0.1:5999")
    done = phone.wait_event(TransferProgress, call_id=call_id, final=True)
    assert done.succeeded and done.code == 200
    phone.phone.hangup(call_id)
    phone.wait_for(lambda: transferee.done, "sipp to finish")
    assert transferee.returncode == 0, transferee.diagnostics()

    (refer,) = transferee.received("REFER")
    assert refer.header("Refer-To") in ("<sip:3000@127.0.0.1:5999>", "sip:3000@127.0.0.1:5999")
    assert "Replaces" not in refer.header("Refer-To")


def test_attended_transfer_refers_with_replaces(phone: PhoneHarness, sipp: SippFactory) -> None:
    transferee = sipp.start("uas_refer.xml")
    target = sipp.start("uas_answer.xml")
    original = phone.connect(transferee.address)
    consult = phone.connect(target.address)

    phone.phone.attended_transfer(original, consult)
    done = phone.wait_event(TransferProgress, call_id=original, final=True)
    assert done.succeeded
    phone.phone.hangup(original)
    phone.phone.hangup(consult)
    phone.wait_for(lambda: transferee.done and target.done, "both sipps to finish")
    assert transferee.returncode == 0, transferee.diagnostics()
    assert target.returncode == 0, target.diagnostics()

    (refer,) = transferee.received("REFER")
    refer_to = unquote(refer.header("Refer-To"))
    consult_invite = target.received("INVITE")[0]
    assert f"127.0.0.1:{target.port}" in refer_to  # the consulted party's contact
    assert f"Replaces={consult_invite.header('Call-ID')};" in refer_to
    assert "to-tag=" in refer_to and "from-tag=" in refer_to


def test_inbound_refer_is_accepted_and_places_the_new_call(
        phone: PhoneHarness, sipp: SippFactory) -> None:
    target = sipp.start("uas_answer.xml")
    transferor = sipp.start("uac_refer.xml", f"127.0.0.1:{phone.phone.local_port}",
                            keys={"target": f"sip:3000@{target.address}"})
    incoming = phone.wait_event(IncomingCall)
    phone.phone.answer(incoming.call_id)

    requested = phone.wait_event(TransferRequested, call_id=incoming.call_id)
    assert requested.target.strip("<>") == f"sip:3000@{target.address}"
    started = phone.wait_event(OutgoingCallStarted, call_id=requested.new_call_id)
    assert started.remote_number == "3000"
    phone.wait_event(CallStateChanged, call_id=requested.new_call_id, state=CallState.CONNECTED)
    # The transferor hangs up once told the new leg is answered.
    phone.wait_event(CallStateChanged, call_id=incoming.call_id, state=CallState.DISCONNECTED)
    phone.wait_for(lambda: transferor.done, "the transferor to finish")
    assert transferor.returncode == 0, transferor.diagnostics()

    phone.phone.hangup(requested.new_call_id)
    phone.wait_for(lambda: target.done, "the target to finish")
    assert target.returncode == 0, target.diagnostics()
    notifies = transferor.received("NOTIFY")
    assert notifies[-1].body.strip().startswith("SIP/2.0 200")
    assert "terminated" in notifies[-1].header("Subscription-State")


def test_invite_with_replaces_takes_over_a_call(phone: PhoneHarness, sipp: SippFactory) -> None:
    first = sipp.start("uac_wait_bye.xml", f"127.0.0.1:{phone.phone.local_port}")
    original = phone.wait_event(IncomingCall)
    phone.phone.answer(original.call_id)
    phone.wait_event(CallStateChanged, call_id=original.call_id, state=CallState.CONNECTED)
    # The dialog as the phone knows it: its own tag is in the To of its 200 OK.
    ok = next(m for m in first.received() if m.status == 200)
    local_tag = parse_name_addr(ok.header("To")).params["tag"]
    remote_tag = parse_name_addr(original.headers.get("from")).params["tag"]
    replaces = f"{original.headers.get('call-id')};to-tag={local_tag};from-tag={remote_tag}"

    second = sipp.start("uac_replaces.xml", f"127.0.0.1:{phone.phone.local_port}",
                        keys={"replaces": replaces})
    takeover = phone.wait_event(IncomingCall, replaces_call_id=original.call_id)
    assert takeover.remote_number == "3000"
    phone.wait_event(CallStateChanged, call_id=original.call_id, state=CallState.DISCONNECTED)
    phone.wait_event(CallStateChanged, call_id=takeover.call_id, state=CallState.CONNECTED)
    phone.wait_event(CallStateChanged, call_id=takeover.call_id, state=CallState.DISCONNECTED)
    phone.wait_for(lambda: first.done and second.done, "both sipps to finish")
    assert first.returncode == 0, first.diagnostics()
    assert second.returncode == 0, second.diagnostics()
