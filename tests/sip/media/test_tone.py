"""Goertzel tone detection and tone generation (pure Python, no SIP)."""

from __future__ import annotations

import random
import struct
import wave
from pathlib import Path

import pytest

from agentdesk.sip.tone import (
    ToneGenerator,
    detect_tone,
    generate_tone,
    measure_tone,
    read_wav,
    silence,
    tone_windows,
    write_wav,
)

RATE = 16000


@pytest.mark.parametrize("rate", [8000, 16000])
@pytest.mark.parametrize("frequency", [600, 1000, 1633])
def test_a_generated_tone_is_found_at_its_frequency_only(rate: int, frequency: int) -> None:
    pcm = generate_tone(frequency, 0.2, rate)
    assert len(pcm) == 2 * round(0.2 * rate)
    assert measure_tone(pcm, rate, frequency).ratio > 0.95
    for other in (350, 440, 800, 1200, 2000):
        if abs(other - frequency) > 100:
            assert measure_tone(pcm, rate, other).ratio < 0.05, other


def test_amplitude_and_rms() -> None:
    pcm = generate_tone(1000, 0.1, RATE, amplitude=0.5)
    measure = measure_tone(pcm, RATE, 1000)
    assert measure.rms == pytest.approx(0.5 / 2 ** 0.5, rel=0.01)
    peak = max(abs(s) for s in struct.unpack(f"<{len(pcm) // 2}h", pcm))
    assert 16000 <= peak <= 16384


def test_silence_and_empty_input_have_no_tone() -> None:
    assert not detect_tone(silence(0.2, RATE), RATE, 1000)
    assert not detect_tone(b"", RATE, 1000)
    assert measure_tone(b"\x01", RATE, 1000).ratio == 0.0  # half a sample is ignored


def test_a_very_quiet_tone_is_not_present_by_default() -> None:
    pcm = generate_tone(1000, 0.2, RATE, amplitude=0.001)
    measure = measure_tone(pcm, RATE, 1000)
    assert measure.ratio > 0.9
    assert not measure.present()
    assert measure.present(min_rms=0.0001)


def test_a_tone_in_noise_is_found_and_noise_alone_is_not() -> None:
    noise_source = random.Random(7)
    count = RATE // 5
    noise = [noise_source.randint(-3000, 3000) for _ in range(count)]
    tone = struct.unpack(f"<{count}h", generate_tone(1000, 0.2, RATE, amplitude=0.4))
    mixed = struct.pack(f"<{count}h", *(t + n for t, n in zip(tone, noise, strict=True)))
    assert detect_tone(mixed, RATE, 1000)
    assert not detect_tone(struct.pack(f"<{count}h", *noise), RATE, 1000)


def test_two_tones_each_hold_about_half_the_energy() -> None:
    first = struct.unpack("<3200h", generate_tone(600, 0.2, RATE, 0.3))
    second = struct.unpack("<3200h", generate_tone(1000, 0.2, RATE, 0.3))
    both = struct.pack("<3200h", *(a + b for a, b in zip(first, second, strict=True)))
    assert measure_tone(both, RATE, 600).ratio == pytest.approx(0.5, abs=0.05)
    assert measure_tone(both, RATE, 1000).ratio == pytest.approx(0.5, abs=0.05)


def test_tone_generator_frames_are_phase_continuous() -> None:
    generator = ToneGenerator(600, RATE)
    frames = [generator.read_frame(640) for _ in range(80)]  # 1.6 s, wraps the table
    assert all(len(frame) == 640 for frame in frames)
    joined = b"".join(frames)
    # A phase jump at the wrap-around would spread energy away from 600 Hz.
    assert min(m.ratio for m in tone_windows(joined, RATE, 600, 0.1)) > 0.95
    odd = generator.read_frame(333)
    assert len(odd) == 333


def test_tone_windows_locate_a_tone_in_a_recording() -> None:
    pcm = silence(0.3, RATE) + generate_tone(1000, 0.4, RATE) + silence(0.3, RATE)
    found = [m.present() for m in tone_windows(pcm, RATE, 1000, 0.1)]
    assert found == [False] * 3 + [True] * 4 + [False] * 3


def test_wav_round_trip(tmp_path: Path) -> None:
    pcm = generate_tone(1000, 0.25, 8000)
    path = write_wav(tmp_path / "t.wav", pcm, 8000)
    audio = read_wav(path)
    assert (audio.pcm, audio.sample_rate, audio.channels) == (pcm, 8000, 1)
    assert audio.duration_s == pytest.approx(0.25)


def test_read_wav_refuses_8_bit(tmp_path: Path) -> None:
    path = tmp_path / "8bit.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(bytes(800))
    with pytest.raises(ValueError, match="8-bit"):
        read_wav(path)
