"""Inbound calls from a real peer (sipp as the caller)."""

from __future__ import annotations

import pytest

from agentdesk.core.phone_events import CallState, CallStateChanged, IncomingCall
from tests.sip.conftest import PhoneHarness
from tests.sip.sipp import SippFactory

pytestmark = pytest.mark.sip


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
