"""DTMF both ways, by RFC 4733 (RTP events) and by SIP INFO, against a real peer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentdesk.core.phone_events import DtmfMethod, DtmfReceived
from tests.sip.conftest import PhoneHarness
from tests.sip.rtp import RtpPeer
from tests.sip.sipp import SippFactory

pytestmark = pytest.mark.sip


def test_dtmf_rfc4733_and_sip_info_both_ways(phone: PhoneHarness, sipp: SippFactory) -> None:
    peer = RtpPeer()
    try:
        callee = sipp.start("uas_dtmf.xml", fill={"m=audio [media_port]": f"m=audio {peer.port}"})
        call_id = phone.connect(callee.address)

        def pumped(predicate: Callable[[], bool]) -> Callable[[], bool]:
            def check() -> bool:
                peer.tick()
                return predicate()
            return check

        # RFC 4733: the digits arrive as telephone-events on the negotiated type.
        phone.phone.send_dtmf(call_id, "1#9", DtmfMethod.RFC4733)
        phone.wait_for(pumped(lambda: peer.digits == "1#9"), "the peer to get 1#9 as RTP events")
        invite = callee.received("INVITE")[0]
        offered = [line.split()[0].split(":")[1] for line in invite.body.splitlines()
                   if "telephone-event/8000" in line]
        assert offered, invite.body  # the type sipp echoed in its answer (121 in 2.15)

        # ... and the peer's events reach the app.
        peer.send_digit("4", int(offered[0]))
        assert phone.wait_event(DtmfReceived, call_id=call_id, digit="4")

        # SIP INFO: one INFO per digit, application/dtmf-relay with Signal=.
        phone.phone.send_dtmf(call_id, "5*", DtmfMethod.SIP_INFO)
        assert phone.wait_event(DtmfReceived, call_id=call_id, digit="7")  # sipp's INFO
        infos = callee.received("INFO")
        assert [i.header("Content-Type") for i in infos] == ["application/dtmf-relay"] * 2
        assert [i.body.splitlines()[0].strip() for i in infos] == ["Signal=5", "Signal=*"]
        assert peer.digits == "1#9"  # INFO digits did not also go in-band

        phone.phone.hangup(call_id)
        phone.wait_for(lambda: callee.done, "sipp to finish")
        assert callee.returncode == 0, callee.diagnostics()
    finally:
        peer.close()
