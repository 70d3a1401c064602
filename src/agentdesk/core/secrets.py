"""The SecretStore port: where SIP and server passwords live (the OS keyring).

Secrets never go to the settings file, the database or a log line. When the machine
has no keyring, the implementation says so (`available` is False, `problem` explains)
and the app keeps a password for this session only, in memory.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol


class SecretKind(Enum):
    SIP = "sip"
    SERVER = "server"  # the agent's server password
    SERVER_TOKEN = "server-token"  # the current login token, so a restart needs no login


class SecretStoreError(RuntimeError):
    """The keyring exists but refused (locked, denied); the message says what to do."""


class SecretStore(Protocol):
    @property
    def available(self) -> bool: ...

    @property
    def problem(self) -> str:
        """Why secrets cannot be stored here ('' when available)."""

    def get(self, kind: SecretKind, account: str) -> str | None: ...

    def set(self, kind: SecretKind, account: str, secret: str) -> None: ...

    def delete(self, kind: SecretKind, account: str) -> bool:
        """True when something was deleted."""
