"""Bearer tokens verified recently, kept in memory so that a request costs no database
round trip (500 desktops syncing every few seconds made the token query the largest
part of every request).

Revocation is still honoured:
- in this process at once: users.revoke_token, set_disabled, set_password and
  expire_tokens_of drop the cached entries (through `forget_all`);
- from another process (the operator's `agentdesk-server user disable|passwd`, another
  worker) within `recheck_seconds`: every revocation stamps `tokens.revoked_at`, so the
  cache compares a cheap fingerprint of that column (count and latest) at most once
  per `recheck_seconds`, and empties itself when it changed.
An entry also never outlives its token's expiry, nor `ttl_seconds`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from agentdesk.server.models import utcnow

P = TypeVar("P")


@dataclass(frozen=True)
class _Entry(Generic[P]):
    principal: P
    expires_at: datetime
    cached_until: float


class TokenCache(Generic[P]):
    """digest -> principal, thread-safe. `fingerprint` reads the revocation
    fingerprint from the database (called from a worker thread, never the event loop)."""

    MAX_ENTRIES = 100_000

    def __init__(self, ttl_seconds: float, recheck_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl_seconds
        self.recheck = recheck_seconds
        self._clock = clock
        self._entries: dict[str, _Entry[P]] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped by every invalidation: late writers are ignored
        self._fingerprint: Any = None
        self._checked_at = float("-inf")

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def recheck_due(self) -> bool:
        return self._clock() - self._checked_at >= self.recheck

    def get(self, digest: str) -> P | None:
        """The cached principal; None when unknown, stale, or a recheck is due."""
        if not self.enabled or self.recheck_due():
            return None
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            if entry.cached_until <= self._clock() or entry.expires_at <= utcnow():
                del self._entries[digest]
                return None
            return entry.principal

    def generation(self) -> int:
        with self._lock:
            return self._generation

    def put(self, digest: str, principal: P, expires_at: datetime, generation: int) -> None:
        """Cache a lookup made at `generation` (dropped if anything was revoked since)."""
        if not self.enabled:
            return
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[digest] = _Entry(principal, expires_at, self._clock() + self.ttl)

    def forget_all(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def observe(self, fingerprint: Any) -> None:
        """The revocation fingerprint just read: a change empties the cache."""
        with self._lock:
            changed = self._fingerprint is not None and fingerprint != self._fingerprint
            self._fingerprint = fingerprint
            self._checked_at = self._clock()
            if changed:
                self._entries.clear()
                self._generation += 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
