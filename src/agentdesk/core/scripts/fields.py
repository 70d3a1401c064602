"""Checking what the agent typed into a capture field, and what gets recorded.

Errors are codes, not sentences: the UI words them in the agent's language.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

import phonenumbers

from agentdesk.core.scripts.model import CaptureField, FieldType

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class FieldError(Enum):
    REQUIRED = "required"
    NOT_A_NUMBER = "not_a_number"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    NOT_A_DATE = "not_a_date"
    NOT_AN_OPTION = "not_an_option"
    NOT_A_PHONE = "not_a_phone"
    NOT_AN_EMAIL = "not_an_email"
    NO_MATCH = "no_match"


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """A checked entry: `value` is what gets recorded (JSON-safe), or None if empty."""

    value: Any = None
    error: FieldError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_field(capture: CaptureField, raw: str, *, region: str = "CN") -> FieldCheck:
    text = raw.strip()
    if not text:
        return FieldCheck(error=FieldError.REQUIRED) if capture.required else FieldCheck()
    kind = capture.type
    if kind is FieldType.NUMBER:
        return _number(capture, text)
    if kind is FieldType.DATE:
        try:
            return FieldCheck(dt.date.fromisoformat(text.replace("/", "-")).isoformat())
        except ValueError:
            return FieldCheck(error=FieldError.NOT_A_DATE)
    if kind is FieldType.CHOICE:
        values = [option.value for option in capture.options]
        return FieldCheck(text) if text in values else FieldCheck(error=FieldError.NOT_AN_OPTION)
    if kind is FieldType.PHONE:
        return _phone(text, region)
    if kind is FieldType.EMAIL:
        return FieldCheck(text) if _EMAIL.fullmatch(text) else FieldCheck(
            error=FieldError.NOT_AN_EMAIL)
    if capture.pattern is not None:  # regex fields, and text fields given a pattern
        try:
            matched = re.fullmatch(capture.pattern, text) is not None
        except re.error:
            matched = False  # the validator reports the pattern itself
        if not matched:
            return FieldCheck(error=FieldError.NO_MATCH)
    return FieldCheck(text)


def _number(capture: CaptureField, text: str) -> FieldCheck:
    try:
        number = float(text.replace(",", "").replace("，", ""))
    except ValueError:
        return FieldCheck(error=FieldError.NOT_A_NUMBER)
    if number != number or number in (float("inf"), float("-inf")):
        return FieldCheck(error=FieldError.NOT_A_NUMBER)
    if capture.minimum is not None and number < capture.minimum:
        return FieldCheck(error=FieldError.TOO_SMALL)
    if capture.maximum is not None and number > capture.maximum:
        return FieldCheck(error=FieldError.TOO_LARGE)
    return FieldCheck(int(number) if number.is_integer() else number)


def _phone(text: str, region: str) -> FieldCheck:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return FieldCheck(error=FieldError.NOT_A_PHONE)
    if not phonenumbers.is_possible_number(parsed):
        return FieldCheck(error=FieldError.NOT_A_PHONE)
    return FieldCheck(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
