"""After-call work (ACW) policy, per queue or campaign, and one call's ACW period.

- mandatory: no new call until the wrap-up is saved; no countdown (the elapsed time
  is shown);
- timeboxed: a countdown of `seconds`, extendable once by `extend_seconds`; when it
  runs out the call is auto-wrapped with the code AUTO_WRAP_CODE and
  `auto_wrapped=True`, so timeouts are reported apart and never pollute real outcomes;
- optional: the agent may move on without a wrap-up.

Time is injected: `tick(now)` and `remaining(now)` take the time from the caller, so
the same object is driven by a QTimer in the desktop and by a fake clock in tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from uuid import UUID

from agentdesk.core.records import WrapUp

AUTO_WRAP_CODE = "AUTO-WRAP"


class AcwMode(Enum):
    MANDATORY = "mandatory"
    TIMEBOXED = "timeboxed"
    OPTIONAL = "optional"


class AcwPolicyError(ValueError):
    """An ACW policy document is wrong; `field` names the offending key."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class AcwPolicy:
    mode: AcwMode = AcwMode.MANDATORY
    seconds: int = 0  # the countdown (timeboxed only)
    extend_seconds: int = 0  # one extension (timeboxed only); 0: not extendable

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise AcwPolicyError("seconds", "must not be negative")
        if self.extend_seconds < 0:
            raise AcwPolicyError("extend_seconds", "must not be negative")
        if self.mode is AcwMode.TIMEBOXED and self.seconds <= 0:
            raise AcwPolicyError("seconds", "a timeboxed ACW needs a countdown above 0")

    def to_document(self) -> dict[str, Any]:
        return {"mode": self.mode.value, "seconds": self.seconds,
                "extend_seconds": self.extend_seconds}

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> AcwPolicy:
        unknown = set(doc) - {"mode", "seconds", "extend_seconds"}
        if unknown:
            raise AcwPolicyError(sorted(unknown)[0], "unknown field")
        raw_mode = doc.get("mode")
        modes = [m.value for m in AcwMode]
        if raw_mode not in modes:
            raise AcwPolicyError("mode", f"must be one of {', '.join(modes)}")
        numbers = {}
        for name in ("seconds", "extend_seconds"):
            value = doc.get(name, 0)
            if isinstance(value, bool) or not isinstance(value, int):
                raise AcwPolicyError(name, "must be a whole number of seconds")
            numbers[name] = value
        return cls(AcwMode(raw_mode), numbers["seconds"], numbers["extend_seconds"])


class AcwError(RuntimeError):
    """An ACW action is not possible now (e.g. a second extension)."""


class AfterCallWork:
    """One call's after-call work, from hang-up until the wrap-up is saved."""

    def __init__(self, policy: AcwPolicy, call_record_id: UUID, started_at: datetime) -> None:
        if started_at.tzinfo is None:
            raise ValueError("ACW start must be timezone-aware")
        self.policy = policy
        self.call_record_id = call_record_id
        self.started_at = started_at
        self._extended = False
        self._wrapup: WrapUp | None = None

    @property
    def mode(self) -> AcwMode:
        return self.policy.mode

    @property
    def has_countdown(self) -> bool:
        return self.policy.mode is AcwMode.TIMEBOXED

    @property
    def extended(self) -> bool:
        return self._extended

    @property
    def finished(self) -> bool:
        return self._wrapup is not None

    @property
    def wrapup(self) -> WrapUp | None:
        """The wrap-up that ended this ACW (saved by the agent, or auto-wrapped)."""
        return self._wrapup

    @property
    def deadline(self) -> datetime | None:
        if not self.has_countdown:
            return None
        seconds = self.policy.seconds + (self.policy.extend_seconds if self._extended else 0)
        return self.started_at + timedelta(seconds=seconds)

    def elapsed(self, now: datetime) -> float:
        return max(0.0, (now - self.started_at).total_seconds())

    def remaining(self, now: datetime) -> float | None:
        """Seconds left on the countdown (never below 0); None without a countdown."""
        deadline = self.deadline
        if deadline is None:
            return None
        return max(0.0, (deadline - now).total_seconds())

    def can_extend(self, now: datetime) -> bool:
        return (self.has_countdown and not self._extended and not self.finished
                and self.policy.extend_seconds > 0 and (self.remaining(now) or 0.0) > 0)

    def extend(self, now: datetime) -> None:
        """Add `extend_seconds` to the countdown; allowed once, before it ran out."""
        if not self.can_extend(now):
            if not self.has_countdown:
                raise AcwError(f"a {self.policy.mode.value} ACW has no countdown to extend")
            if self._extended:
                raise AcwError("the ACW countdown can be extended only once")
            if self.policy.extend_seconds <= 0:
                raise AcwError("this queue's ACW countdown is not extendable")
            raise AcwError("the ACW period is over")
        self._extended = True

    def blocks_next_call(self) -> bool:
        """Whether a new call must wait: always until wrapped up, unless optional."""
        return not self.finished and self.policy.mode is not AcwMode.OPTIONAL

    def may_skip_wrapup(self) -> bool:
        """Whether the agent may become ready without saving a wrap-up."""
        return self.policy.mode is AcwMode.OPTIONAL

    def tick(self, now: datetime, *, note: str = "") -> WrapUp | None:
        """Advance to `now`. When the countdown ran out, return the auto-wrap (once).

        `note` is whatever the agent had typed: it is kept, but the typed codes are
        not, because a code the agent never confirmed is not an outcome.
        """
        if self.finished or not self.has_countdown:
            return None
        if (self.remaining(now) or 0.0) > 0:
            return None
        wrapup = WrapUp(self.call_record_id, (AUTO_WRAP_CODE,), now, note=note,
                        auto_wrapped=True)
        self._wrapup = wrapup
        return wrapup

    def wrapped_up(self, wrapup: WrapUp) -> None:
        """The agent saved the wrap-up: ACW is over."""
        if self.finished:
            raise AcwError("this call is already wrapped up")
        if wrapup.call_record_id != self.call_record_id:
            raise AcwError("the wrap-up belongs to another call")
        self._wrapup = wrapup
