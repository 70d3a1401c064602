"""Who is calling, from everything the call carries.

An INVITE tells us the caller's number (P-Asserted-Identity from a trusted network,
else From), what they dialed (To, the Request-URI, and Diversion when the call was
forwarded on the way) and, when an IVR ran first, what it collected in X- headers:
the customer id, an account number and whether the caller was verified, the intent.
Which X- header carries which field differs between PBXs, so the mapping from header
names to fields is configuration (`HeaderMapping`).

Every value comes from outside the building. An identifier that is too long, holds
spaces, quotes or control characters, or repeats with a different value is not used:
it is listed in `ignored` (field names only, no values: they may be personal data)
and the pop falls back to the next key. Numbers are normalized to E.164 with the
seat's region so they compare equal to the stored ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import phonenumbers

from agentdesk.core.phone_events import IncomingCall
from agentdesk.core.sip_headers import SipHeaders, canonical_name, parse_name_addr

MAX_ID_CHARS = 64  # customer ids and account numbers are at most this long (server columns)
MAX_TEXT_CHARS = 200  # intent, queue, language: short labels
MAX_NUMBER_CHARS = 32
_ID = re.compile(r"^[\w.:#/\-]+$")  # letters/digits of any script, and . : # / - _
_NUMBER_CHARS = re.compile(r"^\+?[\d\s\-().]+$")
_ANONYMOUS = frozenset({"anonymous", "restricted", "unavailable", "unknown", "private"})

IDENTITY_FIELDS = ("customer_id", "account", "verified", "intent", "queue", "language")
"""The fields an X- header can be mapped to."""

DEFAULT_HEADER_FIELDS: Mapping[str, str] = {
    "x-customer-id": "customer_id",
    "x-account": "account",
    "x-account-number": "account",
    "x-verified": "verified",
    "x-customer-verified": "verified",
    "x-intent": "intent",
    "x-queue": "queue",
    "x-language": "language",
}

_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "verified", "ok", "pass", "passed"})


class HeaderMappingError(ValueError):
    """The configured header -> field mapping is unusable; the message says which entry."""


@dataclass(frozen=True, slots=True)
class HeaderMapping:
    """Header name (case-insensitive) -> identity field; earlier entries win a tie."""

    entries: tuple[tuple[str, str], ...]

    @classmethod
    def from_config(cls, mapping: Mapping[str, str], where: str = "header mapping"
                    ) -> HeaderMapping:
        """Validate a configured mapping; `where` names the file (and table) for errors."""
        entries: list[tuple[str, str]] = []
        for header, field_name in mapping.items():
            if not isinstance(header, str) or not re.match(r"^[A-Za-z0-9!%*+\-.`'~_]+$",
                                                           header):
                raise HeaderMappingError(f"{where}: {header!r} is not a SIP header name")
            if field_name not in IDENTITY_FIELDS:
                raise HeaderMappingError(
                    f"{where}: header {header!r} maps to unknown field {field_name!r} "
                    f"(known: {', '.join(IDENTITY_FIELDS)})")
            entries.append((canonical_name(header), field_name))
        return cls(tuple(entries))

    def headers_for(self, field_name: str) -> tuple[str, ...]:
        return tuple(h for h, f in self.entries if f == field_name)


DEFAULT_MAPPING = HeaderMapping.from_config(DEFAULT_HEADER_FIELDS)


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    """What the call says about the customer; every field may be empty."""

    direction: str = "inbound"  # "inbound" | "outbound"
    caller_number: str = ""  # E.164, "" when absent, withheld or not a number
    caller_raw: str = ""  # the number as sent (cleaned), for display when not E.164
    caller_name: str = ""  # display name as sent: untrusted, for display only
    number_source: str = ""  # "p-asserted-identity" | "from" | "dialed"
    withheld: bool = False  # the caller withheld their identity (Privacy: id, anonymous)
    dialed_number: str = ""  # what the customer dialed: E.164, or the digits as sent
    reached_number: str = ""  # the Request-URI user: what reached this seat
    diverted_from: tuple[str, ...] = ()  # Diversion numbers, most recent first
    customer_id: str = ""
    customer_id_source: str = ""  # "ivr" (an X- header) | "lead" (outbound dial)
    account: str = ""
    account_verified: bool = False
    intent: str = ""
    queue: str = ""
    language: str = ""
    ignored: tuple[str, ...] = field(default=())  # fields present but unusable

    @property
    def has_keys(self) -> bool:
        """True when there is anything to look a customer up by."""
        return bool(self.customer_id or self.account or self.caller_number)


def normalize_number(raw: str, region: str) -> str:
    """A number as received (tel:, sip: user part, national or international) -> E.164,
    or '' when it is not a plausible phone number (an extension, 'anonymous', junk)."""
    text = raw.strip()
    if not text or len(text) > MAX_NUMBER_CHARS * 2:
        return ""
    if text.lower().startswith(("tel:", "sip:", "sips:")):
        text = text.split(":", 1)[1].split("@", 1)[0].split(";", 1)[0]
    if text.startswith("00"):
        text = "+" + text[2:]  # the international prefix many PBXs pass through
    if len(text) > MAX_NUMBER_CHARS or not _NUMBER_CHARS.match(text):
        return ""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 7:
        return ""  # an internal extension or a short code, never a customer's number
    try:
        parsed = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def identify_inbound(call: IncomingCall, region: str,
                     mapping: HeaderMapping = DEFAULT_MAPPING) -> CallerIdentity:
    """Everything the INVITE of an incoming call says about who is calling."""
    return identify_from_headers(call.headers, region, mapping, request_uri=call.request_uri,
                                 remote_number=call.remote_number,
                                 remote_name=call.remote_name)


def identify_outbound(number: str, region: str, customer_id: str | None = None
                      ) -> CallerIdentity:
    """A call the agent placed: the dialed lead's customer is known when it was a lead."""
    e164 = normalize_number(number, region)
    cid = _identifier(customer_id or "")
    return CallerIdentity(direction="outbound", caller_number=e164,
                          caller_raw=_short(number, MAX_NUMBER_CHARS),
                          number_source="dialed" if e164 else "", dialed_number=e164,
                          customer_id=cid, customer_id_source="lead" if cid else "",
                          ignored=("customer_id",) if customer_id and not cid else ())


def identify_from_headers(headers: SipHeaders, region: str,
                          mapping: HeaderMapping = DEFAULT_MAPPING, *, request_uri: str = "",
                          remote_number: str = "", remote_name: str = "") -> CallerIdentity:
    ignored: list[str] = []
    caller_raw, caller_number, source, name = _caller(headers, region, remote_number)
    withheld = "id" in headers.get("privacy").lower().replace(" ", "").split(";") or (
        caller_raw.lower() in _ANONYMOUS)
    if withheld and source == "from":
        caller_number, caller_raw = "", ""  # From is not to be used when withheld
    to_user = parse_name_addr(headers.get("to")).user if "to" in headers else ""
    reached_user = parse_name_addr(request_uri).user if request_uri else ""
    diverted = _diversions(headers, region)
    dialed_raw = to_user or reached_user
    dialed = (diverted[-1] if diverted else "") or normalize_number(dialed_raw, region) or (
        _short(dialed_raw, MAX_NUMBER_CHARS) if _NUMBER_CHARS.match(dialed_raw or "x") else "")

    fields: dict[str, str] = {}
    for field_name in IDENTITY_FIELDS:
        value, usable = _mapped_value(headers, mapping.headers_for(field_name))
        if not usable:
            ignored.append(field_name)
        elif value:
            fields[field_name] = value
    customer_id = _identifier(fields.get("customer_id", ""))
    if fields.get("customer_id") and not customer_id:
        ignored.append("customer_id")
    account = _identifier(fields.get("account", ""))
    if fields.get("account") and not account:
        ignored.append("account")
    verified = fields.get("verified", "").strip().lower() in _TRUE_WORDS
    return CallerIdentity(
        direction="inbound", caller_number=caller_number,
        caller_raw=_short(caller_raw, MAX_NUMBER_CHARS), caller_name=_short(
            name or remote_name, MAX_TEXT_CHARS),
        number_source=source if caller_number else "", withheld=withheld,
        dialed_number=dialed,
        reached_number=normalize_number(reached_user, region) or _short(reached_user, 32),
        diverted_from=tuple(diverted), customer_id=customer_id,
        customer_id_source="ivr" if customer_id else "", account=account,
        account_verified=verified and bool(account),
        intent=_short(fields.get("intent", ""), MAX_TEXT_CHARS),
        queue=_short(fields.get("queue", ""), MAX_TEXT_CHARS),
        language=_short(fields.get("language", ""), 16),
        ignored=tuple(dict.fromkeys(ignored)))


def _caller(headers: SipHeaders, region: str, remote_number: str
            ) -> tuple[str, str, str, str]:
    """(raw number, E.164, source, display name): the first P-Asserted-Identity that is
    a phone number, else From, else the number the sip adapter already extracted."""
    for value in _split_header_list(headers.get_all("p-asserted-identity")):
        addr = parse_name_addr(value)
        e164 = normalize_number(addr.user, region)
        if e164:
            return addr.user, e164, "p-asserted-identity", addr.display_name
    if "from" in headers:
        addr = parse_name_addr(headers.get("from"))
        return addr.user, normalize_number(addr.user, region), "from", addr.display_name
    return remote_number, normalize_number(remote_number, region), "from", ""


def _diversions(headers: SipHeaders, region: str) -> list[str]:
    found = []
    for value in _split_header_list(headers.get_all("diversion")):
        e164 = normalize_number(parse_name_addr(value).user, region)
        if e164 and e164 not in found:
            found.append(e164)
    return found


def _split_header_list(values: list[str]) -> list[str]:
    """Split comma-separated name-addr lists, respecting quotes and <...>."""
    parts: list[str] = []
    for value in values:
        depth, quoted, start = 0, False, 0
        for index, ch in enumerate(value):
            if ch == '"' and (index == 0 or value[index - 1] != "\\"):
                quoted = not quoted
            elif not quoted and ch == "<":
                depth += 1
            elif not quoted and ch == ">":
                depth = max(0, depth - 1)
            elif ch == "," and not quoted and depth == 0:
                parts.append(value[start:index])
                start = index + 1
        parts.append(value[start:])
    return [p.strip() for p in parts if p.strip()][:16]


def _mapped_value(headers: SipHeaders, names: tuple[str, ...]) -> tuple[str, bool]:
    """The first mapped header present; unusable (False) when it repeats with a
    different value - two IVR answers for one field mean neither can be trusted."""
    for name in names:
        values = headers.get_all(name)
        if values:
            distinct = {v.strip() for v in values}
            return values[0].strip(), len(distinct) == 1
    return "", True


def _identifier(value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_ID_CHARS or not _ID.match(value):
        return ""
    return value


def _short(value: str, limit: int) -> str:
    cleaned = "".join(ch if ch.isprintable() else " " for ch in value[: limit * 2]).strip()
    return cleaned[:limit]
