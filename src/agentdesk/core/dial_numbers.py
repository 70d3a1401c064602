"""Turning what the agent typed into something the PBX can dial.

Agents paste numbers from e-mails, CRMs and spreadsheets: `+86 (10) 6552-9988 ext. 12`,
`010 6552 9988`, `tel:+1-202-555-0143`, or type a short internal extension. Numbers are
normalized to E.164 with `phonenumbers` using the seat's default region; an
extension found in the text is kept apart (it is sent as DTMF once the call connects).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

MAX_INTERNAL_EXTENSION_DIGITS = 6  # "1001", "80555": internal extensions, not E.164


class InvalidNumberError(ValueError):
    """The text is not a dialable number; the message says why, for the agent."""


@dataclass(frozen=True, slots=True)
class DialTarget:
    dial_string: str  # what goes into the Request-URI user part (prefix applied)
    e164: str  # normalized number, "" for an internal extension or a SIP URI
    extension: str = ""  # digits to send as DTMF after the call connects
    sip_uri: str = ""  # set when the agent typed a full SIP URI

    @property
    def display(self) -> str:
        return self.sip_uri or self.e164 or self.dial_string


_SIP_URI = re.compile(r"^sips?:[^\s@]+@[^\s@]+$", re.IGNORECASE)
_EXT_SPLIT = re.compile(r"\s*(?:ext\.?|extension|x|#|转|分机)\s*(\d{1,8})\s*$", re.IGNORECASE)


def normalize_dial_string(
    text: str, default_region: str = "CN", dial_prefix: str = ""
) -> DialTarget:
    raw = text.strip()
    if not raw:
        raise InvalidNumberError("Enter a number to dial.")
    if len(raw) > 64:
        raise InvalidNumberError("That is too long to be a phone number.")
    if _SIP_URI.match(raw):
        return DialTarget(dial_string=raw, e164="", sip_uri=raw)
    if raw.lower().startswith("tel:"):
        raw = raw[4:].split(";", 1)[0]
    extension = ""
    ext_match = _EXT_SPLIT.search(raw)
    if ext_match and re.search(r"\d", raw[: ext_match.start()]):
        extension = ext_match.group(1)
        raw = raw[: ext_match.start()]
    digits_only = re.sub(r"[\s\-().]", "", raw)
    short = len(digits_only) <= MAX_INTERNAL_EXTENSION_DIGITS
    if digits_only.isdigit() and short and not extension:
        return DialTarget(dial_string=digits_only, e164="")
    if re.search(r"[A-Za-z]", raw):
        raise InvalidNumberError(f"'{text.strip()}' contains letters; type digits only.")
    region = (default_region or "").upper() or None
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumberError(_parse_error_message(text.strip(), exc, region)) from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidNumberError(
            f"'{text.strip()}' has the wrong number of digits for its country.")
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumberError(f"'{text.strip()}' is not a valid phone number.")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    extension = extension or (parsed.extension or "")
    return DialTarget(dial_string=dial_prefix + e164, e164=e164, extension=extension)


def _parse_error_message(text: str, exc: Exception, region: str | None) -> str:
    code = getattr(exc, "error_type", None)
    if code == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
        if region is None:
            return f"'{text}' has no country code and no default region is set."
        return f"'{text}' starts with an unknown country code."
    if code in (
        phonenumbers.NumberParseException.TOO_SHORT_NSN,
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD,
    ):
        return f"'{text}' is too short to be a phone number."
    if code == phonenumbers.NumberParseException.TOO_LONG:
        return f"'{text}' is too long to be a phone number."
    return f"'{text}' is not a phone number."


def format_for_region(e164: str, region: str) -> str:
    """Show a stored E.164 number the way an agent in `region` writes it."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(parsed) == region.upper():
        return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
