"""Local ringback: what the agent hears while an outbound call rings (180, no media).

A 180 Ringing carries no audio; the caller's own phone must play the ringback tone,
or the agent hears dead air and hangs up too early. When the far end sends early
media (183 with SDP) that audio is played instead and no local tone is made.

The tone and cadence follow the agent's region (ITU-T E.180): China 450 Hz, 1 s on,
4 s off; North America 440+480 Hz, 2 s on, 4 s off; elsewhere 425 Hz, 1 s on, 4 s off.
"""

from __future__ import annotations

import math
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer

from agentdesk.sip.audio_bridge import SAMPLE_WIDTH, PcmRingBuffer


@dataclass(frozen=True)
class RingbackTone:
    frequencies_hz: tuple[float, ...]
    on_s: float
    off_s: float


_NANP = RingbackTone((440.0, 480.0), 2.0, 4.0)
_REGION_TONES = {"CN": RingbackTone((450.0,), 1.0, 4.0), "US": _NANP, "CA": _NANP}
_DEFAULT_TONE = RingbackTone((425.0,), 1.0, 4.0)


def ringback_tone(region: str) -> RingbackTone:
    return _REGION_TONES.get(region.upper(), _DEFAULT_TONE)


class RingbackCadence:
    """An endless ringback signal handed out in frames (a FrameSource)."""

    def __init__(self, tone: RingbackTone, sample_rate: int = 16000,
                 amplitude: float = 0.25) -> None:
        on = round(tone.on_s * sample_rate)
        off = round(tone.off_s * sample_rate)
        peak = amplitude * 32767 / len(tone.frequencies_hz)
        steps = [2.0 * math.pi * f / sample_rate for f in tone.frequencies_hz]
        samples = array("h", [int(peak * sum(math.sin(s * n) for s in steps))
                              for n in range(on)])
        samples.extend(array("h", bytes(off * SAMPLE_WIDTH)))
        self._cycle = samples.tobytes()
        self._offset = 0

    def read_frame(self, size: int) -> bytes:
        out = bytearray()
        while len(out) < size:
            chunk = self._cycle[self._offset:self._offset + size - len(out)]
            out += chunk
            self._offset = (self._offset + len(chunk)) % len(self._cycle)
        return bytes(out)


class LocalRingback(QObject):
    """Feeds ringback into the speaker buffer from a GUI-thread timer while active.

    The timer only has to be roughly regular: each tick writes as much audio as the
    wall clock says is due, keeping about 100 ms queued ahead of the speaker.
    """

    TICK_MS = 20
    LEAD_S = 0.1

    def __init__(self, speaker: PcmRingBuffer, region: str, clock_rate: int = 16000,
                 clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._speaker = speaker
        self._clock_rate = clock_rate
        self._clock = clock
        self._region = region
        self._cadence = RingbackCadence(ringback_tone(region), clock_rate)
        self._written_until = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(self.TICK_MS)
        self._timer.timeout.connect(self.on_timer_timeout)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def set_region(self, region: str) -> None:
        if region.upper() != self._region.upper():
            self._region = region
            self._cadence = RingbackCadence(ringback_tone(region), self._clock_rate)

    def start(self) -> None:
        if self.active:
            return
        self._cadence = RingbackCadence(ringback_tone(self._region), self._clock_rate)
        self._written_until = self._clock()
        self.on_timer_timeout()
        self._timer.start()

    def stop(self) -> None:
        if self.active:
            self._timer.stop()
            self._speaker.clear()  # no tail of ringback over the answered call

    def on_timer_timeout(self) -> None:
        target = self._clock() + self.LEAD_S
        due = target - self._written_until
        frame_bytes = self._clock_rate * self.TICK_MS // 1000 * SAMPLE_WIDTH
        frames = int(round(due * 1000, 6) // self.TICK_MS)  # 0.1 s is 99.999.. ms in floats
        if frames <= 0:
            return
        self._speaker.write(self._cadence.read_frame(frames * frame_bytes))
        self._written_until += frames * self.TICK_MS / 1000
