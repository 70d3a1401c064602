"""From what the agent (or a campaign) asks to call, to what goes on the wire.

The number was normalized upstream (core/dial_numbers.py); here it only becomes a
Request-URI, and custom headers are checked so a campaign's data cannot inject SIP.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pjsua2 as pj

from agentdesk.core.settings import SipSettings
from agentdesk.core.softphone import PhoneActionError
from agentdesk.sip.account import transport_param

_DIALABLE = re.compile(r"[0-9A-Za-z+*#._\-]{1,64}")
_HEADER_NAME = re.compile(r"[!%*+\-.`'~0-9A-Za-z_]{1,64}")


def target_uri(sip: SipSettings, uri_or_number: str) -> str:
    """A full SIP URI as typed, otherwise sip:<dial string>@<domain or registrar>."""
    typed = uri_or_number.strip()
    if typed.lower().startswith(("sip:", "sips:")):
        return typed
    text = typed
    if text.lower().startswith("tel:"):
        text = text[4:].split(";", 1)[0]
    if text.startswith("+"):
        text = re.sub(r"[\s\-().]", "", text)  # +1-202-555-0143 -> +12025550143
    if not _DIALABLE.fullmatch(text):
        raise PhoneActionError(f"'{typed}' cannot be dialed.")
    host = sip.domain or sip.registrar
    if not host:
        raise PhoneActionError("No SIP domain or registrar is set: dial a full address "
                               "such as sip:1001@pbx.example.com.")
    return f"sip:{quote(text, safe='+*-_.')}@{host}{transport_param(sip)}"


def sip_header(name: str, value: str) -> pj.SipHeader:
    if not _HEADER_NAME.fullmatch(name) or any(ch in value for ch in "\r\n\0"):
        raise PhoneActionError(f"'{name}' cannot be sent as a SIP header.")
    header = pj.SipHeader()
    header.hName = name
    header.hValue = value
    return header
