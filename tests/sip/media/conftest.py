"""Fixtures for the audio tests: a bare pjsua2 endpoint with an AudioBridge, a tiny
Account/Call pair of our own (the full phone adapter is tested in tests/sip), test
tones, and the simulated caller as a real peer in its own process.

pjsua2 allows one library per process at a time, so the endpoint is module scoped and
torn down (calls ended, bridge closed, libDestroy) before the next module starts.
Waiting is always "pump libHandleEvents until a condition holds or a deadline passes".
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pjsua2 as pj
import psutil
import pytest

from agentdesk.sip.audio_bridge import AudioBridge
from agentdesk.sip.endpoint import PREFERRED_CODECS, prefer_codecs
from agentdesk.sip.simulated_caller import SimulatedCallerProcess
from agentdesk.sip.tone import generate_tone, write_wav

HOST = "127.0.0.1"
RATE = 16000
PEER_TONE_HZ = 1000  # what the simulated caller plays
MIC_TONE_HZ = 600  # what we inject as microphone


def wait_until(pump: Callable[[], None], predicate: Callable[[], bool], timeout: float,
               what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        pump()


class FrameCollector:
    """A FrameSink that keeps every frame with its arrival time (clock thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.frames: list[tuple[float, bytes]] = []

    def write_frame(self, pcm: bytes) -> None:
        with self._lock:
            self.frames.append((time.monotonic(), pcm))

    def count(self) -> int:
        with self._lock:
            return len(self.frames)

    def last_pcm(self, frame_count: int) -> bytes:
        with self._lock:
            return b"".join(pcm for _, pcm in self.frames[-frame_count:])

    def since(self, when: float) -> list[tuple[float, bytes]]:
        with self._lock:
            return [(t, pcm) for t, pcm in self.frames if t >= when]


class MiniCall(pj.Call):
    """Just enough of a call: states, and its audio handed to the bridge."""

    def __init__(self, harness: MediaEndpoint, account: pj.Account,
                 call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, call_id)
        self.harness = harness
        self.states: list[int] = []
        self.media: pj.AudioMedia | None = None
        self.media_active_at: float | None = None
        self.invite = ""

    @property
    def ended(self) -> bool:
        return pj.PJSIP_INV_STATE_DISCONNECTED in self.states

    @property
    def confirmed(self) -> bool:
        return pj.PJSIP_INV_STATE_CONFIRMED in self.states

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        try:
            state = self.getInfo().state
            self.states.append(state)
            if state == pj.PJSIP_INV_STATE_DISCONNECTED and self.media is not None:
                self.harness.bridge.disconnect_call(self.media)
                self.media = None
        except Exception as error:  # never into C++
            self.harness.errors.append(f"onCallState: {error!r}")

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        try:
            call_info = self.getInfo()  # keep it: .media points into it (SWIG)
            for info in call_info.media:
                if (info.type == pj.PJMEDIA_TYPE_AUDIO
                        and info.status == pj.PJSUA_CALL_MEDIA_ACTIVE):
                    media = self.getAudioMedia(info.index)
                    self.harness.bridge.connect_call(media)
                    self.media = media
                    self.media_active_at = time.monotonic()
        except Exception as error:  # never into C++
            self.harness.errors.append(f"onCallMediaState: {error!r}")


class MiniAccount(pj.Account):
    def __init__(self, harness: MediaEndpoint) -> None:
        super().__init__()
        self.harness = harness

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        try:
            call = MiniCall(self.harness, self, prm.callId)
            call.invite = str(prm.rdata.wholeMsg)
            self.harness.calls.append(call)
            self.harness.every_call.append(call)
            answer = pj.CallOpParam()
            answer.statusCode = 200
            call.answer(answer)
        except Exception as error:  # never into C++
            self.harness.errors.append(f"onIncomingCall: {error!r}")


@dataclass
class MediaEndpoint:
    endpoint: pj.Endpoint | None
    bridge: AudioBridge
    port: int = 0
    account: MiniAccount | None = None
    calls: list[MiniCall] = field(default_factory=list)
    every_call: list[MiniCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ep(self) -> pj.Endpoint:
        assert self.endpoint is not None, "the endpoint was shut down"
        return self.endpoint

    @property
    def uri(self) -> str:
        return f"sip:agent@{HOST}:{self.port}"

    def pump(self) -> None:
        self.ep.libHandleEvents(10)

    def wait_until(self, predicate: Callable[[], bool], what: str,
                   timeout: float = 10.0) -> None:
        wait_until(self.pump, predicate, timeout, what)

    def wait_ticks(self, count: int, what: str = "the conference clock") -> None:
        """Let `count` conference clock ticks (20 ms each) pass, pumping SIP."""
        target = self.bridge.ticks + count
        self.wait_until(lambda: self.bridge.ticks >= target, what, timeout=count * 0.1 + 5)

    def dial(self, uri: str) -> MiniCall:
        assert self.account is not None
        call = MiniCall(self, self.account)
        self.calls.append(call)
        self.every_call.append(call)
        call.makeCall(uri, pj.CallOpParam(True))
        return call

    def hang_up_all(self) -> None:
        for call in self.calls:
            if not call.ended:
                with contextlib.suppress(pj.Error):
                    call.hangup(pj.CallOpParam(True))
        with contextlib.suppress(AssertionError):
            self.wait_until(lambda: all(c.ended or not c.states for c in self.calls),
                            "all calls to end", 5)
        self.calls.clear()


def _start_endpoint() -> MediaEndpoint:
    ep = pj.Endpoint()
    ep.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0
    config.uaConfig.mainThreadOnly = True
    config.uaConfig.maxCalls = 8
    config.logConfig.level = 1
    config.logConfig.consoleLevel = 1
    # As the real endpoint does (sip/endpoint.py): keep the null device clocking the
    # bridge, and no silence suppression.
    config.medConfig.sndAutoCloseTime = -1
    config.medConfig.noVad = True
    ep.libInit(config)
    prefer_codecs(ep, PREFERRED_CODECS)
    ep.audDevManager().setNullDev()
    transport = pj.TransportConfig()
    transport.boundAddress = HOST
    transport.port = 0
    transport_id = ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    ep.libStart()
    harness = MediaEndpoint(ep, AudioBridge())
    harness.port = int(ep.transportGetInfo(transport_id).localName.rsplit(":", 1)[1])
    harness.bridge.start(ep)
    account_config = pj.AccountConfig()
    account_config.idUri = harness.uri
    account_config.mediaConfig.transportConfig.boundAddress = HOST
    account_config.mediaConfig.transportConfig.port = 0  # any free RTP port
    harness.account = MiniAccount(harness)
    harness.account.create(account_config)
    return harness


def _stop_endpoint(harness: MediaEndpoint) -> None:
    harness.hang_up_all()
    # Every Call must be destroyed before libDestroy, or pjsua aborts the process. A
    # failed test's traceback can still hold one, so destroy the C++ objects now
    # (SWIG disowns them: the Python wrappers will not delete them again).
    for call in harness.every_call:
        if call.thisown:
            pj.Call.__swig_destroy__(call)
    harness.every_call.clear()
    harness.bridge.close()
    if harness.account is not None:
        harness.account.shutdown()
        harness.account = None
    # No registration and every call is over: nothing left to send. Then the Endpoint
    # object must go at once: a new pj.Endpoint() while an old one still exists (say,
    # kept alive by a reference cycle until some later garbage collection) terminates
    # the process.
    ep, harness.endpoint = harness.endpoint, None
    assert ep is not None
    ep.libDestroy(pj.PJSUA_DESTROY_NO_NETWORK)
    del ep


@pytest.fixture(scope="module")
def media_endpoint() -> Iterator[MediaEndpoint]:
    harness = _start_endpoint()
    yield harness
    _stop_endpoint(harness)


@pytest.fixture
def endpoint(media_endpoint: MediaEndpoint) -> Iterator[MediaEndpoint]:
    """The module's endpoint with a fresh bridge speaker/microphone and no calls."""
    media_endpoint.bridge.speaker = None
    media_endpoint.bridge.microphone = None
    media_endpoint.errors.clear()
    yield media_endpoint
    media_endpoint.hang_up_all()
    media_endpoint.bridge.speaker = None
    media_endpoint.bridge.microphone = None
    assert media_endpoint.errors == []
    assert media_endpoint.bridge.callback_errors == 0


@pytest.fixture(scope="session")
def tone_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of PEER_TONE_HZ (the player loops it)."""
    path = tmp_path_factory.mktemp("tones") / f"tone-{PEER_TONE_HZ}.wav"
    return write_wav(path, generate_tone(PEER_TONE_HZ, 2.0, RATE, amplitude=0.5), RATE)


@pytest.fixture
def caller(tone_wav: Path) -> Iterator[SimulatedCallerProcess]:
    """The simulated caller, playing the test tone; checked to leave nothing behind."""
    process = SimulatedCallerProcess(prompt=tone_wav)
    process.start()
    pid = process.pid
    assert pid is not None
    yield process
    code = process.close()
    assert code == 0, f"simulated caller exit code {code}; events: {process.history[-5:]}"
    assert_gone(pid)


def assert_gone(pid: int, timeout: float = 5.0) -> None:
    """The process is not running any more (a zombie awaiting its reaper counts)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} is still running")
        time.sleep(0.01)
