"""One SIP call: pjsua2's callbacks turned into phone events, and its audio wiring.

Every callback body runs under `_guarded`: an exception is logged, never returned
into C++. The call never deletes itself; when it ends it tells its host, which drops
the last reference later, outside the callback (see pjsua_phone.py).
"""

from __future__ import annotations

import functools
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import pjsua2 as pj

from agentdesk.core.phone_events import (
    CallDirection,
    CallHoldChanged,
    CallState,
    CallStateChanged,
    DtmfReceived,
    PhoneEvent,
    RecordingChanged,
    TransferProgress,
)
from agentdesk.sip.call_audio import CallAudio
from agentdesk.sip.invite import wire_text

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., None])


def _guarded(method: F) -> F:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> None:
        try:
            method(self, *args)
        except Exception:
            log.exception("%s failed in call %s", method.__name__,
                          getattr(self, "call_id", "?"))
    return wrapper  # type: ignore[return-value]


class Recorder(Protocol):
    """sip/recorder.py's CallRecorder, as the call uses it."""

    path: str
    paused: bool

    def start(self, sources: list[pj.AudioMedia]) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def replace_sources(self, sources: list[pj.AudioMedia]) -> None: ...

    def stop(self) -> str | None: ...


class CallHost(Protocol):
    def emit(self, event: PhoneEvent) -> None: ...

    def call_ended(self, call: PhoneCall) -> None: ...

    def transfer_requested(self, call: PhoneCall, target: str) -> PhoneCall | None: ...

    def call_replaced(self, call: PhoneCall, new_pj_id: int) -> PhoneCall | None: ...


_INBOUND_STATES = {
    pj.PJSIP_INV_STATE_INCOMING: CallState.RINGING,
    pj.PJSIP_INV_STATE_EARLY: CallState.RINGING,  # we sent 180: still ringing here
}
_STATES = {
    pj.PJSIP_INV_STATE_CALLING: CallState.DIALING,
    pj.PJSIP_INV_STATE_EARLY: CallState.EARLY,
    pj.PJSIP_INV_STATE_CONNECTING: CallState.CONNECTING,
    pj.PJSIP_INV_STATE_CONFIRMED: CallState.CONNECTED,
    pj.PJSIP_INV_STATE_DISCONNECTED: CallState.DISCONNECTED,
}


_alive: weakref.WeakSet[PhoneCall] = weakref.WeakSet()

END_MEDIA_TIMEOUT = "media_timeout"
END_SESSION_TIMER = "session_timer"


def _expects_media(media_info: pj.CallMediaInfo) -> bool:
    """Whether the far end should be sending audio: an active stream we receive on.

    Remote hold (sendonly/inactive from there), our own hold, a=inactive, a stream we
    only send on (the far end offered recvonly) and a stream disabled with port 0 are
    silent on purpose. A stream in error is not: that is a dead call too.
    """
    status = media_info.status
    if status == pj.PJSUA_CALL_MEDIA_ERROR:
        return True
    if status != pj.PJSUA_CALL_MEDIA_ACTIVE:
        return False
    return media_info.audioConfSlot != pj.PJSUA_INVALID_ID \
        and bool(int(media_info.dir) & pj.PJMEDIA_DIR_DECODING)


def disown_leftover_calls() -> int:
    """Make call objects that outlive the library harmless; returns how many there were.

    ~Call() touches pjsua; after libDestroy that is an assertion failure that aborts
    the process. Whatever still holds a call then (an exception's traceback frame is
    enough) would turn a clean exit into an abort, so the Python side stops owning
    the C++ object: it is never destroyed, which at that point costs nothing.
    """
    leftovers = list(_alive)
    for call in leftovers:
        call.thisown = False
    return len(leftovers)


class PhoneCall(pj.Call):
    def __init__(self, account: pj.Account, host: CallHost, audio: CallAudio, call_id: str,
                 direction: CallDirection, pj_call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, pj_call_id)
        _alive.add(self)
        self._host = host
        self._audio = audio
        self.call_id = call_id
        self.direction = direction
        self.remote_number = ""
        self.remote_uri = ""
        self.state: CallState | None = None
        self.connected_at: float | None = None
        self.on_hold = False
        self.muted = False
        self.media: pj.AudioMedia | None = None
        self.media_index = -1
        self.recorder: Recorder | None = None
        self.replacing_invite = ""
        # Dead-call detection (see media_activity): whether the far end should be
        # sending us media, and why the call ended when we ended it for silence.
        self.media_expected = True  # until an SDP says otherwise; no SDP is silence
        self.end_cause = ""
        self._early_media = False

    @property
    def ended(self) -> bool:
        return self.state is CallState.DISCONNECTED

    # -- callbacks -----------------------------------------------------------------
    @_guarded
    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        code, reason, inv_state = self._status(prm)
        state = None
        if self.direction is CallDirection.INBOUND:
            state = _INBOUND_STATES.get(inv_state)
        state = state or _STATES.get(inv_state)
        if state is None or state is self.state:
            return
        self.state = state
        if state is CallState.CONNECTED and self.connected_at is None:
            self.connected_at = time.monotonic()
        if state is not CallState.DISCONNECTED:
            self._host.emit(CallStateChanged(self.call_id, state, code, reason,
                                             self.connected_at))
            if self._early_media and state is not CallState.RINGING:
                self._early_media = False  # answered: now the agent's audio connects
                self._update_media()
            return
        if self.end_cause == END_MEDIA_TIMEOUT:
            code, reason = 408, "Media timeout"  # the record's end code says so
        elif self.connected_at is not None and code == 408 and "refresh" in reason.lower():
            self.end_cause = END_SESSION_TIMER  # pjsip's "No session refresh received."
        try:
            self._end_media()
        finally:  # whatever failed above, the call is over: report it and let it go
            self._host.emit(CallStateChanged(self.call_id, state, code, reason,
                                             self.connected_at, self.end_cause))
            self._host.call_ended(self)

    def _status(self, prm: pj.OnCallStateParam) -> tuple[int, str, int]:
        try:
            info = self.getInfo()
            return int(info.lastStatusCode), wire_text(info.lastReason), int(info.state)
        except pj.Error:
            # The call's info is gone (pjsua2 versions differ on when they drop the
            # id of an ended call): read the transaction that ended it instead.
            code, reason = 0, ""
            if prm.e.type == pj.PJSIP_EVENT_TSX_STATE:
                tsx = prm.e.body.tsxState.tsx
                code, reason = int(tsx.statusCode), wire_text(tsx.statusText)
            return code, reason, pj.PJSIP_INV_STATE_DISCONNECTED

    @_guarded
    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        if self.direction is CallDirection.INBOUND and self.state is CallState.RINGING:
            # Media agreed in a 183 before the agent answered: neither the agent's
            # microphone nor the caller's line is connected until then.
            self._early_media = True
            return
        self._update_media()

    def _update_media(self) -> None:
        info = self.getInfo()
        for media_info in info.media:
            if media_info.type != pj.PJMEDIA_TYPE_AUDIO:
                continue
            status = media_info.status
            self.media_expected = _expects_media(media_info)
            if status in (pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD) \
                    and media_info.audioConfSlot == pj.PJSUA_INVALID_ID:
                # a=inactive (offer or re-offer): no stream, so no slot to connect;
                # the audio connects when a later offer brings one.
                self._disconnect_media()
                self._set_hold(False)
            elif status in (pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD):
                self._connect_media(media_info.index, media_info.audioConfSlot)
                self._set_hold(False)
            elif status == pj.PJSUA_CALL_MEDIA_LOCAL_HOLD:
                self._disconnect_media()
                self._set_hold(True)
            else:
                self._disconnect_media()
            return

    @_guarded
    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        self._host.emit(DtmfReceived(self.call_id, wire_text(prm.digit, 1)))

    @_guarded
    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:
        code = int(prm.statusCode)
        final = bool(prm.finalNotify)
        self._host.emit(TransferProgress(self.call_id, code, wire_text(prm.reason), final,
                                         succeeded=final and 200 <= code < 300))

    @_guarded
    def onCallTransferRequest(self, prm: pj.OnCallTransferRequestParam) -> None:
        new_call = self._host.transfer_requested(self, wire_text(prm.dstUri, 2048))
        if new_call is None:
            prm.statusCode = 603
        else:
            prm.newCall = new_call

    @_guarded
    def onCallReplaceRequest(self, prm: pj.OnCallReplaceRequestParam) -> None:
        # An INVITE with Replaces names this call; keep it for the replacing call's
        # screen pop (pjsua does not report that INVITE through onIncomingCall).
        self.replacing_invite = str(prm.rdata.wholeMsg)

    @_guarded
    def onCallReplaced(self, prm: pj.OnCallReplacedParam) -> None:
        new_call = self._host.call_replaced(self, int(prm.newCallId))
        if new_call is not None:
            prm.newCall = new_call

    # -- dead-call detection -------------------------------------------------------
    def media_activity(self) -> tuple[int, int, int] | None:
        """Counters that move while the far end is alive: RTP packets received, RTCP
        receiver reports about our stream, round-trip samples (also from RTCP).

        None when silence is expected: the call is held (by either side) or its media
        is inactive or send-only on purpose. A call whose media never came up (no SDP
        answer) reports constant zeros: silence.
        """
        if self.on_hold or not self.media_expected:
            return None
        if self.media is None:
            return (0, 0, 0)
        try:
            rtcp = self.getStreamStat(self.media_index).rtcp
        except pj.Error:
            return (0, 0, 0)
        return int(rtcp.rxStat.pkt), int(rtcp.txStat.updateCount), int(rtcp.rttUsec.n)

    def end_for_silence(self, silent_s: float) -> None:
        """The far end sent nothing for `silent_s`: hang up, saying why (RFC 3326)."""
        self.end_cause = END_MEDIA_TIMEOUT
        prm = pj.CallOpParam(True)
        header = pj.SipHeader()
        header.hName = "Reason"
        header.hValue = f'SIP ;cause=408 ;text="No media for {int(silent_s)} s"'
        prm.txOption.headers.append(header)
        prm.statusCode = 408
        self.hangup(prm)

    # -- media -----------------------------------------------------------------------
    def _connect_media(self, index: int, slot: int) -> None:
        if self.media is not None and self.media.getPortId() == slot:
            return  # a re-INVITE that kept the stream (a new codec would not)
        self._disconnect_media()
        media = self.getAudioMedia(index)
        self.media, self.media_index = media, index
        self._apply_mute()
        self._audio.connect_call(media)
        if self.recorder is not None:  # a new stream after a re-INVITE: follow it
            self.recorder.replace_sources(self.recording_sources())

    def recording_sources(self) -> list[pj.AudioMedia]:
        """What a recording of this call mixes: the remote party and the agent."""
        sources = [self.media] if self.media is not None else []
        capture = self._audio.capture_media()
        if capture is not None:
            sources.append(capture)
        return sources

    def _disconnect_media(self, ended: bool = False) -> None:
        media, self.media, self.media_index = self.media, None, -1
        if media is not None:
            try:
                if ended:
                    self._audio.forget_call(media)
                else:
                    self._audio.disconnect_call(media)
            except Exception:
                log.exception("disconnecting the audio of call %s failed", self.call_id)

    def _end_media(self) -> None:
        # pjsua has torn the stream down already and queued its port's removal (with
        # its connections): touching that slot now races the clock thread.
        self.stop_recorder()
        self._disconnect_media(ended=True)

    def _set_hold(self, on_hold: bool) -> None:
        if on_hold != self.on_hold:
            self.on_hold = on_hold
            self._host.emit(CallHoldChanged(self.call_id, on_hold))

    def set_mute(self, muted: bool) -> None:
        self.muted = muted
        self._apply_mute()

    def _apply_mute(self) -> None:
        # pjsua2 names levels from the media's side: "rx" is what the call's port
        # receives from the bridge, i.e. what is encoded and sent to the remote party
        # (measured: adjustTxLevel(0) silences the *remote's* voice instead).
        if self.media is not None:
            self.media.adjustRxLevel(0.0 if self.muted else 1.0)

    def stop_recorder(self) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        path = recorder.path
        try:
            path = recorder.stop() or path  # where the file ended up
        except Exception:
            log.exception("stopping the recording of call %s failed", self.call_id)
        self._host.emit(RecordingChanged(self.call_id, False, False, path))
