"""What the softphone reports: frozen events, delivered on the GUI thread.

The sip adapter turns pjsua2 callbacks into these; the Qt bridge re-emits them as
signals. They carry plain values only, so any layer may hold on to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from agentdesk.core.sip_headers import SipHeaders


class RegistrationState(Enum):
    DISABLED = "disabled"  # no registrar configured: direct calls only
    REGISTERING = "registering"
    REGISTERED = "registered"
    FAILED = "failed"
    UNREGISTERED = "unregistered"


class CallDirection(Enum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallState(Enum):
    RINGING = "ringing"  # inbound, not yet answered
    DIALING = "dialing"  # outbound, INVITE sent, nothing heard back yet
    EARLY = "early"  # outbound, 18x received: ringback or early media
    CONNECTING = "connecting"  # answered, waiting for ACK / media
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


LIVE_CALL_STATES = (CallState.RINGING, CallState.DIALING, CallState.EARLY,
                    CallState.CONNECTING, CallState.CONNECTED)
"""Every state of a call that has not ended."""


class DtmfMethod(Enum):
    RFC4733 = "rfc4733"
    SIP_INFO = "sip_info"


@dataclass(frozen=True, slots=True)
class RegistrationChanged:
    state: RegistrationState
    code: int = 0  # last SIP status code, 0 when none
    reason: str = ""  # e.g. "Forbidden" for 403; shown to the agent next to the code
    expires_s: int = 0
    retry_in_s: float | None = None  # when a failed registration will be retried


@dataclass(frozen=True, slots=True)
class IncomingCall:
    call_id: str
    remote_number: str  # user part of P-Asserted-Identity, else From
    remote_name: str  # display name, possibly empty; can be long and hostile
    headers: SipHeaders  # the INVITE's headers, for the screen pop
    request_uri: str = ""
    replaces_call_id: str | None = None  # set when this INVITE replaces one of our calls


@dataclass(frozen=True, slots=True)
class OutgoingCallStarted:
    call_id: str
    remote_number: str
    remote_uri: str


@dataclass(frozen=True, slots=True)
class CallStateChanged:
    call_id: str
    state: CallState
    code: int = 0  # last SIP status code (e.g. 486 on busy)
    reason: str = ""  # SIP reason phrase of that code
    connected_at: float | None = None  # monotonic seconds when it connected
    # Why the phone itself ended a connected call: "" (the usual reasons: code and
    # reason say it), "media_timeout" (the far end went silent) or "session_timer"
    # (the far end stopped refreshing the SIP session, RFC 4028).
    cause: str = ""


@dataclass(frozen=True, slots=True)
class CallHoldChanged:
    call_id: str
    on_hold: bool  # we put the remote on hold (a=sendonly sent)


@dataclass(frozen=True, slots=True)
class CallMuteChanged:
    call_id: str
    muted: bool


@dataclass(frozen=True, slots=True)
class DtmfReceived:
    call_id: str
    digit: str


@dataclass(frozen=True, slots=True)
class TransferProgress:
    call_id: str
    code: int  # status of the transferred leg as NOTIFY reports it
    reason: str
    final: bool
    succeeded: bool = False


@dataclass(frozen=True, slots=True)
class TransferRequested:
    """The remote party sent us a REFER; it was accepted and a new call is placed."""

    call_id: str
    target: str
    new_call_id: str


@dataclass(frozen=True, slots=True)
class RecordingChanged:
    call_id: str
    recording: bool
    paused: bool
    path: str


@dataclass(frozen=True, slots=True)
class AudioDeviceChanged:
    """A chosen device went away (or came back) and audio moved to another one."""

    direction: str  # "input" | "output"
    device: str  # human-readable name of the device now in use
    fell_back: bool  # True when the chosen device vanished and the default took over
    lost_device: str = ""


@dataclass(frozen=True, slots=True)
class PhoneError:
    """Something the agent must be told about that is not tied to a call state."""

    message: str
    call_id: str | None = None
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WaitingCallOffered:
    """A call that rang while the agent was on another is offered again: the line is
    free (the other call ended). The CallService raises it, not the phone; `incoming`
    is the call's own IncomingCall, for the notice."""

    call_id: str
    incoming: IncomingCall


PhoneEvent = (
    RegistrationChanged
    | IncomingCall
    | OutgoingCallStarted
    | CallStateChanged
    | CallHoldChanged
    | CallMuteChanged
    | DtmfReceived
    | TransferProgress
    | TransferRequested
    | RecordingChanged
    | AudioDeviceChanged
    | PhoneError
    | WaitingCallOffered
)
