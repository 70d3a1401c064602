"""The Softphone port: what the rest of agentdesk may ask of a phone.

`agentdesk.sip` implements it with pjsua2; tests use a fake with the same surface.
Every method is called on the GUI thread and returns quickly; results arrive later as
events (see phone_events.py) to the listeners given to `subscribe`. Methods that
cannot act (unknown call id, wrong state) raise `PhoneActionError` with a message fit
for the agent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from agentdesk.core.phone_events import DtmfMethod, PhoneEvent

PhoneListener = Callable[[PhoneEvent], None]


class PhoneActionError(RuntimeError):
    """A call action could not be done; str(error) is shown to the agent."""


@dataclass(frozen=True, slots=True)
class CallQuality:
    """Receive-side quality of one call's audio stream."""

    jitter_ms: float
    loss_percent: float
    rtt_ms: float
    mos: float  # estimated with the simplified E-model (see core/call_quality.py)
    codec: str = ""


@runtime_checkable
class Softphone(Protocol):
    def subscribe(self, listener: PhoneListener) -> None: ...

    def start(self) -> None:
        """Create transports and (if configured) start registering."""

    def poll(self, max_ms: int = 0) -> None:
        """Run pending SIP work; the app calls this from a timer on the GUI thread."""

    def shutdown(self) -> None:
        """Hang up everything, un-REGISTER and release the SIP stack. Idempotent."""

    def reregister(self) -> None: ...

    def dial(self, uri_or_number: str, headers: Mapping[str, str] | None = None) -> str:
        """Place a call to a SIP URI or a dial string; returns the new call id."""

    def answer(self, call_id: str) -> None: ...

    def reject(self, call_id: str, code: int = 486) -> None:
        """Refuse a ringing call: 486 Busy Here, 603 Decline, ..."""

    def hangup(self, call_id: str) -> None: ...

    def hold(self, call_id: str) -> None: ...

    def resume(self, call_id: str) -> None: ...

    def set_mute(self, call_id: str, muted: bool) -> None: ...

    def send_dtmf(self, call_id: str, digits: str, method: DtmfMethod | None = None) -> None: ...

    def blind_transfer(self, call_id: str, target: str) -> None: ...

    def attended_transfer(self, call_id: str, consult_call_id: str) -> None:
        """REFER `call_id` to the party of `consult_call_id` (Refer-To with Replaces)."""

    def start_recording(self, call_id: str, path: str) -> None: ...

    def pause_recording(self, call_id: str) -> None: ...

    def resume_recording(self, call_id: str) -> None: ...

    def stop_recording(self, call_id: str) -> None: ...

    def quality(self, call_id: str) -> CallQuality | None: ...
