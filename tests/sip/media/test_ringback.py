"""Local ringback: the right tone and cadence, fed to the speaker while active."""

import pytest

from agentdesk.sip.audio_bridge import PcmRingBuffer
from agentdesk.sip.ringback import LocalRingback, RingbackCadence, ringback_tone
from agentdesk.sip.tone import detect_tone

RATE = 16000


@pytest.mark.parametrize(("region", "freqs", "on", "off"), [
    ("CN", (450.0,), 1.0, 4.0), ("cn", (450.0,), 1.0, 4.0),
    ("US", (440.0, 480.0), 2.0, 4.0), ("DE", (425.0,), 1.0, 4.0),
])
def test_tone_per_region(region, freqs, on, off):
    tone = ringback_tone(region)
    assert (tone.frequencies_hz, tone.on_s, tone.off_s) == (freqs, on, off)


def test_cadence_is_tone_then_silence_and_repeats():
    cadence = RingbackCadence(ringback_tone("CN"), RATE)
    second = RATE * 2
    first_on = cadence.read_frame(second)
    assert detect_tone(first_on, RATE, 450.0)
    off = cadence.read_frame(4 * second)
    assert off == bytes(len(off))
    again = cadence.read_frame(second)
    assert again == first_on  # the cycle repeats exactly


def test_two_tone_ringback_contains_both_frequencies():
    pcm = RingbackCadence(ringback_tone("US"), RATE).read_frame(RATE)
    # Each of the two tones carries half of the energy.
    assert detect_tone(pcm, RATE, 440.0, min_ratio=0.4)
    assert detect_tone(pcm, RATE, 480.0, min_ratio=0.4)


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_local_ringback_writes_what_the_clock_says_is_due(qapp):
    speaker = PcmRingBuffer.for_duration(1.0, RATE)
    clock = FakeClock()
    ringback = LocalRingback(speaker, "CN", RATE, clock=clock)
    ringback.start()
    assert ringback.active
    assert len(speaker) == int(0.1 * RATE) * 2  # 100 ms queued ahead at once
    clock.now += 0.2
    ringback.on_timer_timeout()
    assert len(speaker) == int(0.3 * RATE) * 2
    assert detect_tone(speaker.read(len(speaker)), RATE, 450.0)
    ringback.on_timer_timeout()  # nothing new is due
    assert len(speaker) == 0
    ringback.stop()
    assert not ringback.active


def test_stop_clears_the_queued_tail(qapp):
    speaker = PcmRingBuffer.for_duration(1.0, RATE)
    ringback = LocalRingback(speaker, "CN", RATE, clock=FakeClock())
    ringback.start()
    ringback.stop()
    assert len(speaker) == 0
