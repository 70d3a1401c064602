from __future__ import annotations

import pytest

from agentdesk.sync.backoff import Backoff


class RecordingUniform:
    """A fake random source: returns the upper bound and remembers every range."""

    def __init__(self) -> None:
        self.ranges: list[tuple[float, float]] = []

    def __call__(self, low: float, high: float) -> float:
        self.ranges.append((low, high))
        return high


def test_ceiling_doubles_until_the_cap() -> None:
    rnd = RecordingUniform()
    backoff = Backoff(base=0.5, cap=10.0, uniform=rnd)
    delays = [backoff.failed() for _ in range(8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert all(low == 0.0 for low, _ in rnd.ranges)  # full jitter: from zero


def test_jitter_is_drawn_from_the_whole_range() -> None:
    backoff = Backoff(base=1.0, cap=60.0, uniform=lambda low, high: (low + high) / 2)
    assert [backoff.failed() for _ in range(3)] == [0.5, 1.0, 2.0]


def test_success_resets() -> None:
    backoff = Backoff(base=1.0, cap=60.0, uniform=lambda low, high: high)
    for _ in range(5):
        backoff.failed()
    backoff.succeeded()
    assert backoff.failures == 0 and backoff.ceiling() == 0.0
    assert backoff.failed() == 1.0


def test_a_very_long_outage_does_not_overflow() -> None:
    backoff = Backoff(base=1.0, cap=30.0, uniform=lambda low, high: high)
    backoff.failures = 5000
    assert backoff.failed() == 30.0


def test_real_random_stays_in_range() -> None:
    backoff = Backoff(base=1.0, cap=8.0)
    for n in range(1, 50):
        delay = backoff.failed()
        assert 0.0 <= delay <= min(8.0, 2.0 ** (n - 1))


@pytest.mark.parametrize(("base", "cap"), [(0.0, 1.0), (2.0, 1.0), (-1.0, 5.0)])
def test_bad_parameters_are_refused(base: float, cap: float) -> None:
    with pytest.raises(ValueError, match="backoff"):
        Backoff(base=base, cap=cap)
