"""The newest committed USN, remembered for a moment so that the common pull ("anything
new since my cursor?" - no) needs no database round trip nor a worker thread.

A remembered head is trusted for FRESH_SECONDS at most, and forgotten as soon as this
process commits a transaction that took a USN (reference.next_usn hooks the session's
commit). A change committed by another process (the operator's CLI, another worker)
therefore reaches a pulling desktop at most FRESH_SECONDS later; nothing is skipped,
since the desktop keeps its cursor and asks again."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

from sqlalchemy import Engine

FRESH_SECONDS = 0.25


class HeadCache:
    def __init__(self, fresh_seconds: float = FRESH_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.fresh_seconds = fresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._head: int | None = None
        self._read_at = float("-inf")
        self._generation = 0

    def head(self) -> int | None:
        """The remembered head if it is fresh, else None."""
        with self._lock:
            if self._head is None or self._clock() - self._read_at > self.fresh_seconds:
                return None
            return self._head

    def generation(self) -> int:
        """Take before reading the head from the database; pass to remember()."""
        with self._lock:
            return self._generation

    def remember(self, head: int, generation: int, read_at: float | None = None) -> None:
        with self._lock:
            if generation == self._generation:  # no USN commit raced the read
                self._head, self._read_at = head, self._clock() if read_at is None else read_at

    def forget(self) -> None:
        with self._lock:
            self._head = None
            self._generation += 1

    def now(self) -> float:
        return self._clock()


_caches: weakref.WeakKeyDictionary[Engine, HeadCache] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def head_cache(engine: Engine) -> HeadCache:
    with _lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = HeadCache()
        return cache
