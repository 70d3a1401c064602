"""FakeSoftphone: the core Softphone port without SIP, for UI and service tests.

It keeps the calls it was asked to make, refuses what a real phone refuses (with the
same PhoneActionError), and emits the events a real phone emits, in the order the
pjsua2 adapter delivers them. The far end is driven by the test through the
`remote_*` / `incoming_call` / `registration_*` methods.

By default events reach listeners before the call that caused them returns, one at
a time: an event a listener causes (CallService hanging up after a transfer) waits
until the current one reached every listener, as in the pjsua2 adapter. With
`deferred=True` they queue until `poll()`, as when pjsua2 reports them from
`libHandleEvents`; tests use it to check that nothing relies on the synchronous order.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from agentdesk.core.phone_events import (
    LIVE_CALL_STATES,
    AudioDeviceChanged,
    CallDirection,
    CallHoldChanged,
    CallMuteChanged,
    CallState,
    CallStateChanged,
    DtmfMethod,
    DtmfReceived,
    IncomingCall,
    OutgoingCallStarted,
    PhoneError,
    PhoneEvent,
    RecordingChanged,
    RegistrationChanged,
    RegistrationState,
    TransferProgress,
    TransferRequested,
)
from agentdesk.core.sip_headers import SipHeaders
from agentdesk.core.softphone import CallQuality, PhoneActionError, PhoneListener

LIVE = LIVE_CALL_STATES
DTMF_DIGITS = set("0123456789*#ABCDabcd")
REASONS = {100: "Trying", 180: "Ringing", 183: "Session Progress", 200: "OK",
           202: "Accepted", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout",
           480: "Temporarily Unavailable", 486: "Busy Here", 487: "Request Terminated",
           503: "Service Unavailable", 603: "Decline"}


@dataclass
class FakeCall:
    call_id: str
    direction: CallDirection
    number: str
    state: CallState
    on_hold: bool = False
    muted: bool = False
    recording: bool = False
    recording_paused: bool = False
    recording_path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    dtmf_sent: list[tuple[str, DtmfMethod | None]] = field(default_factory=list)
    end_code: int = 0


@dataclass(frozen=True)
class Transfer:
    call_id: str
    target: str = ""  # blind transfer: where to
    consult_call_id: str = ""  # attended transfer: the leg that gets replaced


class FakeSoftphone:
    def __init__(self, *, registrar: bool = True, deferred: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._registrar = registrar
        self._deferred = deferred
        self._clock = clock  # stamps connected_at, like the adapter's monotonic clock
        self._listeners: list[PhoneListener] = []
        self._queue: list[PhoneEvent] = []
        self._delivering = False
        self._ids = itertools.count(1)
        self.calls: dict[str, FakeCall] = {}
        self.transfers: list[Transfer] = []
        self.events: list[PhoneEvent] = []  # everything emitted, in order
        self.qualities: dict[str, CallQuality] = {}
        self.started = False
        self.shut_down = False
        self.registration = RegistrationState.DISABLED

    # -- the Softphone port ------------------------------------------------------
    def subscribe(self, listener: PhoneListener) -> None:
        self._listeners.append(listener)

    def start(self) -> None:
        self.started = True
        if self._registrar:
            self.registration = RegistrationState.REGISTERING
            self._emit(RegistrationChanged(RegistrationState.REGISTERING))
        else:
            self._emit(RegistrationChanged(RegistrationState.DISABLED))

    def poll(self, max_ms: int = 0) -> None:
        self._drain()

    def shutdown(self) -> None:
        if self.shut_down:
            return
        for call in list(self.calls.values()):
            if call.state in LIVE:
                self._end(call, 200 if call.state is CallState.CONNECTED else 487)
        if self.registration is RegistrationState.REGISTERED:
            self.registration = RegistrationState.UNREGISTERED
            self._emit(RegistrationChanged(RegistrationState.UNREGISTERED, 200, "OK"))
        self.shut_down = True
        self.poll()

    def reregister(self) -> None:
        if not self._registrar:
            raise PhoneActionError("No registrar is configured: direct calls only.")
        self.registration = RegistrationState.REGISTERING
        self._emit(RegistrationChanged(RegistrationState.REGISTERING))

    def dial(self, uri_or_number: str, headers: Mapping[str, str] | None = None) -> str:
        self._check_running()
        if not uri_or_number.strip():
            raise PhoneActionError("Nothing to dial.")
        call_id = f"call-{next(self._ids)}"
        number = uri_or_number
        if number.lower().startswith(("sip:", "sips:")):
            number = number.split(":", 1)[1].split("@", 1)[0]
        call = FakeCall(call_id, CallDirection.OUTBOUND, number, CallState.DIALING,
                        headers=dict(headers or {}))
        self.calls[call_id] = call
        uri = uri_or_number if ":" in uri_or_number else f"sip:{uri_or_number}@pbx.test"
        self._emit(OutgoingCallStarted(call_id, number, uri))
        self._emit(CallStateChanged(call_id, CallState.DIALING))
        return call_id

    def answer(self, call_id: str) -> None:
        call = self._call(call_id, CallState.RINGING, "Only a ringing call can be answered.")
        self._connect(call)

    def reject(self, call_id: str, code: int = 486) -> None:
        call = self._call(call_id, CallState.RINGING, "Only a ringing call can be rejected.")
        self._end(call, code)

    def hangup(self, call_id: str) -> None:
        call = self._live(call_id)
        if call.state is CallState.CONNECTED:
            code = 200
        elif call.direction is CallDirection.INBOUND:
            code = 603  # pjsua's answer to a ringing call we hang up
        else:
            code = 487  # our CANCEL: the INVITE ends with 487 Request Terminated
        self._end(call, code)

    def hold(self, call_id: str) -> None:
        call = self._call(call_id, CallState.CONNECTED, "Only a connected call can be held.")
        if call.on_hold:
            raise PhoneActionError("The call is already on hold.")
        call.on_hold = True
        self._emit(CallHoldChanged(call_id, True))

    def resume(self, call_id: str) -> None:
        call = self._call(call_id, CallState.CONNECTED, "Only a connected call can be resumed.")
        if not call.on_hold:
            raise PhoneActionError("The call is not on hold.")
        call.on_hold = False
        self._emit(CallHoldChanged(call_id, False))

    def set_mute(self, call_id: str, muted: bool) -> None:
        call = self._live(call_id)
        if call.muted != muted:
            call.muted = muted
            self._emit(CallMuteChanged(call_id, muted))

    def send_dtmf(self, call_id: str, digits: str, method: DtmfMethod | None = None) -> None:
        call = self._call(call_id, CallState.CONNECTED, "Digits can only be sent in a call.")
        if not digits or not set(digits) <= DTMF_DIGITS:
            raise PhoneActionError(f"'{digits}' cannot be sent as DTMF.")
        call.dtmf_sent.append((digits, method))

    def blind_transfer(self, call_id: str, target: str) -> None:
        self._call(call_id, CallState.CONNECTED, "Only a connected call can be transferred.")
        self.transfers.append(Transfer(call_id, target=target))
        self._emit(TransferProgress(call_id, 100, "Trying", final=False))

    def attended_transfer(self, call_id: str, consult_call_id: str) -> None:
        self._call(call_id, CallState.CONNECTED, "Only a connected call can be transferred.")
        self._call(consult_call_id, CallState.CONNECTED,
                   "The person you consulted has not answered yet.")
        self.transfers.append(Transfer(call_id, consult_call_id=consult_call_id))
        self._emit(TransferProgress(call_id, 100, "Trying", final=False))

    def start_recording(self, call_id: str, path: str) -> None:
        call = self._call(call_id, CallState.CONNECTED, "Only a connected call can be recorded.")
        if call.recording:
            raise PhoneActionError("The call is already being recorded.")
        call.recording, call.recording_paused, call.recording_path = True, False, path
        self._emit(RecordingChanged(call_id, True, False, path))

    def pause_recording(self, call_id: str) -> None:
        call = self._recording(call_id)
        call.recording_paused = True
        self._emit(RecordingChanged(call_id, True, True, call.recording_path))

    def resume_recording(self, call_id: str) -> None:
        call = self._recording(call_id)
        call.recording_paused = False
        self._emit(RecordingChanged(call_id, True, False, call.recording_path))

    def stop_recording(self, call_id: str) -> None:
        call = self._recording(call_id)
        call.recording = call.recording_paused = False
        self._emit(RecordingChanged(call_id, False, False, call.recording_path))

    def quality(self, call_id: str) -> CallQuality | None:
        call = self.calls.get(call_id)
        if call is None or call.state is not CallState.CONNECTED:
            return None
        return self.qualities.get(call_id)

    # -- the far end, driven by tests ----------------------------------------------
    def incoming_call(self, number: str = "+8613800138000", name: str = "",
                      headers: Mapping[str, str] | None = None) -> str:
        self._check_running()
        call_id = f"call-{next(self._ids)}"
        pairs = [("From", f'"{name}" <sip:{number}@pbx.test>'), *(headers or {}).items()]
        self.calls[call_id] = FakeCall(call_id, CallDirection.INBOUND, number,
                                       CallState.RINGING, headers=dict(pairs))
        self._emit(IncomingCall(call_id, number, name, SipHeaders.from_pairs(pairs),
                                request_uri="sip:1001@pbx.test"))
        return call_id

    def remote_ringing(self, call_id: str, code: int = 180) -> None:
        call = self._call(call_id, CallState.DIALING, "not dialing")
        call.state = CallState.EARLY
        self._emit(CallStateChanged(call_id, CallState.EARLY, code, REASONS.get(code, "")))

    def remote_answer(self, call_id: str) -> None:
        call = self._live(call_id)
        if call.direction is not CallDirection.OUTBOUND or call.state is CallState.CONNECTED:
            raise AssertionError(f"{call_id} is not an outbound call being set up")
        self._connect(call)

    def remote_reject(self, call_id: str, code: int = 486) -> None:
        call = self._live(call_id)
        if call.state is CallState.CONNECTED:
            raise AssertionError(f"{call_id} is connected; use remote_hangup")
        self._end(call, code)

    def remote_hangup(self, call_id: str) -> None:
        call = self._live(call_id)
        self._end(call, 200 if call.state is CallState.CONNECTED else 487)

    def went_silent(self, call_id: str, cause: str = "media_timeout") -> None:
        """The adapter ended a connected call itself: the far end went silent (no RTP
        or RTCP) or stopped refreshing the session (RFC 4028)."""
        call = self._call(call_id, CallState.CONNECTED, "not connected")
        call.state = CallState.DISCONNECTED
        call.end_code = 408
        self._emit(CallStateChanged(call_id, CallState.DISCONNECTED, 408,
                                    "Media timeout", cause=cause))

    def remote_dtmf(self, call_id: str, digit: str) -> None:
        self._call(call_id, CallState.CONNECTED, "not connected")
        self._emit(DtmfReceived(call_id, digit))

    def remote_refer(self, call_id: str, target: str) -> str:
        """The far end transfers us: pjsua2 accepts the REFER and dials the target."""
        self._call(call_id, CallState.CONNECTED, "not connected")
        new_id = f"call-{next(self._ids)}"
        self._emit(TransferRequested(call_id, target, new_id))
        number = target.split(":", 1)[-1].split("@", 1)[0]
        self.calls[new_id] = FakeCall(new_id, CallDirection.OUTBOUND, number, CallState.DIALING)
        self._emit(OutgoingCallStarted(new_id, number, target))
        self._emit(CallStateChanged(new_id, CallState.DIALING))
        return new_id

    def transfer_result(self, call_id: str, code: int = 200) -> None:
        """The NOTIFY that ends a transfer we started on `call_id`."""
        transfer = next(t for t in reversed(self.transfers) if t.call_id == call_id)
        ok = 200 <= code < 300
        self._emit(TransferProgress(call_id, code, REASONS.get(code, ""), final=True,
                                    succeeded=ok))
        consult = self.calls.get(transfer.consult_call_id)
        if ok and consult is not None and consult.state in LIVE:
            # The target took the INVITE with Replaces and drops our consult leg.
            self._end(consult, 200)

    def registration_result(self, code: int, reason: str | None = None,
                            retry_in_s: float | None = None) -> None:
        reason = REASONS.get(code, "") if reason is None else reason
        if 200 <= code < 300:
            self.registration = RegistrationState.REGISTERED
            self._emit(RegistrationChanged(RegistrationState.REGISTERED, code, reason, 300))
        else:
            self.registration = RegistrationState.FAILED
            self._emit(RegistrationChanged(RegistrationState.FAILED, code, reason,
                                           retry_in_s=retry_in_s))

    def audio_device_lost(self, direction: str, lost: str, fallback: str) -> None:
        self._emit(AudioDeviceChanged(direction, fallback, fell_back=True, lost_device=lost))

    def phone_error(self, message: str, call_id: str | None = None) -> None:
        self._emit(PhoneError(message, call_id))

    # -- helpers -------------------------------------------------------------------
    def live_calls(self) -> list[FakeCall]:
        return [call for call in self.calls.values() if call.state in LIVE]

    def _connect(self, call: FakeCall) -> None:
        call.state = CallState.CONNECTING
        self._emit(CallStateChanged(call.call_id, CallState.CONNECTING, 200, "OK"))
        call.state = CallState.CONNECTED
        self._emit(CallStateChanged(call.call_id, CallState.CONNECTED, 200, "OK",
                                    connected_at=self._clock()))

    def _end(self, call: FakeCall, code: int) -> None:
        if call.recording:  # the recorder closes its WAV before the call goes away
            call.recording = call.recording_paused = False
            self._emit(RecordingChanged(call.call_id, False, False, call.recording_path))
        call.state = CallState.DISCONNECTED
        call.end_code = code
        reason = "Normal call clearing" if code == 200 else REASONS.get(code, "")
        self._emit(CallStateChanged(call.call_id, CallState.DISCONNECTED, code, reason))

    def _check_running(self) -> None:
        if self.shut_down:
            raise PhoneActionError("The phone has been shut down.")

    def _live(self, call_id: str) -> FakeCall:
        call = self.calls.get(call_id)
        if call is None or call.state not in LIVE:
            raise PhoneActionError("That call has already ended.")
        return call

    def _call(self, call_id: str, state: CallState, message: str) -> FakeCall:
        call = self._live(call_id)
        if call.state is not state:
            raise PhoneActionError(message)
        return call

    def _recording(self, call_id: str) -> FakeCall:
        call = self._live(call_id)
        if not call.recording:
            raise PhoneActionError("The call is not being recorded.")
        return call

    def _emit(self, event: PhoneEvent) -> None:
        self.events.append(event)
        self._queue.append(event)
        if not self._deferred:
            self._drain()

    def _drain(self) -> None:
        # Like the adapter, never re-enter listeners: an event caused by a listener
        # (CallService hanging up after a transfer) is delivered after the current one.
        if self._delivering:
            return
        self._delivering = True
        try:
            while self._queue:
                event = self._queue.pop(0)
                for listener in list(self._listeners):
                    listener(event)
        finally:
            self._delivering = False
