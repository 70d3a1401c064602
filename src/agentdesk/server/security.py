"""Passwords (argon2id), opaque bearer tokens, and the login rate limiter."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from agentdesk.server.config import Settings


def password_hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(time_cost=settings.argon2_time_cost,
                          memory_cost=settings.argon2_memory_kib)


def verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, str]:
    """A fresh bearer token and the digest to store (tokens have 256 random bits, so a
    plain SHA-256 is enough: there is nothing to brute-force)."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginRateLimiter:
    """At most `max_failures` failed logins per (username, client address) per window.

    In memory, per server process: enough to stop online guessing against one
    process; a multi-process deployment would move this to the database or Redis."""

    def __init__(self, max_failures: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._max = max_failures
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, username: str, client: str) -> int:
        """Seconds until a new attempt is allowed; 0 when it is allowed now."""
        with self._lock:
            key = (username.casefold(), client)
            times = self._prune(key)
            if not times:
                del self._failures[key]  # guessed usernames must not pile up in memory
                return 0
            if len(times) < self._max:
                return 0
            return max(1, int(times[0] + self._window - self._clock() + 0.999))

    def failed(self, username: str, client: str) -> None:
        with self._lock:
            self._prune((username.casefold(), client)).append(self._clock())

    def succeeded(self, username: str, client: str) -> None:
        with self._lock:
            self._failures.pop((username.casefold(), client), None)

    def tracked(self) -> int:
        with self._lock:
            return len(self._failures)

    def _prune(self, key: tuple[str, str]) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        horizon = self._clock() - self._window
        while times and times[0] <= horizon:
            times.popleft()
        return times
