"""Which script starts with a call: from each script's `applies_to` rules.

The most specific rule wins: a campaign match, then the dialed number (DNIS), then
the queue, then a script marked `default`. Among several versions of one script the
highest version wins; among different scripts at the same level, the first given.
"""

from __future__ import annotations

from collections.abc import Iterable

from agentdesk.core.scripts.model import Script


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+").lstrip("+")


def _same_number(written: str, dialed: str) -> bool:
    """`+86 400 800 1234` is `4008001234`: DNIS arrives with or without country code."""
    digits = _digits(written)
    if digits == dialed:
        return True
    shorter, longer = sorted((digits, dialed), key=len)
    return len(shorter) >= 7 and longer.endswith(shorter)


def choose_script(scripts: Iterable[Script], *, queue: str | None = None,
                  dialed_number: str | None = None,
                  campaign_id: str | None = None) -> Script | None:
    latest: dict[str, Script] = {}
    for script in scripts:
        known = latest.get(script.id)
        if known is None or script.version > known.version:
            latest[script.id] = script
    candidates = list(latest.values())
    dialed = _digits(dialed_number) if dialed_number else ""
    rules = (
        lambda s: campaign_id is not None and campaign_id in s.applies_to.campaigns,
        lambda s: bool(dialed) and any(_same_number(number, dialed)
                                       for number in s.applies_to.dialed_numbers),
        lambda s: queue is not None and queue in s.applies_to.queues,
        lambda s: s.applies_to.default,
    )
    for matches in rules:
        for script in candidates:
            if matches(script):
                return script
    return None
