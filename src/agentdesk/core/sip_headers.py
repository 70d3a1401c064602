"""Parsing the header block of a SIP request, defensively.

pjsua2 hands us the whole INVITE as text (`prm.rdata.wholeMsg`). Header names are
case-insensitive, may use RFC 3261 compact forms (`f:` for From), may be folded over
several lines and may repeat. Values come from outside the building: they can be
huge, malformed or hostile, so nothing here raises on bad input; the worst case is a
header that is dropped or a field that stays empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# RFC 3261 section 7.3.3 plus the compact forms of later RFCs that reach an INVITE.
COMPACT_FORMS: dict[str, str] = {
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "v": "via",
    "l": "content-length",
    "c": "content-type",
    "k": "supported",
    "s": "subject",
    "e": "content-encoding",
    "o": "event",
    "r": "refer-to",
    "b": "referred-by",
    "x": "session-expires",
    "u": "allow-events",
    "a": "accept-contact",
    "j": "reject-contact",
    "d": "request-disposition",
    "y": "identity",
}

MAX_HEADER_VALUE = 8192  # longer values are cut: enough for any legitimate header
MAX_HEADERS = 256  # a request with more is hostile; the rest is ignored
_TOKEN = re.compile(r"^[!%*+\-.`'~0-9A-Za-z_]+$")


def canonical_name(name: str) -> str:
    """Lower-case header name with compact forms expanded."""
    lowered = name.strip().lower()
    return COMPACT_FORMS.get(lowered, lowered)


@dataclass(frozen=True, slots=True)
class SipHeaders:
    """An ordered, immutable multi-map of (canonical name, value)."""

    items: tuple[tuple[str, str], ...] = ()

    def get(self, name: str, default: str = "") -> str:
        wanted = canonical_name(name)
        for key, value in self.items:
            if key == wanted:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        wanted = canonical_name(name)
        return [value for key, value in self.items if key == wanted]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(k == canonical_name(name) for k, _ in self.items)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def x_headers(self) -> dict[str, str]:
        """The X-* headers (first occurrence wins), keyed by lower-case name."""
        found: dict[str, str] = {}
        for key, value in self.items:
            if key.startswith("x-") and key not in found:
                found[key] = value
        return found

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> SipHeaders:
        return cls(tuple((canonical_name(k), _clean_value(v)) for k, v in pairs))


def _clean_value(value: str) -> str:
    # Control characters other than tab have no business in a header value and could
    # corrupt a log line or a widget; replace them rather than reject the call.
    cleaned = "".join(ch if ch == "\t" or (ch >= " " and ch != "\x7f") else "?" for ch in value)
    return cleaned.strip()[:MAX_HEADER_VALUE]


def parse_message(message: str | bytes) -> tuple[str, SipHeaders]:
    """Split a SIP message into its start line and headers (the body is ignored)."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    head = re.split(r"\r?\n\r?\n", message, maxsplit=1)[0]
    lines = re.split(r"\r?\n", head)
    start_line = lines[0].strip() if lines else ""
    unfolded: list[str] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and unfolded:
            unfolded[-1] += " " + line.strip()  # folded continuation (RFC 3261 7.3.1)
        elif line.strip():
            unfolded.append(line)
    pairs: list[tuple[str, str]] = []
    for line in unfolded[:MAX_HEADERS]:
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not _TOKEN.match(name):
            continue  # not a header line: skip it, keep the rest of the call usable
        pairs.append((name, value))
    return start_line, SipHeaders.from_pairs(pairs)


def request_uri(start_line: str) -> str:
    """The Request-URI of `INVITE sip:x@y SIP/2.0`, or '' for a malformed line."""
    parts = start_line.split()
    return parts[1] if len(parts) == 3 and parts[2].upper().startswith("SIP/") else ""


@dataclass(frozen=True, slots=True)
class NameAddr:
    display_name: str
    uri: str
    user: str  # user part of the URI (the number for a tel-like sip: URI)
    params: dict[str, str]


_QUOTED = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*')


def parse_name_addr(value: str) -> NameAddr:
    """Parse `"Name" <sip:user@host;p>;tag=x`, `Name <tel:+1...>` or a bare URI."""
    value = value.strip()
    display = ""
    rest = value
    quoted = _QUOTED.match(value)
    if quoted:
        display = re.sub(r"\\(.)", r"\1", quoted.group(1))
        rest = value[quoted.end() :]
    uri = rest
    params_text = ""
    if "<" in rest and ">" in rest[rest.index("<") :]:
        lt = rest.index("<")
        gt = rest.index(">", lt)
        if not quoted:
            display = rest[:lt].strip()
        uri = rest[lt + 1 : gt].strip()
        params_text = rest[gt + 1 :]
    else:
        # addr-spec without brackets: header params follow the first ';'
        uri, _, params_text = rest.partition(";")
        uri = uri.strip()
        params_text = ";" + params_text if params_text else ""
    params: dict[str, str] = {}
    for piece in params_text.split(";"):
        key, _, val = piece.partition("=")
        if key.strip():
            params[key.strip().lower()] = val.strip()
    return NameAddr(display_name=display.strip(), uri=uri, user=uri_user(uri), params=params)


def uri_user(uri: str) -> str:
    """`sip:+8610...@host;user=phone` -> `+8610...`; `tel:+1-555;x=y` -> `+1-555`."""
    scheme, sep, rest = uri.partition(":")
    if not sep:
        return ""
    scheme = scheme.lower()
    if scheme == "tel":
        return rest.split(";", 1)[0]
    if scheme in ("sip", "sips"):
        user, at, _ = rest.partition("@")
        return user.split(";", 1)[0] if at else ""
    return ""
