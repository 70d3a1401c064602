"""50 calls in a row, then exit: run as a subprocess by test_lifetime.py.

A pjsua abort at exit (`pjsua_call_set_user_data: Assertion call_id>=0`) kills the
process with SIGABRT, which a test can only see from outside. Outbound calls to a
sipp callee, inbound calls from a sipp caller, one call still up at shutdown, and
a PhoneActionError kept past shutdown (its traceback holds a call object).
Prints "calls: N" and exits 0 when all went well.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from agentdesk.core.phone_events import CallState, CallStateChanged, IncomingCall
from agentdesk.core.softphone import PhoneActionError
from tests.sip.conftest import direct_settings, make_harness
from tests.sip.sipp import SippFactory

OUTBOUND = 35
INBOUND = 14  # + 1 left connected at shutdown = 50


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="many-calls-"))
    sipp = SippFactory(workdir)
    harness = make_harness(direct_settings())
    phone = harness.phone
    calls = 0
    kept: list[PhoneActionError] = []
    try:
        callee = sipp.start("builtin:uas", calls=OUTBOUND + 1, timeout_s=90)
        for _ in range(OUTBOUND):
            call_id = phone.dial(f"sip:2000@{callee.address}")
            harness.wait_event(CallStateChanged, call_id=call_id, state=CallState.CONNECTED)
            harness.settle(0.05)  # a very short call, but not a burst (MEDIA_SESSION_BUDGET)
            phone.hangup(call_id)
            harness.wait_event(CallStateChanged, call_id=call_id,
                               state=CallState.DISCONNECTED)
            calls += 1

        def answer(event: object) -> None:
            if isinstance(event, IncomingCall):
                phone.answer(event.call_id)

        phone.subscribe(answer)
        caller = sipp.start("builtin:uac", f"127.0.0.1:{phone.local_port}", calls=INBOUND,
                            extra=["-l", "1", "-r", "10"], timeout_s=60)
        harness.wait_for(lambda: caller.done, "the inbound calls", timeout=60)
        if caller.returncode != 0:
            print(caller.diagnostics(), file=sys.stderr)
            return 2
        calls += len(harness.find(IncomingCall))

        last = phone.dial(f"sip:2000@{callee.address}")
        harness.wait_event(CallStateChanged, call_id=last, state=CallState.CONNECTED)
        calls += 1
        try:
            phone.answer(last)  # wrong state: the error's traceback references the call
        except PhoneActionError as error:
            kept.append(error)
    finally:
        phone.shutdown()  # hangs up `last`, releases everything, destroys the library
        sipp.stop_all()
    print(f"calls: {calls}, live after shutdown: {len(phone.call_ids)}, kept: {len(kept)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
