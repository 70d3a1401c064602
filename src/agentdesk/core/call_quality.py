"""Estimating a call's MOS from what RTCP tells us.

A simplified ITU-T G.107 E-model (the form of Cole & Rosenbluth, 2001): the effective
latency folds in jitter, the R factor drops with latency and loss, and R maps to MOS.
Good enough to tell an agent "your line is poor" and to sort calls for QA.
"""

from __future__ import annotations


def estimate_mos(rtt_ms: float, jitter_ms: float, loss_percent: float) -> float:
    one_way = max(rtt_ms, 0.0) / 2.0
    effective_latency = one_way + 2.0 * max(jitter_ms, 0.0) + 10.0
    if effective_latency < 160.0:
        r = 93.2 - effective_latency / 40.0
    else:
        r = 93.2 - (effective_latency - 120.0) / 10.0
    r -= 2.5 * min(max(loss_percent, 0.0), 100.0)
    r = min(max(r, 0.0), 100.0)
    mos = 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)
    return round(min(max(mos, 1.0), 4.5), 2)
