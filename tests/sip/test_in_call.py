"""In-call controls against a real peer: hold / resume, mute, recording."""

from __future__ import annotations

import array
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pjsua2 as pj
import pytest

from agentdesk.core.phone_events import (
    CallHoldChanged,
    CallMuteChanged,
    RecordingChanged,
)
from agentdesk.core.softphone import PhoneActionError
from agentdesk.sip.audio_bridge import detach_from_conference
from tests.sip.conftest import PhoneHarness, direct_settings, make_harness
from tests.sip.rtp import RtpPeer
from tests.sip.sipp import SippFactory

pytestmark = pytest.mark.sip


def test_hold_sends_sendonly_and_resume_sends_sendrecv(
        phone: PhoneHarness, sipp: SippFactory) -> None:
    callee = sipp.start("uas_hold.xml")
    call_id = phone.connect(callee.address)

    phone.phone.hold(call_id)
    phone.wait_event(CallHoldChanged, call_id=call_id, on_hold=True)
    with pytest.raises(PhoneActionError, match="already on hold"):
        phone.phone.hold(call_id)
    phone.phone.resume(call_id)
    phone.wait_event(CallHoldChanged, call_id=call_id, on_hold=False)
    phone.phone.hangup(call_id)
    phone.wait_for(lambda: callee.done, "sipp to finish")
    assert callee.returncode == 0, callee.diagnostics()

    first, hold, resume = callee.received("INVITE")
    assert "a=sendrecv" in first.body
    assert "a=sendonly" in hold.body and "a=sendrecv" not in hold.body
    assert "a=sendrecv" in resume.body


class ToneAudio:
    """A CallAudio whose 'microphone' is a 1 kHz tone; the speaker is the null device."""

    def __init__(self) -> None:
        self.media: pj.AudioMedia | None = None
        self._tone: pj.ToneGenerator | None = None
        self._endpoint: pj.Endpoint | None = None

    def start(self, endpoint: pj.Endpoint) -> None:
        self._endpoint = endpoint
        self._tone = pj.ToneGenerator()
        self._tone.createToneGenerator(8000, 1)
        tone = pj.ToneDesc()
        tone.freq1, tone.freq2, tone.on_msec, tone.off_msec = 1000, 0, 1000, 0
        tones = pj.ToneDescVector()
        tones.append(tone)
        self._tone.play(tones, True)

    def connect_call(self, call_media: pj.AudioMedia) -> None:
        assert self._tone is not None and self._endpoint is not None
        self._tone.startTransmit(call_media)
        call_media.startTransmit(self._endpoint.audDevManager().getPlaybackDevMedia())
        self.media = call_media

    def disconnect_call(self, call_media: pj.AudioMedia) -> None:
        self.media = None

    def forget_call(self, call_media: pj.AudioMedia) -> None:
        self.media = None

    def capture_media(self) -> pj.AudioMedia | None:
        return self._tone

    def close(self) -> None:
        self.media = None
        if self._tone is not None:
            detach_from_conference(self._tone)  # before ~ToneGenerator frees the port
            self._tone = None
        self._endpoint = None  # nothing may keep the library's Endpoint after shutdown

    def heard_level(self) -> int:
        """Level of what the call brings in from the remote (here: our own echo)."""
        assert self.media is not None
        return int(self.media.getTxLevel())  # pjsua2: "tx" = from the port to the bridge


@pytest.fixture(scope="module")
def tone_audio() -> ToneAudio:
    return ToneAudio()


@pytest.fixture(scope="module")
def module_phone(tone_audio: ToneAudio) -> Iterator[PhoneHarness]:
    """This module's phone talks with a tone for a microphone."""
    harness = make_harness(direct_settings(), audio=tone_audio)
    yield harness
    harness.phone.shutdown()


def test_mute_silences_the_agent_but_not_the_customer(
        phone: PhoneHarness, tone_audio: ToneAudio, sipp: SippFactory) -> None:
    peer = RtpPeer()  # the callee's audio: sipp signals, this socket speaks and listens
    try:
        callee = sipp.start("uas_answer.xml",
                            fill={"m=audio [media_port]": f"m=audio {peer.port}"})
        call_id = phone.connect(callee.address)

        def until(predicate: Callable[[], bool], what: str) -> None:
            def check() -> bool:
                peer.tick()
                return predicate()
            phone.wait_for(check, what)

        until(lambda: peer.recent_level() > 1000, "the agent's tone to reach the customer")
        peer.talking = True
        until(lambda: tone_audio.media is not None and tone_audio.heard_level() > 10,
              "the customer to be heard")

        phone.phone.set_mute(call_id, True)
        assert phone.wait_event(CallMuteChanged, call_id=call_id).muted
        until(lambda: peer.recent_level() < 10, "the customer to hear silence")
        phone.settle(0.2)
        peer.tick()
        assert peer.recent_level() < 10
        assert tone_audio.heard_level() > 10, "muting must not silence the customer"

        phone.phone.set_mute(call_id, False)
        until(lambda: peer.recent_level() > 1000, "the agent to be heard again")
        quality = phone.phone.quality(call_id)
        assert quality is not None and quality.loss_percent == 0.0

        phone.phone.hangup(call_id)
        phone.wait_for(lambda: callee.done, "sipp to finish")
        assert callee.returncode == 0, callee.diagnostics()
    finally:
        peer.close()


def wav_summary(path: Path) -> tuple[float, float]:
    """(duration in seconds, mean absolute sample value) of a 16-bit mono WAV."""
    with wave.open(str(path), "rb") as wav:
        assert (wav.getsampwidth(), wav.getnchannels()) == (2, 1)
        frames = wav.readframes(wav.getnframes())
        rate = wav.getframerate()
    samples = array.array("h", frames)
    level = sum(abs(s) for s in samples) / len(samples) if samples else 0.0
    return len(samples) / rate, level


def test_recording_with_pause_and_resume_writes_a_wav_of_both_sides(
        phone: PhoneHarness, sipp: SippFactory, tmp_path: Path) -> None:
    callee = sipp.start("uas_answer.xml")
    call_id = phone.connect(callee.address)
    target = tmp_path / "calls" / "call.wav"
    with pytest.raises(PhoneActionError, match="not being recorded"):
        phone.phone.pause_recording(call_id)

    phone.phone.start_recording(call_id, str(target))
    assert phone.find(RecordingChanged)[-1] == RecordingChanged(call_id, True, False,
                                                                str(target))
    with pytest.raises(PhoneActionError, match="already being recorded"):
        phone.phone.start_recording(call_id, str(target))
    phone.settle(0.6)
    phone.phone.pause_recording(call_id)
    assert phone.find(RecordingChanged)[-1].paused
    phone.settle(1.2)  # not in the file
    phone.phone.resume_recording(call_id)
    assert not phone.find(RecordingChanged)[-1].paused
    phone.settle(0.6)

    phone.phone.hangup(call_id)  # ends the recording too
    stopped = phone.wait_event(RecordingChanged, call_id=call_id, recording=False)
    assert stopped.path == str(target)
    duration, level = wav_summary(target)
    assert 0.8 <= duration <= 1.9, duration  # 1.2 s recorded; 2.4 s if pause leaked
    assert level > 100  # the agent's tone is in it
    phone.wait_for(lambda: callee.done, "sipp to finish")
    assert callee.returncode == 0, callee.diagnostics()


def test_recording_to_an_unusable_path_is_refused_clearly(
        phone: PhoneHarness, sipp: SippFactory, tmp_path: Path) -> None:
    callee = sipp.start("uas_answer.xml")
    call_id = phone.connect(callee.address)
    with pytest.raises(PhoneActionError, match="Recording could not start"):
        phone.phone.start_recording(call_id, str(tmp_path / "not-a-wav.mp3"))
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(PhoneActionError, match="Recording could not start"):
        phone.phone.start_recording(call_id, str(blocker / "sub" / "x.wav"))
    assert not phone.find(RecordingChanged)
    phone.phone.hangup(call_id)
    phone.wait_for(lambda: callee.done, "sipp to finish")
