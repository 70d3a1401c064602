"""`PjsuaSoftphone`: the core Softphone port on pjsua2.

Events raised inside pjsua2 callbacks are queued and delivered to listeners from
`poll()` (or at the end of the action that caused them), never from inside C++: a
listener may then call back into the phone (answer, hang up) without re-entering
pjsua from one of its own callbacks. Ended calls are released in the same place,
after their DISCONNECTED event, and every call and the account are released before
the library (see docs/pjsua2.md).

`shutdown()` asked for while a phone operation is under way (poll, an action) is
carried out when that operation returns. It can be asked for from inside pjsua: a
Python signal handler runs between any two bytecodes of the main thread, including
those of a pjsua2 callback (the log writer, onCallState), and Qt 6's quit() emits
aboutToQuit at once. Destroying the library there pulls it from under pjsua's own
frames, which still hold its locks and ports: assertion failures, or a deadlock when
libDestroy joins the conference clock thread that waits for a mutex held below.
"""

from __future__ import annotations

import atexit
import functools
import gc
import itertools
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import pjsua2 as pj

from agentdesk.core.call_quality import estimate_mos
from agentdesk.core.phone_events import (
    LIVE_CALL_STATES,
    CallDirection,
    CallMuteChanged,
    CallState,
    DtmfMethod,
    IncomingCall,
    OutgoingCallStarted,
    PhoneEvent,
    RecordingChanged,
    RegistrationChanged,
    RegistrationState,
    TransferRequested,
)
from agentdesk.core.settings import PhoneSettings, SipSettings
from agentdesk.core.sip_headers import parse_name_addr
from agentdesk.core.softphone import CallQuality, PhoneActionError, PhoneListener
from agentdesk.sip.account import PhoneAccount, RetryBackoff, account_config
from agentdesk.sip.call import PhoneCall, Recorder, disown_leftover_calls
from agentdesk.sip.call_audio import CallAudio, NullDeviceAudio
from agentdesk.sip.dial_uri import sip_header, target_uri
from agentdesk.sip.endpoint import SipEndpoint
from agentdesk.sip.invite import (
    offers_dtls_srtp,
    parse_invite,
    reliable_ringing,
    requires_100rel,
)
from agentdesk.sip.recorder import CallRecorder, RecorderError
from agentdesk.sip.registration import Registration

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

_DTMF = frozenset("0123456789*#ABCDabcd")
_DTMF_METHODS = {
    DtmfMethod.RFC4733: pj.PJSUA_DTMF_METHOD_RFC2833,
    DtmfMethod.SIP_INFO: pj.PJSUA_DTMF_METHOD_SIP_INFO,
}
_serials = itertools.count(1)  # call ids stay unique across phones in one process
SHUTDOWN_WAIT_S = 3.0
MAX_CALLS = 4  # PJSUA_MAX_CALLS of the pjsua2-python wheel: a larger maxCalls is cut to it
# Each call's RTP and RTCP sockets hold two of the media ioqueue's 64 keys until
# 500 ms after the call ends (pjlib's safe-unregistration delay); running out is an
# assertion failure that aborts the process in this pjsua build. A dial that would
# come close is refused instead. No person dials this fast; a runaway dialer might.
MEDIA_SESSION_BUDGET = 28
KEY_FREE_DELAY_S = 0.6
_running: weakref.WeakSet[PjsuaSoftphone] = weakref.WeakSet()


@atexit.register
def _shutdown_left_running() -> None:
    # An app that exits without shutdown() (an exception, sys.exit in a slot) would
    # otherwise tear pjsua down during interpreter finalization, after the Python
    # side of its callbacks is gone: shut down while Python is still whole.
    for phone in list(_running):
        phone.shutdown()


def _operation(method: Callable[P, R]) -> Callable[P, R]:
    """Mark the phone busy while `method` runs; a shutdown asked for meanwhile is
    carried out when the outermost operation returns (see the module docstring)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        phone = args[0]
        assert isinstance(phone, PjsuaSoftphone)
        phone._depth += 1
        try:
            return method(*args, **kwargs)
        finally:
            phone._depth -= 1
            if phone._depth == 0 and phone._shutdown_requested:
                log.info("shutting down, as asked during %s", method.__name__)
                phone.shutdown()

    return wrapper


def _agent_errors(method: Callable[P, R]) -> Callable[P, R]:
    """An agent's action: an _operation whose PhoneActionError is raised afresh.

    Re-raised from the method's boundary, the error's traceback does not hold the
    frames it passed through, and with them PhoneCall objects: an error kept by the UI
    could otherwise outlive the call's pjsua slot (whose reuse ~Call would clobber) or
    the library itself (an abort at exit).
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        message = None
        try:
            return method(*args, **kwargs)
        except PhoneActionError as exc:
            message = str(exc)
        raise PhoneActionError(message)

    return _operation(wrapper)


class PjsuaSoftphone:
    def __init__(self, sip: SipSettings, phone: PhoneSettings,
                 password: Callable[[], str | None], audio: CallAudio | None = None,
                 user_agent: str = "agentdesk/0.1", *, log_level: int = 4,
                 retry: RetryBackoff | None = None) -> None:
        self._sip = sip
        self._phone = phone
        self._password = password
        self._audio: CallAudio = audio if audio is not None else NullDeviceAudio()
        self._listeners: list[PhoneListener] = []
        self._events: deque[PhoneEvent] = deque()
        self._flushing = False
        self._account: PhoneAccount | None = None
        self._calls: dict[str, PhoneCall] = {}
        self._ended: list[PhoneCall] = []  # released after their DISCONNECTED is delivered
        self._recent_ends: deque[float] = deque()  # see MEDIA_SESSION_BUDGET
        self._stopping = False
        self._stopped = False
        self._depth = 0  # phone operations under way (nested: a listener's action)
        self._shutdown_requested = False
        self._media_watch: dict[str, tuple[tuple[int, int, int] | None, float]] = {}
        self._next_media_watch = 0.0
        self._registration = Registration(bool(sip.registrar), self.emit, retry)
        self._endpoint = SipEndpoint(sip, user_agent, log_level, max_calls=MAX_CALLS)
        self._endpoint.transport_listener = self._registration.on_transport

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def local_port(self) -> int:
        """The port the SIP transport is bound to (useful with local_port = 0)."""
        return self._endpoint.local_port

    @property
    def local_address(self) -> str:
        return self._endpoint.local_address

    @property
    def running(self) -> bool:
        return self._endpoint.running and not self._stopping

    @property
    def stopped(self) -> bool:
        """shutdown() has released the library (False while it is still pending)."""
        return self._stopped

    @property
    def busy(self) -> bool:
        """A phone operation is under way: shutdown() now would only be noted."""
        return self._depth > 0

    @property
    def registration(self) -> RegistrationChanged:
        """The latest registration state (DISABLED when there is no registrar)."""
        return self._registration.current

    @property
    def call_ids(self) -> list[str]:
        """Ids of the calls that have not ended, oldest first."""
        return [cid for cid, call in self._calls.items() if not call.ended]

    def subscribe(self, listener: PhoneListener) -> None:
        self._listeners.append(listener)

    @_operation
    def start(self) -> None:
        if self._endpoint.running or self._stopped:
            raise PhoneActionError("The phone has already been started.")
        self._endpoint.start()
        _running.add(self)
        try:
            self._audio.start(self._endpoint.ep)
            self._account = PhoneAccount(self._registration, self.on_incoming_call)
            self._account.create(self._account_config(), True)
            self._registration.attach(self._account)
        except Exception:
            self._release()
            raise
        self._flush()

    def _account_config(self) -> pj.AccountConfig:
        password = self._password() if self._sip.registrar else None
        return account_config(self._sip, password, self._endpoint.transport_id,
                              self._endpoint.local_address, self._endpoint.local_port)

    @_operation
    def poll(self, max_ms: int = 0) -> None:
        if not self._endpoint.running or self._stopping:
            return
        self._endpoint.poll(max_ms)
        self._registration.poll()
        self._watch_media()
        self._flush()

    def shutdown(self) -> None:
        """Hang up, un-REGISTER, release every pjsua2 object, then the library.

        Inside a phone operation (even inside one of pjsua's callbacks, where a
        signal handler may run) it is only noted, and done when that returns.
        """
        if self._stopped or self._stopping:
            return
        if self._depth:
            # No logging here: a signal handler may have interrupted a log write.
            self._shutdown_requested = True
            return
        self._shutdown_requested = False
        self._stopping = True
        self._registration.stopping = True
        try:
            if self._endpoint.running:
                self._hang_up_all()
                self._unregister()
        except Exception:
            log.exception("orderly SIP shutdown failed; releasing the stack anyway")
        finally:
            self._release()
            self._stopped = True
            _running.discard(self)
            self._flush()

    def _hang_up_all(self) -> None:
        for call in list(self._calls.values()):
            if not call.ended:
                try:
                    call.hangup(pj.CallOpParam(True))
                except pj.Error as exc:
                    log.debug("hangup of %s at shutdown: %s", call.call_id, exc.info())
        self._pump_until(lambda: not self.call_ids)

    def _unregister(self) -> None:
        if self._registration.unregister():
            self._pump_until(
                lambda: self._registration.state is not RegistrationState.REGISTERED)

    def _pump_until(self, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + SHUTDOWN_WAIT_S
        while not done() and time.monotonic() < deadline:
            self._endpoint.poll(20)
            self._flush()

    def _release(self) -> None:
        """Drop every pjsua2 object of ours, media first, then the library.

        Recorders and the audio bridge's port leave the conference bridge while the
        calls and the clock still run (a port is removed on the clock's next tick, and
        its wrapper must not be freed before that, nor after libDestroy); then the
        calls and the account; then libDestroy.
        """
        self._stop_recorders()
        try:
            self._audio.close()
        except Exception:
            log.exception("closing the call audio failed")
        live_calls = bool(self.call_ids)
        self._calls.clear()
        self._ended.clear()
        gc.collect()
        leftovers = disown_leftover_calls()
        if leftovers:
            log.warning("%d call object(s) still referenced at shutdown (an exception "
                        "kept somewhere?); they are left to the process exit", leftovers)
        self._registration.attach(None)
        registered = self._registration.state in (RegistrationState.REGISTERED,
                                                  RegistrationState.REGISTERING)
        if self._account is not None:
            try:
                self._account.shutdown()
            except pj.Error:
                log.exception("account shutdown failed")
            self._account = None
        # Calls hung up and un-REGISTERed: nothing is left for pjsua to say on the
        # network, so it need not wait a second for it inside libDestroy.
        self._endpoint.destroy(network_done=not live_calls and not registered)

    def _stop_recorders(self) -> None:
        # A function of its own: a loop variable left in _release would keep a call.
        for call in [*self._calls.values(), *self._ended]:
            call.stop_recorder()

    # -- dead-call detection -------------------------------------------------------
    def _watch_media(self) -> None:
        """End a connected call the far end has gone silent on ([phone] media_timeout_s).

        Checked once a second: the counters of PhoneCall.media_activity must move
        within the timeout. Held calls and media silent on purpose are exempt, and their
        silence does not count once they resume.
        """
        timeout = self._phone.media_timeout_s
        now = time.monotonic()
        if timeout <= 0 or now < self._next_media_watch:
            return
        self._next_media_watch = now + 1.0
        watched = {}
        for call in list(self._calls.values()):
            if call.state is not CallState.CONNECTED or call.end_cause:
                continue
            activity = call.media_activity()
            seen, since = self._media_watch.get(call.call_id, (None, now))
            if activity is None or activity != seen:
                seen, since = activity, now
            watched[call.call_id] = (seen, since)
            if activity is not None and now - since >= timeout:
                log.warning("call %s: no media from the far end for %.0f s; ending it",
                            call.call_id, now - since)
                try:
                    call.end_for_silence(now - since)
                except pj.Error as exc:
                    call.end_cause = ""  # still up: watched again
                    log.warning("call %s: hanging up the silent call failed: %s",
                                call.call_id, exc.info())
        self._media_watch = watched

    # -- events ------------------------------------------------------------------------
    def emit(self, event: PhoneEvent) -> None:
        self._events.append(event)

    def _flush(self) -> None:
        if self._flushing:
            return  # the outer loop delivers it
        self._flushing = True
        try:
            while self._events:
                event = self._events.popleft()
                for listener in list(self._listeners):
                    try:
                        listener(event)
                    except Exception:
                        log.exception("phone listener failed on %s", type(event).__name__)
            self._ended.clear()  # their DISCONNECTED has been delivered: release them
        finally:
            self._flushing = False

    @contextmanager
    def _action(self) -> Iterator[None]:
        """Deliver what an action caused before it returns; turn pj errors into words.

        The PhoneActionError is raised outside the except block: chained to the
        pj.Error it would keep that traceback's frames, and the calls in them, alive.
        """
        message = None
        try:
            yield
        except pj.Error as exc:
            message = _agent_message(exc)
        finally:
            self._flush()
        if message is not None:
            raise PhoneActionError(message)

    # -- registration ------------------------------------------------------------------
    @_agent_errors
    def reregister(self) -> None:
        """Register again now, with the password as it is now (e.g. after a fix)."""
        if self._account is None or self._stopping:
            return
        with self._action():
            self._registration.restart(self._account_config())

    # -- calls: bookkeeping ------------------------------------------------------------
    def _new_call(self, direction: CallDirection, pj_call_id: int = pj.PJSUA_INVALID_ID
                  ) -> PhoneCall:
        if self._account is None:
            raise PhoneActionError("The phone is not running.")
        call_id = f"call-{next(_serials)}"
        call = PhoneCall(self._account, self, self._audio, call_id, direction, pj_call_id)
        self._calls[call_id] = call
        return call

    def call_ended(self, call: PhoneCall) -> None:
        self._calls.pop(call.call_id, None)
        self._ended.append(call)
        self._recent_ends.append(time.monotonic())

    def _media_sessions_in_use(self) -> int:
        horizon = time.monotonic() - KEY_FREE_DELAY_S
        while self._recent_ends and self._recent_ends[0] < horizon:
            self._recent_ends.popleft()
        return len(self._calls) + len(self._recent_ends)

    def _call(self, call_id: str, *states: CallState) -> PhoneCall:
        call = self._calls.get(call_id)
        if call is None or call.ended:
            raise PhoneActionError("That call has already ended.")
        if states and call.state not in states:
            wanted = " or ".join(s.value for s in states)
            raise PhoneActionError(f"That call is {call.state.value if call.state else 'new'}"
                                   f", not {wanted}.")
        return call

    def on_incoming_call(self, pj_call_id: int, whole_msg: str) -> None:
        if self._sip.srtp != "off" and offers_dtls_srtp(whole_msg):
            # With SRTP on, pjsua2 runs this callback from inside the media set-up, and
            # the wheel has no DTLS-SRTP: that set-up then fails, and pjsua 2.15.1's
            # error path after a call object exists is a segfault (measured). Taking no
            # call object lets pjsua refuse it (480) and survive.
            log.info("incoming call (pjsua %d) not taken: it offers DTLS-SRTP; this "
                     "phone does SDES only", pj_call_id)
            return
        caller = parse_invite(whole_msg)
        call = self._new_call(CallDirection.INBOUND, pj_call_id)
        call.remote_number, call.remote_uri = caller.number, caller.uri
        call.state = CallState.RINGING
        log.info("incoming call %s (pjsua %d) from %r", call.call_id, pj_call_id,
                 caller.number)
        log.debug("call %s X-headers: %s", call.call_id, caller.headers.x_headers())
        if self._sip.reliable_provisional == "off" and requires_100rel(caller.headers):
            self._refuse_100rel(call)  # never becomes a call the agent sees
            return
        self.emit(IncomingCall(call.call_id, caller.number, caller.name, caller.headers,
                               caller.request_uri))
        code = 180
        if reliable_ringing(caller.headers, self._sip.reliable_provisional):
            # The first reliable provisional response carries the answer to the
            # INVITE's offer, or our offer when it had none (RFC 3262), and pjsip puts
            # SDP in 183 only, never in 180. The agent's audio stays unconnected until
            # the call is answered (call.py).
            code = 183
        try:
            call.answer(_status(code))
        except pj.Error as exc:  # the caller may have given up already
            log.warning("could not send %d for %s: %s", code, call.call_id, exc.info())

    def _refuse_100rel(self, call: PhoneCall) -> None:
        prm = _status(420)
        header = pj.SipHeader()
        header.hName = "Unsupported"
        header.hValue = "100rel"
        prm.txOption.headers.append(header)
        log.info("call %s refused with 420: it requires 100rel and reliable_provisional "
                 "is off", call.call_id)
        try:
            call.answer(prm)  # a final answer: unlike hangup, it keeps our headers
        except pj.Error as exc:
            log.warning("could not refuse %s: %s", call.call_id, exc.info())

    def transfer_requested(self, call: PhoneCall, target: str) -> PhoneCall | None:
        if self._stopping:
            return None
        new_call = self._new_call(CallDirection.OUTBOUND)
        addr = parse_name_addr(target)
        new_call.remote_uri = addr.uri or target
        new_call.remote_number = addr.user
        log.info("call %s: REFER to %s accepted as %s", call.call_id, target, new_call.call_id)
        self.emit(TransferRequested(call.call_id, target, new_call.call_id))
        self.emit(OutgoingCallStarted(new_call.call_id, new_call.remote_number,
                                      new_call.remote_uri))
        return new_call

    def call_replaced(self, call: PhoneCall, new_pj_id: int) -> PhoneCall | None:
        new_call = self._new_call(CallDirection.INBOUND, new_pj_id)
        caller = parse_invite(call.replacing_invite)
        new_call.remote_number, new_call.remote_uri = caller.number, caller.uri
        new_call.state = CallState.RINGING
        self.emit(IncomingCall(new_call.call_id, caller.number, caller.name, caller.headers,
                               caller.request_uri, replaces_call_id=call.call_id))
        return new_call

    # -- calls: actions ----------------------------------------------------------------
    @_agent_errors
    def dial(self, uri_or_number: str, headers: Mapping[str, str] | None = None) -> str:
        uri = target_uri(self._sip, uri_or_number)
        self._check_uri(uri, uri_or_number)
        if self._media_sessions_in_use() >= MEDIA_SESSION_BUDGET:
            raise PhoneActionError("Too many calls in a moment: wait a second and dial again.")
        prm = pj.CallOpParam(True)
        for name, value in (headers or {}).items():
            prm.txOption.headers.append(sip_header(name, value))
        call = self._new_call(CallDirection.OUTBOUND)
        call.remote_uri = uri
        call.remote_number = parse_name_addr(uri).user
        started = OutgoingCallStarted(call.call_id, call.remote_number, uri)
        self.emit(started)  # before makeCall: its CALLING callback comes synchronously
        problem = ""
        try:
            call.makeCall(uri, prm)
        except pj.Error as exc:
            problem = _agent_message(exc)
        if problem:
            self._calls.pop(call.call_id, None)
            self._events = deque(e for e in self._events
                                 if getattr(e, "call_id", None) != call.call_id)
            raise PhoneActionError(f"Could not call {uri_or_number}: {problem}")
        log.info("dialing %s as %s", uri, call.call_id)
        self._flush()
        return call.call_id

    def _check_uri(self, uri: str, typed: str) -> None:
        if self._endpoint.running and self._endpoint.ep.utilVerifySipUri(uri) != 0:
            raise PhoneActionError(f"'{typed.strip()}' is not a valid SIP address.")

    @_agent_errors
    def answer(self, call_id: str) -> None:
        call = self._call(call_id, CallState.RINGING)
        with self._action():
            call.answer(_status(200))

    @_agent_errors
    def reject(self, call_id: str, code: int = 486) -> None:
        if not 400 <= code < 700:
            raise PhoneActionError(f"{code} is not a rejection code.")
        call = self._call(call_id, CallState.RINGING)
        with self._action():
            call.hangup(_status(code))

    @_agent_errors
    def hangup(self, call_id: str) -> None:
        call = self._call(call_id)
        with self._action():
            call.hangup(pj.CallOpParam(True))

    @_agent_errors
    def hold(self, call_id: str) -> None:
        call = self._call(call_id, CallState.CONNECTED)
        if call.on_hold:
            raise PhoneActionError("That call is already on hold.")
        with self._action():
            call.setHold(pj.CallOpParam(True))

    @_agent_errors
    def resume(self, call_id: str) -> None:
        call = self._call(call_id, CallState.CONNECTED)
        if not call.on_hold:
            raise PhoneActionError("That call is not on hold.")
        prm = pj.CallOpParam(True)
        prm.opt.flag = pj.PJSUA_CALL_UNHOLD
        with self._action():
            call.reinvite(prm)

    @_agent_errors
    def set_mute(self, call_id: str, muted: bool) -> None:
        call = self._call(call_id, *LIVE_CALL_STATES)
        with self._action():
            call.set_mute(muted)
            self.emit(CallMuteChanged(call_id, muted))

    @_agent_errors
    def send_dtmf(self, call_id: str, digits: str, method: DtmfMethod | None = None) -> None:
        if not digits or len(digits) > 64 or not set(digits) <= _DTMF:
            raise PhoneActionError(f"'{digits}' are not DTMF digits (0-9, *, #, A-D).")
        call = self._call(call_id, CallState.CONNECTED)
        method = method or DtmfMethod(self._phone.dtmf_method)
        prm = pj.CallSendDtmfParam()
        prm.digits = digits
        prm.method = _DTMF_METHODS[method]
        with self._action():
            call.sendDtmf(prm)

    @_agent_errors
    def blind_transfer(self, call_id: str, target: str) -> None:
        call = self._call(call_id, CallState.CONNECTED)
        uri = target_uri(self._sip, target)
        self._check_uri(uri, target)
        with self._action():
            call.xfer(uri, pj.CallOpParam(True))
        log.info("call %s: blind transfer to %s", call_id, uri)

    @_agent_errors
    def attended_transfer(self, call_id: str, consult_call_id: str) -> None:
        if call_id == consult_call_id:
            raise PhoneActionError("A call cannot be transferred to itself.")
        call = self._call(call_id, CallState.CONNECTED)
        consult = self._call(consult_call_id, CallState.CONNECTED)
        with self._action():
            call.xferReplaces(consult, pj.CallOpParam(True))
        log.info("call %s: attended transfer to %s", call_id, consult_call_id)

    # -- recording ---------------------------------------------------------------------
    @_agent_errors
    def start_recording(self, call_id: str, path: str) -> None:
        call = self._call(call_id, CallState.CONNECTED)
        if call.recorder is not None:
            raise PhoneActionError("This call is already being recorded.")
        if call.media is None:
            raise PhoneActionError("Recording can start once the call's audio is connected.")
        problem = ""
        try:
            recorder = CallRecorder(path)
            recorder.start(call.recording_sources())
        except (RecorderError, ValueError, OSError, pj.Error) as exc:
            problem = str(exc.info() if isinstance(exc, pj.Error) else exc)
        if problem:
            log.warning("recording of %s could not start: %s", call_id, problem)
            raise PhoneActionError(f"Recording could not start: {problem}")
        call.recorder = recorder
        self.emit(RecordingChanged(call_id, True, False, recorder.path))
        self._flush()

    @_agent_errors
    def pause_recording(self, call_id: str) -> None:
        recorder = self._recording(call_id)[1]
        recorder.pause()
        self.emit(RecordingChanged(call_id, True, bool(recorder.paused), recorder.path))
        self._flush()

    @_agent_errors
    def resume_recording(self, call_id: str) -> None:
        recorder = self._recording(call_id)[1]
        recorder.resume()
        self.emit(RecordingChanged(call_id, True, bool(recorder.paused), recorder.path))
        self._flush()

    @_agent_errors
    def stop_recording(self, call_id: str) -> None:
        call, _ = self._recording(call_id)
        call.stop_recorder()
        self._flush()

    def _recording(self, call_id: str) -> tuple[PhoneCall, Recorder]:
        call = self._call(call_id)
        if call.recorder is None:
            raise PhoneActionError("This call is not being recorded.")
        return call, call.recorder

    # -- quality -----------------------------------------------------------------------
    @_operation
    def quality(self, call_id: str) -> CallQuality | None:
        call = self._calls.get(call_id)
        if call is None or call.ended or call.media is None:
            return None
        try:
            stat = call.getStreamStat(call.media_index)
            info = call.getStreamInfo(call.media_index)
        except pj.Error:
            return None
        rx = stat.rtcp.rxStat
        received, lost = int(rx.pkt), int(rx.loss)
        loss = 100.0 * lost / (received + lost) if received + lost else 0.0
        jitter_ms = rx.jitterUsec.mean / 1000.0 if rx.jitterUsec.n else 0.0
        rtt_ms = stat.rtcp.rttUsec.mean / 1000.0 if stat.rtcp.rttUsec.n else 0.0
        return CallQuality(jitter_ms=round(jitter_ms, 2), loss_percent=round(loss, 2),
                           rtt_ms=round(rtt_ms, 2),
                           mos=estimate_mos(rtt_ms, jitter_ms, loss),
                           codec=str(info.codecName))


def _status(code: int) -> pj.CallOpParam:
    prm = pj.CallOpParam(True)
    prm.statusCode = code
    return prm


# pjlib's words for the errors an agent can meet, in the agent's words.
_PJ_ERRORS = {
    "PJ_ETOOMANY": f"too many calls at once ({MAX_CALLS} at most): end one first",
    "PJSIP_ESESSIONTERMINATED": "the call has already ended",
    "PJ_EINVALIDOP": "that cannot be done in the call's current state",
    "PJSIP_EBUSY": "the previous request is still in progress; try again in a moment",
}


def _agent_message(exc: pj.Error) -> str:
    reason = str(getattr(exc, "reason", "") or "").strip()
    for name, words in _PJ_ERRORS.items():
        if f"({name})" in reason:
            return words
    return reason or "the SIP stack refused"
