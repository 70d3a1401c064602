"""The wrap-up form's pure side: what a call's form starts with, and its draft.

- `WrapUpContext`: the call being wrapped up (its code set, customer or number, time
  zone, the wrap-up being re-opened and the open callback it may keep, if any);
- `prefill_from_script`: the script's end node proposes codes and a note, the fields
  it captured give the amount and the callback time;
- the draft: the form's fields as a JSON-safe dict, saved locally as the agent types
  (`LocalStore.save_draft`) and turned back into a `WrapUpEntry` on save or restore.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from uuid import UUID

from agentdesk.core.records import Callback, CallbackOwner, WrapUp
from agentdesk.core.wrapup_codes import CodeSet, WrapUpEntry, WrapUpField, WrapUpProblem

# Captured script fields the form understands (script authors name them so).
AMOUNT_FIELD = "amount"
CALLBACK_FIELD = "callback_at"
CALLBACK_TIMEZONE_FIELD = "callback_timezone"


@dataclass(frozen=True, slots=True)
class WrapUpContext:
    call_record_id: UUID
    code_set: CodeSet
    customer_id: str | None = None
    customer_timezone: str | None = None  # IANA name from the customer file
    reopens: WrapUp | None = None  # re-open mode: the saved wrap-up being changed
    # the call's remote number (E.164): an unknown caller's callback is made to it
    callback_number: str | None = None
    # an open callback this call may keep: the form offers to mark it done
    open_callback: Callback | None = None


@dataclass(frozen=True, slots=True)
class WrapUpPrefill:
    codes: tuple[str, ...] = ()
    note: str = ""
    amount: Decimal | None = None
    callback_at: datetime | None = None
    callback_timezone: str = ""


class ScriptOutcomeLike(Protocol):
    """What the prefill reads of agentdesk.core.scripts' ScriptOutcome."""

    @property
    def wrapup_codes(self) -> tuple[str, ...]: ...

    @property
    def captured(self) -> Mapping[str, Any]: ...

    @property
    def note(self) -> str: ...

    @property
    def callback_in_hours(self) -> float | None: ...


def prefill_from_script(outcome: ScriptOutcomeLike, code_set: CodeSet,
                        now: datetime) -> WrapUpPrefill:
    """Codes the set knows (one only, if the set allows one), the note, and the amount
    and callback time the script captured; a value that does not parse is left out
    for the agent to enter rather than guessed."""
    codes = tuple(c for c in outcome.wrapup_codes if code_set.code(c) is not None)
    if not code_set.multiple:
        codes = codes[:1]
    captured = outcome.captured
    amount = None
    if captured.get(AMOUNT_FIELD) is not None:
        try:
            amount = parse_amount(str(captured[AMOUNT_FIELD]))
        except ValueError:
            amount = None
    callback_at = _aware(captured.get(CALLBACK_FIELD))
    if callback_at is None and outcome.callback_in_hours is not None:
        callback_at = now + timedelta(hours=outcome.callback_in_hours)
    zone = captured.get(CALLBACK_TIMEZONE_FIELD)
    return WrapUpPrefill(codes, outcome.note, amount, callback_at,
                         zone if isinstance(zone, str) else "")


def prefill_from_wrapup(wrapup: WrapUp) -> WrapUpPrefill:
    """Re-open mode starts from what was saved (an auto-wrap starts with no code)."""
    codes = () if wrapup.auto_wrapped else wrapup.codes
    return WrapUpPrefill(codes, wrapup.note, wrapup.amount, wrapup.callback_at)


_AMOUNT_NOISE = re.compile(r"[\s,_¥$€£]|^(CNY|RMB|USD|EUR)|(CNY|RMB|USD|EUR|元)$",
                           re.IGNORECASE)


def parse_amount(text: str) -> Decimal | None:
    """'1,299.00', '¥ 12.5', '12元' -> Decimal; '' -> None; anything else: ValueError."""
    cleaned = _AMOUNT_NOISE.sub("", text.strip())
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    return value


def _aware(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


# --- the draft --------------------------------------------------------------------------

DRAFT_VERSION = 1


@dataclass(frozen=True, slots=True)
class FormFields:
    """The form's fields as typed (the amount stays text until saved)."""

    codes: tuple[str, ...] = ()
    note: str = ""
    amount_text: str = ""
    callback_wanted: bool = False
    callback_at: datetime | None = None
    callback_timezone: str = ""
    callback_owner: CallbackOwner = CallbackOwner.ME
    callback_note: str = ""
    filter_text: str = ""

    def to_draft(self) -> dict[str, Any]:
        return {
            "version": DRAFT_VERSION,
            "codes": list(self.codes),
            "note": self.note,
            "amount": self.amount_text,
            "callback_wanted": self.callback_wanted,
            "callback_at": self.callback_at.isoformat() if self.callback_at else None,
            "callback_timezone": self.callback_timezone,
            "callback_owner": self.callback_owner.value,
            "callback_note": self.callback_note,
            "filter": self.filter_text,
        }

    @classmethod
    def from_draft(cls, draft: Mapping[str, Any]) -> FormFields:
        """Lenient: a draft is the agent's half-typed work; keep what still reads."""
        codes = draft.get("codes")
        owner = draft.get("callback_owner")
        owners = {o.value: o for o in CallbackOwner}
        return cls(
            codes=tuple(c for c in codes if isinstance(c, str)) if isinstance(codes, list)
            else (),
            note=_text(draft.get("note")),
            amount_text=_text(draft.get("amount")),
            callback_wanted=draft.get("callback_wanted") is True,
            callback_at=_aware(draft.get("callback_at")),
            callback_timezone=_text(draft.get("callback_timezone")),
            callback_owner=owners.get(owner, CallbackOwner.ME) if isinstance(owner, str)
            else CallbackOwner.ME,
            callback_note=_text(draft.get("callback_note")),
            filter_text=_text(draft.get("filter")),
        )

    def entry(self) -> tuple[WrapUpEntry, list[WrapUpProblem]]:
        """The entry to validate, and the problems only the typed text can have."""
        problems = []
        amount = None
        try:
            amount = parse_amount(self.amount_text)
        except ValueError:
            problems.append(WrapUpProblem(WrapUpField.AMOUNT, "amount_invalid",
                                          f"not an amount: {self.amount_text!r}"))
        wanted = self.callback_wanted
        entry = WrapUpEntry(
            self.codes, self.note, amount,
            callback_at=self.callback_at if wanted else None,
            callback_timezone=self.callback_timezone if wanted else "",
            callback_owner=self.callback_owner,
            callback_note=self.callback_note if wanted else "")
        return entry, problems


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
