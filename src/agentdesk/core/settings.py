"""The seat's settings: a TOML file an IT admin can write by hand or by script.

Unknown keys and wrong types are refused with the key, the file and the line, so a
typo in a file pushed to 300 seats is found at once instead of silently ignored.
Secrets never live here (they are in the OS keyring, see agentdesk.credentials).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A settings file is wrong; the message names file, line and key."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None,
                 key: str = "") -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(where + message)
        self.path = path
        self.line = line
        self.key = key


TRANSPORTS = ("udp", "tcp", "tls")
DTMF_METHODS = ("rfc4733", "sip_info")
SESSION_TIMERS = ("optional", "required", "off")  # RFC 4028
RELIABLE_PROVISIONAL = ("supported", "required", "off")  # RFC 3262 (100rel, PRACK)
SRTP_MODES = ("off", "optional", "mandatory")  # RFC 4568 (SDES keys in the SDP)


@dataclass
class SipSettings:
    registrar: str = ""  # host[:port]; empty: no registration, direct calls only
    username: str = ""
    auth_username: str = ""  # empty: same as username
    domain: str = ""
    display_name: str = ""
    transport: str = "udp"
    local_port: int = 5070  # 0: any free port
    bind_address: str = ""  # empty: all interfaces
    register_expires_s: int = 300
    public_address: str = ""  # for NAT: the address to put in Contact/SDP
    # Dead-call detection by the SIP session's refreshes (RFC 4028): "optional" uses
    # them when the peer does, "required" refuses a peer without them.
    session_timer: str = "optional"
    reliable_provisional: str = "supported"  # 100rel: PRACK, early media with UPDATE
    srtp: str = "off"  # secure media (SDES): keys travel in the SDP, so use TLS with it

    def validate(self) -> list[tuple[str, str]]:
        problems = []
        if self.transport not in TRANSPORTS:
            problems.append(("transport", f"must be one of {', '.join(TRANSPORTS)}"))
        for key, allowed in (("session_timer", SESSION_TIMERS),
                             ("reliable_provisional", RELIABLE_PROVISIONAL),
                             ("srtp", SRTP_MODES)):
            if getattr(self, key) not in allowed:
                problems.append((key, f"must be one of {', '.join(allowed)}"))
        if not 0 <= self.local_port <= 65535:
            problems.append(("local_port", "must be between 0 and 65535"))
        if self.registrar and not self.username:
            problems.append(("username", "is required when a registrar is set"))
        if not 60 <= self.register_expires_s <= 86400:
            problems.append(("register_expires_s", "must be between 60 and 86400"))
        return problems

    @property
    def effective_auth_username(self) -> str:
        return self.auth_username or self.username

    @property
    def effective_domain(self) -> str:
        return self.domain or self.registrar.split(":", 1)[0]


@dataclass
class PhoneSettings:
    auto_answer_after_s: int = -1  # -1: off, 0: at once, N: after N seconds
    default_region: str = "CN"
    dial_prefix: str = ""
    dtmf_method: str = "rfc4733"
    busy_code: int = 486  # what a ringing call gets when the agent rejects it
    record_calls: bool = False
    recordings_dir: str = ""  # empty: <data dir>/recordings
    # A connected call with no RTP or RTCP from the far end for this long is ended
    # (the caller vanished); held calls and media inactive on purpose are exempt. 0: off
    media_timeout_s: int = 30

    def validate(self) -> list[tuple[str, str]]:
        problems = []
        if self.media_timeout_s != 0 and not 5 <= self.media_timeout_s <= 3600:
            problems.append(("media_timeout_s", "must be 0 (off) or 5..3600 seconds"))
        if self.auto_answer_after_s < -1 or self.auto_answer_after_s > 600:
            problems.append(("auto_answer_after_s", "must be -1 (off) or 0..600 seconds"))
        if not re.fullmatch(r"[A-Za-z]{2}", self.default_region):
            problems.append(("default_region", "must be a two-letter region code such as CN"))
        if not re.fullmatch(r"[0-9*#+]*", self.dial_prefix):
            problems.append(("dial_prefix", "may contain only digits, *, # and +"))
        if self.dtmf_method not in DTMF_METHODS:
            problems.append(("dtmf_method", f"must be one of {', '.join(DTMF_METHODS)}"))
        if self.busy_code not in (480, 486, 603):
            problems.append(("busy_code", "must be 480, 486 or 603"))
        return problems


@dataclass
class AudioSettings:
    input_device: str = ""  # device description as Qt lists it; empty: system default
    output_device: str = ""
    ringer_device: str = ""  # where the ringtone plays; empty: the output device
    ringtone: str = ""  # path to a WAV; empty: the built-in tone

    def validate(self) -> list[tuple[str, str]]:
        return []


@dataclass
class ServerSettings:
    url: str = "http://127.0.0.1:8765"
    username: str = ""

    def validate(self) -> list[tuple[str, str]]:
        if not re.match(r"^https?://[^\s/]+", self.url):
            return [("url", "must start with http:// or https:// followed by a host")]
        return []


@dataclass
class AgentSettings:
    ready_on_login: bool = False  # auto-in inbound seats start ready
    # A call offered while the agent is not ready: "reject" answers 486 Busy Here so
    # the ACD routes it elsewhere; "ring" lets it ring (small teams with no ACD).
    not_ready_calls: str = "reject"
    queue: str = ""  # this seat's inbound queue when the call does not name one

    def validate(self) -> list[tuple[str, str]]:
        if self.not_ready_calls not in ("reject", "ring"):
            return [("not_ready_calls", 'must be "reject" or "ring"')]
        return []


@dataclass
class LoggingSettings:
    level: str = "INFO"

    def validate(self) -> list[tuple[str, str]]:
        if self.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            return [("level", "must be DEBUG, INFO, WARNING or ERROR")]
        return []


@dataclass
class Settings:
    sip: SipSettings = field(default_factory=SipSettings)
    phone: PhoneSettings = field(default_factory=PhoneSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    agent: AgentSettings = field(default_factory=AgentSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {f.name: dataclasses.asdict(getattr(self, f.name)) for f in fields(self)}

    def problems(self) -> list[tuple[str, str]]:
        """(dotted key, message) for every value that is of the right type but wrong."""
        found = []
        for section in fields(self):
            for key, message in getattr(self, section.name).validate():
                found.append((f"{section.name}.{key}", message))
        return found


def parse_settings(text: str, path: Path | None = None) -> Settings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line_match = re.search(r"line (\d+)", str(exc))
        raise SettingsError(f"not valid TOML: {exc}", path,
                            int(line_match.group(1)) if line_match else None) from None
    settings = Settings()
    section_types = {f.name: f for f in fields(Settings)}
    for section_name, section_value in data.items():
        if section_name not in section_types:
            raise SettingsError(
                f"unknown section [{section_name}] (known: {', '.join(section_types)})",
                path, _find_line(text, section_name, None), section_name)
        if not isinstance(section_value, dict):
            raise SettingsError(f"'{section_name}' must be a table like [{section_name}]",
                                path, _find_line(text, None, section_name), section_name)
        target = getattr(settings, section_name)
        known = {f.name: f for f in fields(target)}
        for key, value in section_value.items():
            dotted = f"{section_name}.{key}"
            line = _find_line(text, section_name, key)
            if key not in known:
                raise SettingsError(
                    f"unknown key '{dotted}' (known in [{section_name}]: {', '.join(known)})",
                    path, line, dotted)
            expected = type(getattr(target, key))
            if not _type_ok(value, expected):
                raise SettingsError(
                    f"'{dotted}' must be {_type_name(expected)}, not {_type_name(type(value))} "
                    f"({value!r})", path, line, dotted)
            setattr(target, key, value)
    for dotted, message in settings.problems():
        section_name, key = dotted.split(".", 1)
        raise SettingsError(f"'{dotted}' {message}", path, _find_line(text, section_name, key),
                            dotted)
    return settings


def load_settings(path: Path) -> Settings:
    """Read `path`; a missing file means defaults (a fresh seat)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return Settings()
    except UnicodeDecodeError as exc:
        raise SettingsError(f"not UTF-8 text ({exc.reason})", path) from None
    except OSError as exc:
        raise SettingsError(f"cannot be read: {exc.strerror}", path) from None
    return parse_settings(text, path)


def _type_ok(value: object, expected: type) -> bool:
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _type_name(kind: type) -> str:
    return {bool: "true or false", int: "a whole number", str: "a string in quotes",
            float: "a number", dict: "a table", list: "a list"}.get(kind, kind.__name__)


def _find_line(text: str, section: str | None, key: str | None) -> int | None:
    """The 1-based line where `key` is set inside `[section]` (tomllib does not say)."""
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1).strip().strip('"')
            if key is None and current == section:
                return number
            continue
        if key is None:
            continue
        assignment = re.match(r'^("?)([^"=]+?)\1\s*=', line)
        if not assignment:
            continue
        name = assignment.group(2).strip()
        if current == section and name == key:
            return number
        if current is None and section and name in (f"{section}.{key}", section):
            return number
    return None
