"""What the window needs from demo mode (the app passes the simulated caller)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class DemoControls(Protocol):
    def simulate_inbound_call(self) -> None:
        """Have the simulated customer call this agent now."""
