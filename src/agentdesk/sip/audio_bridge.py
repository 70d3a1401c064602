"""The call audio bridge: a pjsua2 conference port between a call and the agent's headset.

pjsua2's Linux wheel has no sound device, so call audio leaves the conference bridge
through one `pj.AudioMediaPort`. pjmedia's clock thread calls it every 20 ms:

    onFrameReceived   what the call says  -> speaker  (a FrameSink)
    onFrameRequested  microphone (a FrameSource) -> what the call hears

Those two run on the clock thread, never on the GUI thread, so they hand PCM to plain
thread-safe objects (normally a `PcmRingBuffer` that the Qt side drains / fills on the
GUI thread, see qt_audio.py) and never touch a Qt object. Tests plug in their own sink
and source to observe exactly what the bridge hands to the speaker and to inject
microphone frames.

Frames are 16-bit signed little-endian mono PCM, `frame_ms` long (20 ms), at the
bridge's `clock_rate` (16 kHz by default; the conference bridge resamples if its own
rate differs).
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import pjsua2 as pj

log = logging.getLogger(__name__)

SAMPLE_WIDTH = 2


@runtime_checkable
class FrameSink(Protocol):
    """Where the call's audio goes (the speaker side)."""

    def write_frame(self, pcm: bytes) -> None:
        """Take one frame. Runs on pjmedia's clock thread: must not block, must not
        touch Qt, and should return in well under a millisecond."""


@runtime_checkable
class FrameSource(Protocol):
    """Where the call's outgoing audio comes from (the microphone side)."""

    def read_frame(self, size: int) -> bytes | None:
        """Exactly `size` bytes of PCM, or None for "nothing yet" (the bridge sends
        silence). Same rules as FrameSink.write_frame: clock thread, never block."""


class PcmRingBuffer:
    """A bounded, thread-safe FIFO of PCM bytes between the clock thread and Qt.

    Writers never block: when the buffer is full the oldest audio is dropped, which
    bounds the latency a slow reader (or drifting clocks) can build up. It is both a
    FrameSink (the bridge writes call audio into it) and a FrameSource (the bridge
    reads microphone audio from it).
    """

    def __init__(self, capacity_bytes: int) -> None:
        if capacity_bytes <= 0:
            raise ValueError("capacity_bytes must be positive")
        self.capacity_bytes = capacity_bytes + capacity_bytes % SAMPLE_WIDTH
        self._data = bytearray()
        self._lock = threading.Lock()
        self.dropped_bytes = 0  # overruns: audio thrown away because nobody read it
        self.underruns = 0  # read_frame calls that found less than a frame

    @classmethod
    def for_duration(cls, seconds: float, clock_rate: int) -> PcmRingBuffer:
        return cls(max(SAMPLE_WIDTH, round(seconds * clock_rate) * SAMPLE_WIDTH))

    def __len__(self) -> int:
        return len(self._data)

    def write(self, pcm: bytes | bytearray | memoryview) -> None:
        with self._lock:
            self._data += pcm
            excess = len(self._data) - self.capacity_bytes
            if excess > 0:
                del self._data[:excess]
                self.dropped_bytes += excess

    def read(self, max_bytes: int) -> bytes:
        """Up to `max_bytes` (whole samples), possibly b""."""
        with self._lock:
            count = min(max_bytes, len(self._data))
            count -= count % SAMPLE_WIDTH
            chunk = bytes(self._data[:count])
            del self._data[:count]
            return chunk

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    # FrameSink / FrameSource
    def write_frame(self, pcm: bytes) -> None:
        self.write(pcm)

    def read_frame(self, size: int) -> bytes | None:
        with self._lock:
            if len(self._data) < size:
                self.underruns += 1
                return None
            chunk = bytes(self._data[:size])
            del self._data[:size]
            return chunk


# --- ByteVector <-> bytes -------------------------------------------------------------
# Iterating a SWIG std::vector<unsigned char> element by element costs ~0.8 ms per
# 20 ms frame at 16 kHz (4 % of a core for one direction alone). std::vector keeps
# its [begin, end) pointers as its first two members in libstdc++, libc++ and MSVC,
# so ctypes can copy the bytes in ~1 us instead. That layout is checked once on a
# known vector; if the check fails the slow, portable path is used.

_PointerPair = ctypes.c_void_p * 2


def _vector_bounds(vector: pj.ByteVector) -> tuple[int, int]:
    begin, end = _PointerPair.from_address(int(vector.this))
    return begin or 0, end or 0


def _fast_read(vector: pj.ByteVector) -> bytes:
    begin, end = _vector_bounds(vector)
    return ctypes.string_at(begin, end - begin) if end > begin else b""


def _fast_write(vector: pj.ByteVector, pcm: bytes) -> None:
    vector.resize(len(pcm))
    begin, _ = _vector_bounds(vector)
    ctypes.memmove(begin, pcm, len(pcm))


def _slow_read(vector: pj.ByteVector) -> bytes:
    return bytes(vector)


def _slow_write(vector: pj.ByteVector, pcm: bytes) -> None:
    vector.clear()
    vector.reserve(len(pcm))
    for byte in pcm:  # slow (~0.8 ms a frame), but only where the fast path failed
        vector.push_back(byte)


def _pick_vector_codec() -> tuple[Callable[[pj.ByteVector], bytes],
                                  Callable[[pj.ByteVector, bytes], None], bool]:
    probe = bytes(range(256)) + b"agentdesk"
    try:
        vector = pj.ByteVector(probe)
        if _fast_read(vector) == probe and len(vector) == len(probe):
            target = pj.ByteVector()
            _fast_write(target, probe[::-1])
            if bytes(target) == probe[::-1]:
                return _fast_read, _fast_write, True
    except Exception:  # any surprise means: use the portable path
        log.debug("fast ByteVector access unavailable", exc_info=True)
    log.info("using the slow ByteVector copy (about 0.8 ms per frame)")
    return _slow_read, _slow_write, False


_read_vector, _write_vector, FAST_FRAME_COPY = _pick_vector_codec()


# --- leaving the conference bridge safely -----------------------------------------------
# Since pjsip 2.14 the conference bridge removes ports asynchronously: the removal is
# queued and done at the start of the next clock tick. pjsua2's media destructors
# queue the removal and free the object at once, so a tick already under way (or the
# next one) can still call into a freed port: for our Python port that is a crash, for
# a recorder it means the WAV is closed only later. So before destroying a port we
# ask pjsua itself (its C API, exported by the wheel's extension module) to remove
# the slot, and wait until the clock thread has done it. After that the destructor's
# own removal finds nothing to do (pjsua logs "Remove port ... failed", harmlessly).


def _load_pjsua_c_api() -> ctypes.CDLL | None:
    try:
        lib = ctypes.CDLL(pj._pjsua2.__file__)
        lib.pjsua_conf_remove_port.argtypes = [ctypes.c_int]
        lib.pjsua_conf_remove_port.restype = ctypes.c_int
        lib.pjsua_enum_conf_ports.argtypes = [ctypes.POINTER(ctypes.c_int),
                                                    ctypes.POINTER(ctypes.c_uint)]
        lib.pjsua_enum_conf_ports.restype = ctypes.c_int
        return lib
    except (OSError, AttributeError):
        log.warning("pjsua C API not reachable: media ports are destroyed without "
                    "waiting for the conference bridge")
        return None


_PJSUA = _load_pjsua_c_api()
_MAX_SLOTS = 4096
# Ports whose removal did not complete in time (AudioBridge.close): the clock thread
# may still call them, so neither their C++ nor their Python object is ever freed.
_ABANDONED_PORTS: list[pj.AudioMediaPort] = []


def _slot_active(slot: int) -> bool:
    if _PJSUA is None:
        return True  # cannot tell: assume it is there
    ids = (ctypes.c_int * _MAX_SLOTS)()
    count = ctypes.c_uint(_MAX_SLOTS)
    if _PJSUA.pjsua_enum_conf_ports(ids, ctypes.byref(count)) != 0:
        return False
    return slot in ids[:count.value]


def in_conference(media: pj.AudioMedia) -> bool:
    """`media` still has a conference slot (perhaps one queued for removal)."""
    slot = media.getPortId()
    return slot >= 0 and _slot_active(slot)


def detach_from_conference(media: pj.AudioMedia, timeout_s: float = 0.5) -> bool:
    """Remove `media`'s slot from the conference bridge and wait until the clock
    thread has really dropped it, so that destroying `media` afterwards is safe.

    Call on the thread that owns pjsua (the GUI thread), with no pjsua work in
    between this and the destruction (the slot number could otherwise be reused).
    Returns False when the wait timed out (no conference clock running: then no
    callback can be under way either).
    """
    slot = media.getPortId()
    if _PJSUA is None or slot < 0 or not _slot_active(slot):
        return True
    if _PJSUA.pjsua_conf_remove_port(slot) != 0:
        return not _slot_active(slot)
    deadline = time.monotonic() + timeout_s
    while _slot_active(slot):
        if time.monotonic() >= deadline:
            log.debug("conference slot %d still queued for removal after %.1f s", slot,
                      timeout_s)
            return False
        time.sleep(0.002)  # not pumping pjsua on purpose: nothing may take the slot
    return True


# --- the bridge -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BridgeStats:
    ticks: int  # conference clock ticks seen (20 ms each), with or without audio
    frames_received: int  # call -> speaker
    frames_sent: int  # microphone -> call
    silent_frames_sent: int  # the source had nothing: silence was sent instead
    callback_errors: int
    callback_seconds: float  # time spent inside both callbacks, on the clock thread


class _BridgePort(pj.AudioMediaPort):
    """The conference port itself. Only the two callbacks run on the clock thread."""

    def __init__(self, bridge: AudioBridge) -> None:
        super().__init__()
        self._bridge = bridge

    # Once the bridge is closing, both return at once: the port is on its way out of
    # the conference, and the less Python the clock thread runs the sooner that tick
    # is over. (Returning without touching the frame hands the bridge no audio.)

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        bridge = self._bridge
        bridge.ticks += 1
        if bridge.closed:
            return
        started = time.perf_counter()
        try:
            if frame.type != pj.PJMEDIA_FRAME_TYPE_AUDIO:
                return
            pcm = _read_vector(frame.buf)
            if not pcm:
                return
            bridge.frames_received += 1
            sink = bridge.speaker
            if sink is not None:
                sink.write_frame(pcm)
        except Exception:  # never let an exception reach C++
            bridge.note_callback_error("onFrameReceived")
        finally:
            bridge.callback_seconds += time.perf_counter() - started

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        bridge = self._bridge
        if bridge.closed:
            return
        started = time.perf_counter()
        try:
            size = bridge.frame_bytes
            pcm = None
            source = bridge.microphone
            if source is not None:
                pcm = source.read_frame(size)
            if pcm is None or len(pcm) != size:
                pcm = bridge.silence
                bridge.silent_frames_sent += 1
            frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
            _write_vector(frame.buf, pcm)
            bridge.frames_sent += 1
        except Exception:  # never let an exception reach C++
            bridge.note_callback_error("onFrameRequested")
        finally:
            bridge.callback_seconds += time.perf_counter() - started


class AudioBridge:
    """Connects calls to a speaker FrameSink and a microphone FrameSource.

    Implements the CallAudio interface the phone adapter uses:
    start(endpoint) after libStart, connect_call / disconnect_call when a call's media
    becomes active / goes on hold or away, capture_media() for the recorder, and
    close() before libDestroy. `speaker` and `microphone` may be swapped at any time
    (plain attribute writes are atomic for the clock thread).
    """

    def __init__(self, speaker: FrameSink | None = None,
                 microphone: FrameSource | None = None, *, clock_rate: int = 16000,
                 frame_ms: int = 20, name: str = "agentdesk-audio") -> None:
        if clock_rate not in (8000, 16000):
            raise ValueError("clock_rate must be 8000 or 16000")
        self.speaker = speaker
        self.microphone = microphone
        self.clock_rate = clock_rate
        self.frame_ms = frame_ms
        self.name = name
        self.samples_per_frame = clock_rate * frame_ms // 1000
        self.frame_bytes = self.samples_per_frame * SAMPLE_WIDTH
        self.silence = bytes(self.frame_bytes)
        self.closed = True
        self._port: _BridgePort | None = None
        self._calls: list[pj.AudioMedia] = []
        # Counters written only by the clock thread; read them through stats().
        self.ticks = 0  # every onFrameReceived, audio or not: the conference clock runs
        self.frames_received = 0
        self.frames_sent = 0
        self.silent_frames_sent = 0
        self.callback_errors = 0
        self.callback_seconds = 0.0
        self._last_error_log = 0.0

    # -- CallAudio ----------------------------------------------------------------------

    def start(self, endpoint: pj.Endpoint) -> None:
        """Register the port in the conference bridge (after libStart)."""
        if self._port is not None:
            return
        del endpoint  # the port joins the endpoint's conference bridge implicitly
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, self.clock_rate, 1, self.frame_ms * 1000,
                 8 * SAMPLE_WIDTH)
        port = _BridgePort(self)
        port.createPort(self.name, fmt)
        self._port = port
        self.closed = False
        log.debug("audio bridge %s on conference slot %d (%d Hz, %d ms, fast copy: %s)",
                  self.name, port.getPortId(), self.clock_rate, self.frame_ms,
                  FAST_FRAME_COPY)

    def connect_call(self, call_media: pj.AudioMedia) -> None:
        """Call audio to the speaker and microphone to the call, both ways."""
        port = self._require_port()
        call_media.startTransmit(port)
        port.startTransmit(call_media)
        if not any(m.getPortId() == call_media.getPortId() for m in self._calls):
            self._calls.append(call_media)

    def disconnect_call(self, call_media: pj.AudioMedia) -> None:
        """Stop both directions; harmless when they are not connected.

        A port that has left the conference bridge is skipped (pjsua would log an
        EINVAL error for it). An ended call goes through forget_call() instead: its
        port may still be listed while its removal waits for the next clock tick.
        """
        port = self._port
        slot = call_media.getPortId()
        self._calls = [m for m in self._calls if m.getPortId() != slot]
        if port is None or not in_conference(call_media):
            return
        for action in (lambda: call_media.stopTransmit(port),
                       lambda: port.stopTransmit(call_media)):
            try:
                action()
            except pj.Error as error:  # removed meanwhile by the clock thread
                log.debug("disconnect_call: %s", error.info())

    def forget_call(self, call_media: pj.AudioMedia) -> None:
        """The call ended: pjsua took its port and connections away already."""
        slot = call_media.getPortId()
        self._calls = [m for m in self._calls if m.getPortId() != slot]

    def capture_media(self) -> pj.AudioMedia | None:
        """The microphone side as conference media (what the call hears from us)."""
        return self._port

    def close(self) -> None:
        """Leave the conference bridge and free the port; call before libDestroy (on
        the thread that runs pjsua). Idempotent.

        The port's C++ object is destroyed here, not whenever Python drops the last
        reference: ~AudioMediaPort calls into pjsua, which after libDestroy aborts the
        process (and ~Endpoint makes it throw from a destructor: std::terminate).
        """
        port = self._port
        if port is None:
            return
        self.closed = True  # the callbacks return at once from now on
        for media in list(self._calls):
            self.disconnect_call(media)
        self._calls = []
        self._port = None
        if detach_from_conference(port):
            # The clock thread no longer knows the port: free it now, whoever else
            # still holds the Python object (SWIG disowns it, so it is freed once).
            pj.AudioMediaPort.__swig_destroy__(port)
        else:
            # Still queued for removal: the clock thread may yet call it. Never free
            # it then; the process exit reclaims it. Nor its Python object: the SWIG
            # director calls back into that (a borrowed pointer), so it is kept too.
            log.warning("audio bridge port %s still in the conference: left allocated",
                        self.name)
            port.thisown = False
            _ABANDONED_PORTS.append(port)
        del port

    # -- extras -------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._port is not None

    @property
    def connected_calls(self) -> int:
        return len(self._calls)

    def stats(self) -> BridgeStats:
        return BridgeStats(self.ticks, self.frames_received, self.frames_sent,
                           self.silent_frames_sent, self.callback_errors,
                           self.callback_seconds)

    def note_callback_error(self, where: str) -> None:
        """Count an exception from a callback; log it at most once a second."""
        self.callback_errors += 1
        now = time.monotonic()
        if now - self._last_error_log >= 1.0:
            self._last_error_log = now
            log.exception("audio bridge %s failed (%d errors so far)", where,
                          self.callback_errors)

    def _require_port(self) -> _BridgePort:
        if self._port is None:
            raise RuntimeError("AudioBridge.start(endpoint) has not been called")
        return self._port
