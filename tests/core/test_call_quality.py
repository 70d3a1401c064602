import pytest

from agentdesk.core.call_quality import estimate_mos


@pytest.mark.parametrize(
    ("rtt", "jitter", "loss", "low", "high"),
    [
        (0, 0, 0, 4.3, 4.5),  # loopback: as good as G.711 gets
        (40, 5, 0, 4.3, 4.5),
        (300, 30, 1, 3.6, 4.2),
        (800, 80, 10, 1.0, 2.0),
        (0, 0, 100, 1.0, 1.0),
    ],
)
def test_mos_ranges(rtt, jitter, loss, low, high):
    assert low <= estimate_mos(rtt, jitter, loss) <= high


def test_mos_falls_with_loss_and_latency():
    assert estimate_mos(50, 5, 0) > estimate_mos(50, 5, 3) > estimate_mos(50, 5, 10)
    assert estimate_mos(50, 5, 0) > estimate_mos(400, 5, 0)


def test_negative_inputs_are_clamped():
    assert estimate_mos(-1, -1, -1) == estimate_mos(0, 0, 0)
