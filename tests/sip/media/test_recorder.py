"""CallRecorder on pjsua2's AudioMediaRecorder: pause / resume, temp name, valid WAV.

The bridge's microphone (a 600 Hz tone) is the recorded source; conference clock
ticks (20 ms each) measure time, so the expected lengths are exact in frames.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentdesk.sip.recorder import CallRecorder, RecorderError, partial_path
from agentdesk.sip.tone import ToneGenerator, read_wav, tone_windows
from tests.sip.media.conftest import MIC_TONE_HZ, MediaEndpoint

pytestmark = pytest.mark.sip


@pytest.fixture
def source(endpoint: MediaEndpoint) -> MediaEndpoint:
    endpoint.bridge.microphone = ToneGenerator(MIC_TONE_HZ, 16000)
    return endpoint


def test_partial_path_keeps_the_wav_extension() -> None:
    assert partial_path("/r/call-1.wav") == Path("/r/call-1.partial.wav")
    assert partial_path("/r/CALL.WAV") == Path("/r/CALL.partial.wav")


def test_pause_leaves_the_paused_span_out_of_a_valid_wav(source: MediaEndpoint,
                                                         tmp_path: Path) -> None:
    target = tmp_path / "calls" / "call-1.wav"
    recorder = CallRecorder(str(target))
    capture = source.bridge.capture_media()
    assert capture is not None
    recorder.start([capture])
    assert recorder.recording and not recorder.paused
    source.wait_ticks(25)  # 0.5 s recorded
    recorder.pause()
    assert recorder.paused
    # Until stop, the audio lives under the temporary name only.
    assert Path(recorder.partial_path).exists() and not target.exists()
    source.wait_ticks(50)  # 1 s paused
    recorder.resume()
    assert not recorder.paused
    source.wait_ticks(25)  # 0.5 s recorded
    assert recorder.stop() == str(target)

    assert target.exists() and not Path(recorder.partial_path).exists()
    audio = read_wav(target)  # parses: the RIFF header was finalised
    assert (audio.sample_rate, audio.channels) == (16000, 1)
    # 1 s recorded, the paused second left out (a tick or two of slack at each edge).
    assert audio.duration_s == pytest.approx(1.0, abs=0.1)
    windows = tone_windows(audio.pcm, audio.sample_rate, MIC_TONE_HZ, 0.1)
    assert sum(w.present() for w in windows) >= len(windows) - 2


def test_stop_is_idempotent_and_pause_resume_outside_recording_are_ignored(
        source: MediaEndpoint, tmp_path: Path) -> None:
    recorder = CallRecorder(str(tmp_path / "short.wav"))
    assert recorder.stop() is None  # never started
    recorder.pause()
    recorder.resume()
    assert not recorder.paused
    capture = source.bridge.capture_media()
    assert capture is not None
    recorder.start([capture])
    source.wait_ticks(10)
    path = recorder.stop()
    assert path == str(tmp_path / "short.wav")
    assert recorder.stop() == path
    assert not recorder.recording
    with pytest.raises(RecorderError, match="already"):
        recorder.start([capture])
    assert read_wav(path).duration_s > 0.1


def test_stop_while_paused_gives_a_valid_wav(source: MediaEndpoint, tmp_path: Path) -> None:
    recorder = CallRecorder(str(tmp_path / "paused.wav"))
    capture = source.bridge.capture_media()
    assert capture is not None
    recorder.start([capture])
    source.wait_ticks(25)
    recorder.pause()
    source.wait_ticks(10)
    recorder.stop()
    assert read_wav(tmp_path / "paused.wav").duration_s == pytest.approx(0.5, abs=0.1)


def test_replace_sources_keeps_recording(source: MediaEndpoint, tmp_path: Path) -> None:
    recorder = CallRecorder(str(tmp_path / "replaced.wav"))
    capture = source.bridge.capture_media()
    assert capture is not None
    recorder.start([capture])
    source.wait_ticks(25)
    recorder.replace_sources([capture])  # e.g. the call's stream was re-created
    source.wait_ticks(25)
    recorder.stop()
    assert read_wav(tmp_path / "replaced.wav").duration_s == pytest.approx(1.0, abs=0.1)


def test_bad_paths_are_refused_plainly(source: MediaEndpoint, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.wav"):
        CallRecorder(str(tmp_path / "call.mp3"))
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    recorder = CallRecorder(str(blocked / "call.wav"))
    with pytest.raises((RecorderError, OSError)):
        recorder.start([])
    assert not recorder.recording


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_directory_is_a_recorder_error(source: MediaEndpoint,
                                                     tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    recorder = CallRecorder(str(locked / "call.wav"))
    with pytest.raises(RecorderError, match="cannot record"):
        recorder.start([])
