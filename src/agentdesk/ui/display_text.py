"""Turning values from the far end into text that is safe to put in a widget.

Display names and numbers come from SIP headers: anyone can put 2 KB of text,
newlines, or right-to-left overrides in them. Widgets show them through these
helpers so a hostile caller can neither break the layout nor spoof the text.
"""

from __future__ import annotations

import re
import unicodedata

from PySide6.QtCore import QCoreApplication

from agentdesk.core.call_service import CallLine
from agentdesk.core.dial_numbers import format_for_region
from agentdesk.core.phone_events import CallState

MAX_DISPLAY_CHARS = 120  # a name longer than this is not a name; the label elides further
MAX_TOOLTIP_CHARS = 400
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}  # controls, bidi overrides, ...


def clean_display_text(text: str, limit: int = MAX_DISPLAY_CHARS) -> str:
    """One line of visible characters, at most `limit` long (with an ellipsis)."""
    visible = "".join(" " if unicodedata.category(ch) in _INVISIBLE or ch.isspace() else ch
                      for ch in text[: limit * 4])
    single = re.sub(r"\s+", " ", visible).strip()
    return single if len(single) <= limit else single[: limit - 1].rstrip() + "…"


def display_number(number: str, region: str) -> str:
    """A caller's number the way an agent in `region` writes it."""
    cleaned = clean_display_text(number, 64)
    if cleaned.startswith("+"):
        return format_for_region(cleaned, region)
    return cleaned


def caller_title(line: CallLine, region: str) -> tuple[str, str]:
    """(name or number, number or '') for the line's header."""
    name = clean_display_text(line.name)
    number = display_number(line.number, region)
    if not number:
        number = QCoreApplication.translate("CallText", "Unknown number")
    return (name, number) if name else (number, "")


def format_duration(seconds: float) -> str:
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def call_state_text(line: CallLine) -> str:
    translate = QCoreApplication.translate
    if line.state is CallState.CONNECTED:
        if line.on_hold:
            return translate("CallText", "On hold")
        return translate("CallText", "Connected")
    return {
        CallState.RINGING: translate("CallText", "Incoming call"),
        CallState.DIALING: translate("CallText", "Calling…"),
        CallState.EARLY: translate("CallText", "Ringing at the other end…"),
        CallState.CONNECTING: translate("CallText", "Connecting…"),
        CallState.DISCONNECTED: translate("CallText", "Ended"),
    }[line.state]


def talk_time_text(line: CallLine, now: float) -> str:
    """Talk time since the call connected, '' before that."""
    if line.connected_at is None or line.state is not CallState.CONNECTED:
        return ""
    return format_duration(now - line.connected_at)


def dead_call_text(cause: str, media_timeout_s: int) -> str:
    """Why the phone itself ended a call (CallStateChanged.cause), or ''."""
    if cause == "media_timeout":
        return QCoreApplication.translate(
            "CallText", "The line went silent for {seconds} s: call ended.").format(
                seconds=media_timeout_s)
    if cause == "session_timer":
        return QCoreApplication.translate(
            "CallText", "The other side stopped confirming the call (SIP session timer): "
            "call ended.")
    return ""


def call_end_text(code: int, reason: str) -> str:
    """Why a call ended, for the agent: '486 Busy Here', or '' for a normal end."""
    if code in (0, 200, 487):  # normal clearing, or we cancelled it ourselves
        return ""
    meaning = {
        404: QCoreApplication.translate("CallText", "Number not found"),
        408: QCoreApplication.translate("CallText", "No answer"),
        480: QCoreApplication.translate("CallText", "Not available"),
        486: QCoreApplication.translate("CallText", "Busy"),
        603: QCoreApplication.translate("CallText", "Declined"),
    }.get(code, "")
    detail = f"{code} {clean_display_text(reason, 60)}".strip()
    return f"{meaning} ({detail})" if meaning else detail
