"""The AudioBridge inside a real conference bridge, without SIP: a WAV player stands in
for the call. Plus the ring buffer that carries PCM between threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pjsua2 as pj
import pytest

from agentdesk.sip import audio_bridge
from agentdesk.sip.audio_bridge import (
    AudioBridge,
    FrameSink,
    FrameSource,
    PcmRingBuffer,
    detach_from_conference,
)
from agentdesk.sip.tone import ToneGenerator, detect_tone, generate_tone, read_wav, write_wav
from tests.sip.media.conftest import PEER_TONE_HZ, FrameCollector, MediaEndpoint

# --- PcmRingBuffer (no pjsua) ------------------------------------------------------------


def test_ring_buffer_is_a_fifo_of_whole_samples() -> None:
    ring = PcmRingBuffer(100)
    ring.write(b"abcdef")
    assert ring.read(3) == b"ab"  # never half a sample
    assert ring.read(10) == b"cdef"
    assert ring.read(10) == b""


def test_ring_buffer_drops_the_oldest_audio_when_full() -> None:
    ring = PcmRingBuffer(8)
    ring.write(b"01234567")
    ring.write(b"89")
    assert len(ring) == 8
    assert ring.dropped_bytes == 2
    assert ring.read(100) == b"23456789"
    odd = PcmRingBuffer(7)  # rounded up to whole samples
    assert odd.capacity_bytes == 8


def test_ring_buffer_frames() -> None:
    ring = PcmRingBuffer.for_duration(0.1, 8000)
    assert ring.capacity_bytes == 1600
    assert ring.read_frame(320) is None
    assert ring.underruns == 1
    ring.write_frame(bytes(range(200)) * 2)
    assert ring.read_frame(320) == (bytes(range(200)) * 2)[:320]
    assert isinstance(ring, FrameSink)
    assert isinstance(ring, FrameSource)


def test_ring_buffer_between_threads_loses_nothing_when_not_full() -> None:
    ring = PcmRingBuffer(1 << 20)
    chunks = [bytes([i % 256]) * 64 for i in range(2000)]
    done = threading.Event()

    def writer() -> None:
        for chunk in chunks:
            ring.write_frame(chunk)
        done.set()

    received = bytearray()
    thread = threading.Thread(target=writer)
    thread.start()
    while not (done.is_set() and len(ring) == 0):
        received += ring.read(1000)
    thread.join()
    assert bytes(received) == b"".join(chunks)


# --- in the conference bridge ------------------------------------------------------------

@pytest.fixture
def player(endpoint: MediaEndpoint, tone_wav: Path) -> Iterator[pj.AudioMediaPlayer]:
    holder = [pj.AudioMediaPlayer()]
    holder[0].createPlayer(str(tone_wav), 0)
    yield holder[0]
    endpoint.bridge.disconnect_call(holder[0])
    detach_from_conference(holder.pop())  # the last reference goes with the list


@pytest.mark.sip
def test_fast_frame_copy_is_in_use() -> None:
    assert audio_bridge.FAST_FRAME_COPY


def test_fast_and_portable_frame_copies_agree() -> None:
    pcm = bytes(range(256)) * 3
    for write in (audio_bridge._fast_write, audio_bridge._slow_write):
        vector = pj.ByteVector()
        write(vector, pcm)
        assert bytes(vector) == pcm
        assert audio_bridge._fast_read(vector) == audio_bridge._slow_read(vector) == pcm


@pytest.mark.sip
def test_call_audio_reaches_the_speaker_sink(endpoint: MediaEndpoint,
                                             player: pj.AudioMediaPlayer) -> None:
    sink = FrameCollector()
    endpoint.bridge.speaker = sink
    endpoint.bridge.connect_call(player)
    assert endpoint.bridge.connected_calls == 1
    endpoint.wait_until(lambda: sink.count() >= 25, "half a second of audio")
    assert {len(pcm) for _, pcm in sink.frames} == {endpoint.bridge.frame_bytes}
    assert detect_tone(sink.last_pcm(10), 16000, PEER_TONE_HZ)

    endpoint.bridge.disconnect_call(player)
    assert endpoint.bridge.connected_calls == 0
    endpoint.wait_ticks(3)  # the bridge applies the disconnection on its next tick
    before = sink.count()
    endpoint.wait_ticks(10)
    assert sink.count() == before  # nothing more reaches the speaker


@pytest.mark.sip
def test_microphone_frames_leave_through_the_port(endpoint: MediaEndpoint,
                                                  tmp_path: Path) -> None:
    """What the FrameSource gives is what the conference receives from the bridge."""
    endpoint.bridge.microphone = ToneGenerator(600, 16000)
    recorder_holder = [pj.AudioMediaRecorder()]
    recorder_holder[0].createRecorder(str(tmp_path / "mic.wav"))
    capture = endpoint.bridge.capture_media()
    assert capture is not None
    capture.startTransmit(recorder_holder[0])
    sent_before = endpoint.bridge.frames_sent
    endpoint.wait_until(lambda: endpoint.bridge.frames_sent >= sent_before + 30,
                        "microphone frames")
    capture.stopTransmit(recorder_holder[0])
    detach_from_conference(recorder_holder.pop())
    audio = read_wav(tmp_path / "mic.wav")
    assert audio.duration_s >= 0.4
    assert detect_tone(audio.pcm[-8000:], audio.sample_rate, 600)


@pytest.mark.sip
def test_a_silent_source_sends_silence(endpoint: MediaEndpoint,
                                       player: pj.AudioMediaPlayer) -> None:
    ring = PcmRingBuffer(64000)  # empty: every request is an underrun
    endpoint.bridge.microphone = ring
    silent_before = endpoint.bridge.silent_frames_sent
    endpoint.bridge.connect_call(player)  # the player listens to the bridge
    endpoint.wait_until(lambda: endpoint.bridge.silent_frames_sent >= silent_before + 10,
                        "silent frames")
    assert ring.underruns >= 10


@pytest.mark.sip
def test_a_failing_sink_is_counted_not_raised(endpoint: MediaEndpoint,
                                              player: pj.AudioMediaPlayer,
                                              caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def write_frame(self, pcm: bytes) -> None:
            raise RuntimeError("sink broke")

    endpoint.bridge.speaker = Broken()
    endpoint.bridge.connect_call(player)
    endpoint.wait_until(lambda: endpoint.bridge.callback_errors >= 5, "errors counted")
    sink = FrameCollector()
    endpoint.bridge.speaker = sink  # audio carries on with a working sink
    endpoint.wait_until(lambda: sink.count() >= 5, "audio after the failure")
    assert "onFrameReceived failed" in caplog.text
    endpoint.bridge.callback_errors = 0  # the fixture checks for unexpected errors


@pytest.mark.sip
def test_an_8_khz_bridge_on_a_16_khz_conference(endpoint: MediaEndpoint,
                                                tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "tone8k.wav", generate_tone(PEER_TONE_HZ, 1.0, 8000), 8000)
    holder = [pj.AudioMediaPlayer()]
    holder[0].createPlayer(str(wav), 0)
    bridge = AudioBridge(clock_rate=8000, name="narrowband")
    sink = FrameCollector()
    bridge.speaker = sink
    bridge.start(endpoint.ep)
    try:
        bridge.connect_call(holder[0])
        endpoint.wait_until(lambda: sink.count() >= 20, "narrowband frames")
        assert {len(pcm) for _, pcm in sink.frames} == {320}
        assert detect_tone(sink.last_pcm(10), 8000, PEER_TONE_HZ)
    finally:
        bridge.close()
        detach_from_conference(holder.pop())


@pytest.mark.sip
def test_start_close_cycles_with_audio_flowing(endpoint: MediaEndpoint,
                                               player: pj.AudioMediaPlayer) -> None:
    """Closing while the clock thread is calling in must never crash or leak a slot."""
    baseline = endpoint.ep.mediaActivePorts()
    for _ in range(30):
        bridge = AudioBridge(FrameCollector(), ToneGenerator(600, 16000))
        bridge.start(endpoint.ep)
        bridge.connect_call(player)
        target = bridge.frames_received + 2
        endpoint.wait_until(lambda b=bridge, t=target: b.frames_received >= t, "frames")
        bridge.close()
        bridge.close()  # idempotent
        assert not bridge.started
    assert endpoint.ep.mediaActivePorts() == baseline


@pytest.mark.sip
def test_misuse_is_reported_plainly(endpoint: MediaEndpoint) -> None:
    bridge = AudioBridge()
    assert bridge.capture_media() is None
    with pytest.raises(RuntimeError, match="start"):
        bridge.connect_call(endpoint.bridge.capture_media())
    bridge.close()  # never started: nothing to do
    with pytest.raises(ValueError, match="8000 or 16000"):
        AudioBridge(clock_rate=44100)


@pytest.mark.sip
def test_disconnecting_media_that_is_gone_is_harmless(endpoint: MediaEndpoint,
                                                      tone_wav: Path,
                                                      capfd: pytest.CaptureFixture[str]
                                                      ) -> None:
    holder = [pj.AudioMediaPlayer()]
    holder[0].createPlayer(str(tone_wav), 0)
    endpoint.bridge.connect_call(holder[0])
    detach_from_conference(holder[0])  # the "call" leaves the bridge first
    capfd.readouterr()
    endpoint.bridge.disconnect_call(holder[0])
    assert endpoint.bridge.connected_calls == 0
    # pjsua is not even asked: it would print "pjsua_conf_disconnect ... EINVAL".
    assert "EINVAL" not in capfd.readouterr().out
    holder.clear()


@pytest.mark.sip
def test_an_ended_call_is_forgotten_without_asking_pjsua(endpoint: MediaEndpoint,
                                                         tone_wav: Path) -> None:
    holder = [pj.AudioMediaPlayer()]
    holder[0].createPlayer(str(tone_wav), 0)
    endpoint.bridge.connect_call(holder[0])
    slot = holder[0].getPortId()
    # pjsua removes an ended call's port itself, before onCallState(DISCONNECTED);
    # the removal waits for the next clock tick, so the slot may still be listed.
    assert audio_bridge._PJSUA is not None
    assert audio_bridge._PJSUA.pjsua_conf_remove_port(slot) == 0
    endpoint.bridge.forget_call(holder[0])
    assert endpoint.bridge.connected_calls == 0
    endpoint.wait_until(lambda: not audio_bridge.in_conference(holder[0]),
                        "the slot to be removed")
    holder.clear()


@pytest.mark.sip
def test_close_frees_the_port_before_it_returns(endpoint: MediaEndpoint) -> None:
    """~AudioMediaPort calls into pjsua: after libDestroy that aborts the process, so
    the port must not wait for Python to drop its last reference."""
    baseline = endpoint.ep.mediaActivePorts()
    bridge = AudioBridge(FrameCollector(), ToneGenerator(600, 16000))
    bridge.start(endpoint.ep)
    bridge.connect_call(endpoint.bridge.capture_media())  # audio flowing both ways
    kept = bridge.capture_media()  # as a recorder's source list might keep it
    assert kept is not None and kept.thisown
    endpoint.wait_ticks(2)
    bridge.close()
    assert not kept.thisown  # freed by close(), never again by Python
    assert endpoint.ep.mediaActivePorts() == baseline
