"""The agent's phone lines and the rules around them, over the Softphone port.

It keeps one `CallLine` per live call from the phone's events, then passes each event
on to its own listeners (the Qt bridge), so a widget that reacts to an event always
sees lines that already reflect it. The policies live here, not in the widgets or
the SIP adapter: answering a second call holds the first, auto-answer, the consult
leg of an attended transfer, and an extension typed after a number sent as DTMF.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from agentdesk.core.dial_numbers import DialTarget, normalize_dial_string
from agentdesk.core.phone_events import (
    LIVE_CALL_STATES,
    CallDirection,
    CallHoldChanged,
    CallMuteChanged,
    CallState,
    CallStateChanged,
    DtmfMethod,
    IncomingCall,
    OutgoingCallStarted,
    PhoneEvent,
    RecordingChanged,
    RegistrationChanged,
    RegistrationState,
    TransferProgress,
    TransferRequested,
    WaitingCallOffered,
)
from agentdesk.core.settings import PhoneSettings
from agentdesk.core.sip_headers import SipHeaders
from agentdesk.core.softphone import PhoneActionError, PhoneListener, Softphone

log = logging.getLogger(__name__)

Cancel = Callable[[], None]
Scheduler = Callable[[float, Callable[[], None]], Cancel]
"""schedule(delay_s, fn) runs fn later on the same thread and returns a canceller."""



@dataclass(frozen=True, slots=True)
class CallLine:
    call_id: str
    direction: CallDirection
    number: str
    name: str = ""
    state: CallState = CallState.DIALING
    on_hold: bool = False
    muted: bool = False
    recording: bool = False
    recording_paused: bool = False
    started_at: float = field(default_factory=time.monotonic)
    connected_at: float | None = None
    headers: SipHeaders = field(default_factory=SipHeaders)
    consult_for: str | None = None  # this is the consult leg of an attended transfer
    last_code: int = 0
    last_reason: str = ""

    @property
    def live(self) -> bool:
        return self.state in LIVE_CALL_STATES


class CallService:
    def __init__(self, phone: Softphone, settings: PhoneSettings, schedule: Scheduler,
                 recordings_dir: Path | None = None) -> None:
        self._phone = phone
        self._settings = settings
        self._schedule = schedule
        self._recordings_dir = recordings_dir
        self._lines: dict[str, CallLine] = {}
        self._listeners: list[PhoneListener] = []
        self._pending_extension: dict[str, str] = {}
        self._auto_answer: dict[str, Cancel] = {}
        self._admission: Callable[[IncomingCall], int | None] | None = None
        self._turned_away: set[str] = set()  # calls refused by the admission gate
        # Call waiting: each ringing call's IncomingCall (for its notice when offered
        # again) and the calls already offered on a free line (see _offer_waiting_call).
        self._incoming: dict[str, IncomingCall] = {}
        self._offered: set[str] = set()
        self.registration = RegistrationChanged(RegistrationState.DISABLED)
        phone.subscribe(self._on_phone_event)

    # -- state -------------------------------------------------------------------
    def subscribe(self, listener: PhoneListener) -> None:
        self._listeners.append(listener)

    def set_admission(self, gate: Callable[[IncomingCall], int | None] | None) -> None:
        """Who may ring this agent: the gate returns a SIP status to refuse the call
        with (486 when the agent is not ready), or None to let it ring.

        A refused call never becomes a line and its events reach no listener: to the
        agent it did not happen; to the ACD it was busy and goes to another agent."""
        self._admission = gate

    @property
    def lines(self) -> list[CallLine]:
        return [line for line in self._lines.values() if line.live]

    def line(self, call_id: str) -> CallLine | None:
        return self._lines.get(call_id)

    def active_line(self) -> CallLine | None:
        """The call the agent is talking on (or the one ringing, when none is)."""
        lines = list(reversed(self.lines))
        preferences: tuple[Callable[[CallLine], bool], ...] = (
            lambda x: x.state is CallState.CONNECTED and not x.on_hold,
            lambda x: x.state in (CallState.DIALING, CallState.EARLY, CallState.CONNECTING),
            lambda x: x.state is CallState.RINGING,
            lambda x: x.state is CallState.CONNECTED,
        )
        for wanted in preferences:
            for line in lines:
                if wanted(line):
                    return line
        return None

    def update_settings(self, settings: PhoneSettings) -> None:
        self._settings = settings

    # -- actions -----------------------------------------------------------------
    def dial(self, text: str, headers: dict[str, str] | None = None) -> str:
        """Normalize what the agent typed and dial it. Raises InvalidNumberError."""
        target = self.dial_target(text)
        for line in self.lines:  # a new outbound call holds the one we are talking on
            if line.state is CallState.CONNECTED and not line.on_hold:
                self._phone.hold(line.call_id)
        call_id = self._phone.dial(target.dial_string, headers)
        if target.extension:
            self._pending_extension[call_id] = target.extension
        return call_id

    def dial_target(self, text: str) -> DialTarget:
        return normalize_dial_string(text, self._settings.default_region,
                                     self._settings.dial_prefix)

    def answer(self, call_id: str) -> None:
        self._cancel_auto_answer(call_id)
        for line in self.lines:  # call waiting: the call we were on goes on hold
            if line.call_id != call_id and line.state is CallState.CONNECTED and not line.on_hold:
                self._phone.hold(line.call_id)
        self._phone.answer(call_id)

    def reject(self, call_id: str) -> None:
        self._cancel_auto_answer(call_id)
        self._phone.reject(call_id, self._settings.busy_code)

    def hangup(self, call_id: str) -> None:
        self._cancel_auto_answer(call_id)
        self._phone.hangup(call_id)

    def toggle_hold(self, call_id: str) -> None:
        line = self._require(call_id)
        if line.state is not CallState.CONNECTED:
            raise PhoneActionError("Only a connected call can be put on hold.")
        if line.on_hold:
            for other in self.lines:  # resuming one call holds the other
                if other.call_id != call_id and other.state is CallState.CONNECTED \
                        and not other.on_hold:
                    self._phone.hold(other.call_id)
            self._phone.resume(call_id)
        else:
            self._phone.hold(call_id)

    def toggle_mute(self, call_id: str) -> None:
        line = self._require(call_id)
        self._phone.set_mute(call_id, not line.muted)

    def send_dtmf(self, call_id: str, digits: str) -> None:
        self._phone.send_dtmf(call_id, digits, DtmfMethod(self._settings.dtmf_method))

    def blind_transfer(self, call_id: str, text: str) -> None:
        self._require(call_id)
        target = self.dial_target(text)
        self._phone.blind_transfer(call_id, target.dial_string)

    def start_consult(self, call_id: str, text: str) -> str:
        """Hold `call_id` and call the transfer target to talk to them first."""
        line = self._require(call_id)
        target = self.dial_target(text)
        if line.state is CallState.CONNECTED and not line.on_hold:
            self._phone.hold(call_id)
        consult_id = self._phone.dial(target.dial_string)
        existing = self._lines.get(consult_id)
        if existing is not None:
            self._lines[consult_id] = replace(existing, consult_for=call_id)
        else:
            self._lines[consult_id] = CallLine(consult_id, CallDirection.OUTBOUND,
                                               target.display, consult_for=call_id)
        return consult_id

    def complete_transfer(self, consult_id: str) -> None:
        consult = self._require(consult_id)
        if consult.consult_for is None:
            raise PhoneActionError("This call is not a transfer consultation.")
        self._phone.attended_transfer(consult.consult_for, consult_id)

    def cancel_consult(self, consult_id: str) -> None:
        consult = self._require(consult_id)
        original = consult.consult_for
        self._phone.hangup(consult_id)
        if original and (line := self._lines.get(original)) and line.live and line.on_hold:
            self._phone.resume(original)

    def toggle_recording(self, call_id: str) -> None:
        line = self._require(call_id)
        if not line.recording:
            self._phone.start_recording(call_id, str(self._recording_path(line)))
        elif line.recording_paused:
            self._phone.resume_recording(call_id)
        else:
            self._phone.pause_recording(call_id)

    # -- events ------------------------------------------------------------------
    def _on_phone_event(self, event: PhoneEvent) -> None:
        if self._turn_away(event):
            return
        try:
            self._apply(event)
        except Exception:  # a bug here must not stop the event reaching the UI
            log.exception("call service failed to apply %s", type(event).__name__)
        self._deliver(event)
        if isinstance(event, CallStateChanged) and event.state is CallState.DISCONNECTED:
            self._offer_waiting_call()

    def _deliver(self, event: PhoneEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("phone event listener failed on %s", type(event).__name__)

    def _offer_waiting_call(self) -> None:
        """The line is free: offer the oldest waiting call again, as if it arrived now.

        Free means no call but ringing ones. The gate decides again (after-call work may
        now refuse it, sending it back to the ACD), the listeners hear
        WaitingCallOffered (the ringer and the tray notice come back), auto-answer
        applies. Several waiting calls are offered one at a time, in arrival order.
        """
        live = self.lines
        if any(line.state is not CallState.RINGING for line in live):
            return
        waiting = [line for line in live if line.call_id not in self._turned_away]
        if not waiting or waiting[0].call_id in self._offered:
            return
        call_id = waiting[0].call_id
        incoming = self._incoming.get(call_id)
        self._offered.add(call_id)
        if incoming is None:
            return
        if self._admission is not None:
            try:
                code = self._admission(incoming)
            except Exception:
                log.exception("call admission failed; the waiting call rings")
                code = None
            if code is not None:
                log.info("waiting call %s refused with %d: the agent is not available",
                         call_id, code)
                self._reject_quietly(call_id, code)
                return
        log.info("waiting call %s offered: the line is free", call_id)
        self._deliver(WaitingCallOffered(call_id, incoming))
        self._maybe_auto_answer(call_id, waiting_calls_ok=True)

    def _reject_quietly(self, call_id: str, code: int) -> None:
        try:
            self._phone.reject(call_id, code)
        except PhoneActionError as exc:  # the caller gave up meanwhile
            log.info("waiting call %s not refused: %s", call_id, exc)

    def _turn_away(self, event: PhoneEvent) -> bool:
        call_id = getattr(event, "call_id", None)
        if call_id is None:
            return False
        if call_id in self._turned_away:
            if isinstance(event, CallStateChanged) and event.state is CallState.DISCONNECTED:
                self._turned_away.discard(call_id)
            return True
        if not isinstance(event, IncomingCall) or self._admission is None:
            return False
        try:
            code = self._admission(event)
        except Exception:  # a broken gate must not lose the call: let it ring
            log.exception("call admission failed; the call rings")
            return False
        if code is None:
            return False
        log.info("incoming call %s refused with %d: the agent is not available",
                 event.call_id, code)
        self._turned_away.add(event.call_id)
        try:
            self._phone.reject(event.call_id, code)
        except PhoneActionError as exc:
            log.warning("could not refuse call %s: %s", event.call_id, exc)
        return True

    def _apply(self, event: PhoneEvent) -> None:
        match event:
            case RegistrationChanged():
                self.registration = event
                log.info("registration %s %s %s", event.state.value, event.code or "",
                         event.reason)
            case IncomingCall():
                # Personal data: the number and the IVR headers are logged at DEBUG only.
                log.debug("incoming call %s from %r <%s>, request-uri %s, x-headers %s",
                          event.call_id, event.remote_name, event.remote_number,
                          event.request_uri, event.headers.x_headers())
                log.info("incoming call %s ringing", event.call_id)
                self._lines[event.call_id] = CallLine(
                    event.call_id, CallDirection.INBOUND, event.remote_number,
                    event.remote_name, CallState.RINGING, headers=event.headers)
                self._incoming[event.call_id] = event
                if not any(x.call_id != event.call_id for x in self.lines):
                    self._offered.add(event.call_id)  # a free line: offered at once
                self._maybe_auto_answer(event.call_id)
            case OutgoingCallStarted():
                existing = self._lines.get(event.call_id)
                self._lines[event.call_id] = CallLine(
                    event.call_id, CallDirection.OUTBOUND, event.remote_number,
                    consult_for=existing.consult_for if existing else None)
            case CallStateChanged():
                self._on_state(event)
            case CallHoldChanged():
                self._update(event.call_id, on_hold=event.on_hold)
            case CallMuteChanged():
                self._update(event.call_id, muted=event.muted)
            case RecordingChanged():
                self._update(event.call_id, recording=event.recording,
                             recording_paused=event.paused)
            case TransferRequested():
                pass  # the new call announces itself with OutgoingCallStarted
            case TransferProgress() if event.final and event.succeeded:
                # The transferee reached the target: our leg is done.
                line = self._lines.get(event.call_id)
                if line is not None and line.live:
                    self._phone.hangup(event.call_id)
            case _:
                pass

    def _on_state(self, event: CallStateChanged) -> None:
        line = self._lines.get(event.call_id)
        if line is None:
            return
        changes: dict[str, object] = {"state": event.state, "last_code": event.code,
                                      "last_reason": event.reason}
        if event.state is CallState.CONNECTED and line.connected_at is None:
            changes["connected_at"] = event.connected_at or time.monotonic()
        self._lines[event.call_id] = replace(line, **changes)  # type: ignore[arg-type]
        if event.state is CallState.CONNECTED and line.state is not CallState.CONNECTED:
            self._on_connected(event.call_id)
        if event.state is CallState.DISCONNECTED:
            self._cancel_auto_answer(event.call_id)
            self._pending_extension.pop(event.call_id, None)
            self._incoming.pop(event.call_id, None)
            self._offered.discard(event.call_id)

    def _on_connected(self, call_id: str) -> None:
        extension = self._pending_extension.pop(call_id, "")
        if extension:
            # Give the far end's IVR a moment to start listening before the digits.
            self._schedule(1.5, lambda: self._send_if_live(call_id, extension))
        if self._settings.record_calls and self._recordings_dir is not None:
            line = self._lines[call_id]
            try:
                self._phone.start_recording(call_id, str(self._recording_path(line)))
            except PhoneActionError:
                log.exception("could not start recording for call %s", call_id)

    def _send_if_live(self, call_id: str, digits: str) -> None:
        line = self._lines.get(call_id)
        if line is not None and line.state is CallState.CONNECTED:
            self.send_dtmf(call_id, digits)

    def _maybe_auto_answer(self, call_id: str, waiting_calls_ok: bool = False) -> None:
        delay = self._settings.auto_answer_after_s
        busy = any(x.call_id != call_id and x.live
                   and not (waiting_calls_ok and x.state is CallState.RINGING)
                   for x in self._lines.values())
        if delay < 0 or busy:  # never auto-answer over a call the agent is on
            return
        if delay == 0:
            self._auto_answer_now(call_id)
            return

        def fire() -> None:
            self._auto_answer.pop(call_id, None)
            line = self._lines.get(call_id)
            if line is not None and line.state is CallState.RINGING:
                self._auto_answer_now(call_id)

        self._auto_answer[call_id] = self._schedule(float(delay), fire)

    def _auto_answer_now(self, call_id: str) -> None:
        """Answer for the agent; a caller who hung up first (INVITE and CANCEL in one
        pump: the desk sees the call after it ended) leaves a missed call, no error."""
        try:
            self.answer(call_id)
        except PhoneActionError as exc:
            log.info("call %s not auto-answered: %s", call_id, exc)

    def _cancel_auto_answer(self, call_id: str) -> None:
        cancel = self._auto_answer.pop(call_id, None)
        if cancel is not None:
            cancel()

    def _update(self, call_id: str, **changes: object) -> None:
        line = self._lines.get(call_id)
        if line is not None:
            self._lines[call_id] = replace(line, **changes)  # type: ignore[arg-type]

    def _require(self, call_id: str) -> CallLine:
        line = self._lines.get(call_id)
        if line is None or not line.live:
            raise PhoneActionError("That call has already ended.")
        return line

    def _recording_path(self, line: CallLine) -> Path:
        if self._recordings_dir is None:
            raise PhoneActionError("Recording is not set up on this seat.")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        safe_id = "".join(ch for ch in line.call_id if ch.isalnum() or ch in "-_")[:40]
        return self._recordings_dir / f"{stamp}-{line.direction.value}-{safe_id}.wav"
