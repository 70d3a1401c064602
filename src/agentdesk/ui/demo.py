"""What the window needs from demo mode (the app passes the simulated caller)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class DemoControls(Protocol):
    def simulate_inbound_call(self) -> None:
        """Have the simulated customer call this agent now."""

    def call_campaign_lead(self) -> None:
        """Dial the demo telesales campaign's lead (the simulated customer answers)."""
