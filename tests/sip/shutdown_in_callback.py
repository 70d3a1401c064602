"""A signal handler that shuts the phone down, run inside a pjsua callback.

Run as a subprocess by test_lifetime.py (getting it wrong aborts the process). This is
what the seat meets on SIGTERM just after a call ends: Python runs the handler at the
next bytecode of the main thread, here inside onCallState(DISCONNECTED), which pjsua
calls in the middle of handling the BYE, holding its locks. The handler's shutdown()
must only be noted there, and be carried out once libHandleEvents has returned.
The phone has an AudioBridge, as the seat has.
Prints "inside: stopped=False; after poll: stopped=True" and exits 0 when all is well.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from pathlib import Path

from agentdesk.core.phone_events import CallState, CallStateChanged, IncomingCall, PhoneEvent
from agentdesk.sip.audio_bridge import AudioBridge
from tests.sip.conftest import direct_settings, make_harness
from tests.sip.sipp import SippFactory


def main() -> int:
    sipp = SippFactory(Path(tempfile.mkdtemp(prefix="shutdown-in-callback-")))
    harness = make_harness(direct_settings(), audio=AudioBridge())
    phone = harness.phone
    seen_inside: list[bool] = []
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: phone.shutdown())
    queue_event = phone.emit

    def emit(event: PhoneEvent) -> None:  # called from inside onCallState
        queue_event(event)
        if isinstance(event, CallStateChanged) and event.state is CallState.DISCONNECTED:
            os.kill(os.getpid(), signal.SIGUSR1)  # the handler runs before the next line
            seen_inside.append(phone.stopped)

    phone.emit = emit  # type: ignore[method-assign]

    def answer(event: PhoneEvent) -> None:
        if isinstance(event, IncomingCall):
            phone.answer(event.call_id)

    phone.subscribe(answer)
    try:
        sipp.start("builtin:uac", f"127.0.0.1:{phone.local_port}", calls=1,
                   extra=["-d", "300"], timeout_s=20)
        harness.wait_for(lambda: phone.stopped, "the phone to stop", timeout=15)
    finally:
        phone.shutdown()
        sipp.stop_all()
    print(f"inside: stopped={seen_inside[0] if seen_inside else None}; "
          f"after poll: stopped={phone.stopped}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
