"""`{customer.first_name}`-style variables: which exist, and texts rendered with them.

A rendered text is a tuple of segments so the UI can style a filled-in value and,
above all, mark a value it does not know: the agent must never read out a blank.
Write `{{` and `}}` for literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

VARIABLE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")

NAMESPACES = ("customer", "call", "campaign", "agent", "answers")
KNOWN_VARIABLES: Mapping[str, frozenset[str]] = {
    # the server's customer columns, plus the `extra` keys the screen pop uses
    "customer": frozenset({
        "id", "first_name", "last_name", "full_name", "phone", "email", "account",
        "segment", "language", "timezone", "native_name", "city", "tier", "lifecycle",
    }),
    "call": frozenset({"id", "number", "direction", "queue", "dialed_number", "started_at"}),
    "agent": frozenset({"id", "name", "first_name", "extension"}),
    "campaign": frozenset({"id", "name"}),
}


def variables_in(text: str) -> list[tuple[str, int]]:
    """The variables written in `text` and their offsets: [("customer.city", 12)]."""
    return [(match.group(1), match.start()) for match in VARIABLE.finditer(text)
            if match.group(1) is not None]


def unknown_variable_reason(name: str, answers: frozenset[str],
                            declared: frozenset[str]) -> str | None:
    """Why `name` is not a variable a script can use, or None if it is one."""
    namespace, _, key = name.strip().partition(".")
    if name in declared:
        return None
    if namespace not in NAMESPACES or not key:
        return (f"unknown variable {{{name}}}: write {{namespace.name}} with a namespace "
                f"among {', '.join(NAMESPACES)}")
    if namespace == "answers":
        if key in answers:
            return None
        return (f"unknown variable {{{name}}}: no question or capture of this script "
                f"records '{key}'")
    if key in KNOWN_VARIABLES[namespace]:
        return None
    return (f"unknown variable {{{name}}}: not a known {namespace} field (declare it under "
            "'variables' if your data has it)")


@dataclass(frozen=True, slots=True)
class ScriptContext:
    """What the call knows when the script starts: the screen pop, the call, the agent."""

    customer: Mapping[str, Any] = field(default_factory=dict)
    call: Mapping[str, Any] = field(default_factory=dict)
    campaign: Mapping[str, Any] = field(default_factory=dict)
    agent: Mapping[str, Any] = field(default_factory=dict)

    def lookup(self, name: str, answers: Mapping[str, Any]) -> Any:
        """The value of a variable, or None when it is not known for this call."""
        namespace, _, key = name.partition(".")
        if namespace == "answers":
            return answers.get(key)
        source: Mapping[str, Any] = {
            "customer": self.customer, "call": self.call,
            "campaign": self.campaign, "agent": self.agent,
        }.get(namespace, {})
        value = source.get(key)
        if value is None and isinstance(source.get("extra"), Mapping):
            value = source["extra"].get(key)
        if value is None and namespace == "customer" and key == "full_name":
            parts = [source.get("first_name"), source.get("last_name")]
            value = " ".join(str(p) for p in parts if p) or None
        return value


class SegmentKind(Enum):
    TEXT = "text"
    VALUE = "value"  # a variable filled in
    UNKNOWN = "unknown"  # a variable this call has no value for: shown marked, never blank


@dataclass(frozen=True, slots=True)
class Segment:
    kind: SegmentKind
    text: str
    variable: str | None = None


def format_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(text: str, context: ScriptContext, answers: Mapping[str, Any]) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    buffer: list[str] = []
    position = 0
    for match in VARIABLE.finditer(text):
        buffer.append(text[position:match.start()])
        position = match.end()
        if match.group(1) is None:  # {{ or }}
            buffer.append(match.group(0)[0])
            continue
        if buffer and "".join(buffer):
            segments.append(Segment(SegmentKind.TEXT, "".join(buffer)))
        buffer = []
        name = match.group(1).strip()
        value = context.lookup(name, answers)
        if value is None or value == "":
            segments.append(Segment(SegmentKind.UNKNOWN, name, name))
        else:
            segments.append(Segment(SegmentKind.VALUE, format_value(value), name))
    buffer.append(text[position:])
    if "".join(buffer):
        segments.append(Segment(SegmentKind.TEXT, "".join(buffer)))
    return tuple(segments)


def plain_text(segments: tuple[Segment, ...]) -> str:
    """The rendered text for logs and notes: an unknown value reads `[?customer.city]`."""
    return "".join(f"[?{s.text}]" if s.kind is SegmentKind.UNKNOWN else s.text
                   for s in segments)
