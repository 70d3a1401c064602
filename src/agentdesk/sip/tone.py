"""Test tones: generate them, find them (Goertzel), and read / write 16-bit mono WAV.

Pure standard library (`array`, `math`, `wave`) so the simulated caller, the tests and
the benchmarks share it without numpy. Everything here is 16-bit signed little-endian
mono PCM, the format the audio bridge and pjmedia's WAV ports use.
"""

from __future__ import annotations

import math
import sys
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

SAMPLE_WIDTH = 2  # bytes: 16-bit PCM
_FULL_SCALE = 32767


def _samples(pcm: bytes | bytearray | memoryview) -> array:
    data = array("h")
    data.frombytes(bytes(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH]))
    if sys.byteorder == "big":  # WAV and pjmedia frames are little-endian
        data.byteswap()
    return data


def _pcm(samples: array) -> bytes:
    if sys.byteorder == "big":
        samples = array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def generate_tone(frequency_hz: float, duration_s: float, sample_rate: int = 16000,
                  amplitude: float = 0.5, phase: float = 0.0) -> bytes:
    """`duration_s` of a sine at `frequency_hz`, as 16-bit PCM; amplitude is 0..1."""
    count = round(duration_s * sample_rate)
    step = 2.0 * math.pi * frequency_hz / sample_rate
    peak = amplitude * _FULL_SCALE
    sin = math.sin
    return _pcm(array("h", [int(peak * sin(phase + step * n)) for n in range(count)]))


def silence(duration_s: float, sample_rate: int = 16000) -> bytes:
    return bytes(round(duration_s * sample_rate) * SAMPLE_WIDTH)


class ToneGenerator:
    """An endless, phase-continuous sine handed out in frames of any size.

    Implements the bridge's FrameSource protocol (`read_frame`), so a test can inject
    "a 600 Hz tone as microphone". Cheap: one period-aligned table, sliced per frame.
    """

    def __init__(self, frequency_hz: float, sample_rate: int = 16000,
                 amplitude: float = 0.5) -> None:
        self.frequency_hz = frequency_hz
        self.sample_rate = sample_rate
        # One second holds a whole number of periods for any integer frequency, so
        # wrapping around the table keeps the phase continuous.
        self._table = generate_tone(frequency_hz, 1.0, sample_rate, amplitude)
        self._offset = 0

    def read_frame(self, size: int) -> bytes:
        table = self._table
        out = bytearray()
        while len(out) < size:
            chunk = table[self._offset:self._offset + size - len(out)]
            out += chunk
            self._offset = (self._offset + len(chunk)) % len(table)
        return bytes(out)


def goertzel_power(pcm: bytes | bytearray | memoryview, sample_rate: int,
                   frequency_hz: float) -> float:
    """|X(f)|^2 of the 16-bit PCM block at `frequency_hz` (Goertzel, no window)."""
    samples = _samples(pcm)
    coeff = 2.0 * math.cos(2.0 * math.pi * frequency_hz / sample_rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coeff * s1 * s2


@dataclass(frozen=True, slots=True)
class ToneMeasure:
    """How strongly one frequency is present in a block of audio."""

    frequency_hz: float
    ratio: float  # share of the block's energy at that frequency, 0..1 (1: pure tone)
    rms: float  # of the whole block, 0..1 of full scale

    def present(self, min_ratio: float = 0.5, min_rms: float = 0.01) -> bool:
        return self.ratio >= min_ratio and self.rms >= min_rms


def measure_tone(pcm: bytes | bytearray | memoryview, sample_rate: int,
                 frequency_hz: float) -> ToneMeasure:
    """Share of the block's energy that sits at `frequency_hz`.

    For a pure sine of N samples, |X(f)|^2 = (N*A/2)^2 and sum(x^2) = N*A^2/2, so
    ratio = 2*|X(f)|^2 / (N * sum(x^2)) is 1.0; noise or other tones bring it toward 0.
    The bin is sample_rate/N wide: use blocks of 100 ms or more for a sharp answer.
    """
    samples = _samples(pcm)
    count = len(samples)
    if count == 0:
        return ToneMeasure(frequency_hz, 0.0, 0.0)
    energy = float(sum(x * x for x in samples))
    if energy == 0.0:
        return ToneMeasure(frequency_hz, 0.0, 0.0)
    power = goertzel_power(pcm, sample_rate, frequency_hz)
    ratio = min(1.0, 2.0 * power / (count * energy))
    rms = math.sqrt(energy / count) / _FULL_SCALE
    return ToneMeasure(frequency_hz, ratio, rms)


def detect_tone(pcm: bytes | bytearray | memoryview, sample_rate: int, frequency_hz: float,
                min_ratio: float = 0.5, min_rms: float = 0.01) -> bool:
    """True when `frequency_hz` dominates the block and the block is not near-silent."""
    return measure_tone(pcm, sample_rate, frequency_hz).present(min_ratio, min_rms)


def tone_windows(pcm: bytes, sample_rate: int, frequency_hz: float,
                 window_s: float = 0.1) -> list[ToneMeasure]:
    """`measure_tone` over consecutive windows: where in a recording the tone is."""
    step = round(window_s * sample_rate) * SAMPLE_WIDTH
    return [measure_tone(pcm[start:start + step], sample_rate, frequency_hz)
            for start in range(0, len(pcm) - step + 1, step)]


def write_wav(path: str | Path, pcm: bytes, sample_rate: int = 16000) -> Path:
    path = Path(path)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return path


@dataclass(frozen=True, slots=True)
class WavAudio:
    pcm: bytes
    sample_rate: int
    channels: int

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / (SAMPLE_WIDTH * self.channels * self.sample_rate)


def read_wav(path: str | Path) -> WavAudio:
    """A 16-bit PCM WAV; raises wave.Error (or ValueError) when it is not one."""
    with wave.open(str(path), "rb") as source:
        if source.getsampwidth() != SAMPLE_WIDTH:
            raise ValueError(f"{path}: {8 * source.getsampwidth()}-bit samples, expected 16")
        return WavAudio(source.readframes(source.getnframes()), source.getframerate(),
                        source.getnchannels())
