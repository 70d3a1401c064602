"""Truncated exponential backoff with full jitter (AWS architecture blog's "full
jitter"): after the n-th consecutive failure wait a uniform random time in
[0, min(cap, base * 2**(n-1))]. Jitter keeps a room of desktops that lost the server
at the same moment from coming back in lockstep; the cap keeps an agent who has been
offline for an hour from waiting another hour after the network returns.

Pure: the random source is injected, so tests pass a fake one.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 1.0
    cap: float = 60.0
    uniform: Callable[[float, float], float] = field(default=random.uniform, repr=False)
    failures: int = 0

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap < self.base:
            raise ValueError("backoff needs 0 < base <= cap")

    def ceiling(self, failures: int | None = None) -> float:
        """The largest delay after `failures` consecutive failures (0 for none)."""
        n = self.failures if failures is None else failures
        if n <= 0:
            return 0.0
        # min() before the power would overflow: 2**1100 is fine for int, not for float
        exponent = min(n - 1, 62)
        return min(self.cap, self.base * float(2 ** exponent))

    def failed(self) -> float:
        """Count a failure; returns how long to wait before the next attempt."""
        self.failures += 1
        return self.uniform(0.0, self.ceiling())

    def succeeded(self) -> None:
        self.failures = 0
