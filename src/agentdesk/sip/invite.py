"""Who is calling: the caller's number, name and headers, read from the raw INVITE.

pjsua2's `remoteUri` is not trusted for this (a long display name reads
`<-error: uri too long->`), so the INVITE text from `prm.rdata.wholeMsg` is parsed
with the defensive core parser. Nothing here raises: a hostile INVITE still rings,
with whatever could be read.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from agentdesk.core.sip_headers import SipHeaders, parse_message, parse_name_addr, request_uri

log = logging.getLogger(__name__)

MAX_NAME = 256  # a display name longer than this is cut: it is shown in a call bar


@dataclass(frozen=True, slots=True)
class CallerInfo:
    number: str = ""
    name: str = ""
    uri: str = ""
    headers: SipHeaders = field(default_factory=SipHeaders)
    request_uri: str = ""


def wire_text(value: str, limit: int = 256) -> str:
    """A string that came off the network (a reason phrase, a URI), made safe to keep:
    valid UTF-8 (SWIG passes other bytes as lone surrogates), no control characters,
    bounded."""
    text = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = "".join(ch if ch >= " " and ch != "\x7f" else "?" for ch in text)
    return text.strip()[:limit]


def _option_tags(headers: SipHeaders, *names: str) -> set[str]:
    return {tag.strip().lower() for name in names for value in headers.get_all(name)
            for tag in value.split(",") if tag.strip()}


def reliable_ringing(headers: SipHeaders, policy: str) -> bool:
    """Whether the phone's ringing response to this INVITE is reliable (RFC 3262):
    the caller requires 100rel, or the policy is "required" and the caller supports it.
    ("supported" honours a caller's Require; "off" refuses it, see pjsua_phone.)"""
    required = "100rel" in _option_tags(headers, "require")
    supported = required or "100rel" in _option_tags(headers, "supported", "k")
    return required or (policy == "required" and supported)


_DTLS_AUDIO = re.compile(rb"^m=audio[ \t]+\d+(?:/\d+)?[ \t]+UDP/TLS/RTP/SAVPF?\b", re.M)


def offers_dtls_srtp(message: str | bytes) -> bool:
    """Whether the INVITE's SDP offers audio over DTLS-SRTP (UDP/TLS/RTP/SAVP[F])."""
    if isinstance(message, str):
        message = message.encode("utf-8", "surrogateescape")
    return bool(_DTLS_AUDIO.search(message.replace(b"\r\n", b"\n")))


def requires_100rel(headers: SipHeaders) -> bool:
    return "100rel" in _option_tags(headers, "require")


def parse_invite(message: str | bytes) -> CallerInfo:
    if isinstance(message, str):
        # SWIG hands over bytes that are not UTF-8 as lone surrogates (surrogateescape);
        # left in, they break the first UTF-8 encode downstream (a log file, the DB, Qt).
        message = message.encode("utf-8", "surrogateescape")
    try:
        start_line, headers = parse_message(message)  # decodes with errors="replace"
    except Exception:  # the core parser does not raise; this is belt and braces
        log.exception("could not parse an incoming INVITE")
        return CallerInfo()
    number, name, uri = "", "", ""
    for header in ("p-asserted-identity", "from"):
        for value in headers.get_all(header):
            try:
                addr = parse_name_addr(value)
            except Exception:
                continue
            number = number or addr.user
            name = name or addr.display_name
            uri = uri or addr.uri
    return CallerInfo(number=number, name=name[:MAX_NAME], uri=uri, headers=headers,
                      request_uri=request_uri(start_line))
