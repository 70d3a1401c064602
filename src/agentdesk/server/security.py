"""Passwords (argon2id), opaque bearer tokens, and what keeps logins from hurting sync:
the per-(address, name) backoff, the bounded argon2 executor, and the client address
as seen through trusted proxies.

All of it lives in the serving process (no table, no migration): with several server
processes (`serve --workers N`, or hosts behind a load balancer) every bound below
holds per process. N processes together run up to N x `login_hash_workers` argon2
hashes and admit N x `login_queue` logins at once, and a guesser whose attempts the
balancer spreads over N processes gets N x `login_max_failures` free failures before
the backoff starts (the backoff then grows in each process) and N x the per-address
failure bucket. Size the hash workers for
the cores the whole deployment may spend on logins; a balancer that keeps a client
address on one process (sticky by source address) restores the per-process guess bound."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import math
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from agentdesk.server.config import Settings

T = TypeVar("T")


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


@dataclass
class _Failures:
    count: int
    last: float
    locked_until: float


class LoginRateLimiter:
    """Failed logins per (client address, username), with exponential backoff.

    The first `max_failures` failures cost nothing; the next one locks that pair for
    `base_seconds`, and every further failure doubles the lock, up to `max_seconds`.
    A colleague behind the same NAT who mistypes a name locks out that name from that
    address for a second or two, not a minute; an online guesser's rate decays
    exponentially. The pair is forgotten `window_seconds` after its last failure (and
    lock), or on a success.

    Failures per client address, whatever the names, draw on a bucket of
    `address_burst` that refills at `address_per_minute`: names guessed at random from
    one address cost at most that many hashes. At most `max_tracked` pairs and
    addresses are remembered (the oldest go first): guessed names cannot fill the
    memory."""

    def __init__(self, max_failures: int, window_seconds: float,
                 base_seconds: float = 1.0, max_seconds: float = 900.0,
                 address_burst: int = 20, address_per_minute: float = 20.0,
                 max_tracked: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._burst = float(address_burst)
        self._refill = address_per_minute / 60.0
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max = max_failures
        self._window = window_seconds
        self._base = base_seconds
        self._cap = max_seconds
        self._max_tracked = max_tracked
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(username: str, client: str) -> tuple[str, str]:
        return client, username.casefold()

    def retry_after(self, username: str, client: str) -> int:
        """Seconds until a new attempt is allowed; 0 when it is allowed now."""
        with self._lock:
            tokens = self._tokens(client)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self._refill
            entry = self._live(self._key(username, client))
            if entry is not None:
                wait = max(wait, entry.locked_until - self._clock())
            return 0 if wait <= 0 else max(1, math.ceil(wait))

    def _tokens(self, client: str) -> float:
        tokens, at = self._buckets.get(client, (self._burst, 0.0))
        if tokens >= self._burst:
            return tokens
        tokens = min(self._burst, tokens + (self._clock() - at) * self._refill)
        if tokens >= self._burst:
            del self._buckets[client]  # full again: nothing to remember
        return tokens

    def failed(self, username: str, client: str) -> None:
        with self._lock:
            key = self._key(username, client)
            now = self._clock()
            self._buckets[client] = (max(0.0, self._tokens(client) - 1), now)
            self._buckets.move_to_end(client)
            while len(self._buckets) > self._max_tracked:
                self._buckets.popitem(last=False)
            entry = self._live(key)
            if entry is None:
                entry = self._failures[key] = _Failures(0, now, now)
                while len(self._failures) > self._max_tracked:
                    self._failures.popitem(last=False)
            entry.count += 1
            entry.last = now
            self._failures.move_to_end(key)
            over = entry.count - self._max
            if over >= 0:
                entry.locked_until = now + min(self._cap, self._base * 2.0 ** min(over, 60))

    def succeeded(self, username: str, client: str) -> None:
        with self._lock:
            self._failures.pop(self._key(username, client), None)

    def tracked(self) -> int:
        with self._lock:
            return len(self._failures)

    def _live(self, key: tuple[str, str]) -> _Failures | None:
        entry = self._failures.get(key)
        if entry is None:
            return None
        if self._clock() > max(entry.last, entry.locked_until) + self._window:
            del self._failures[key]
            return None
        return entry


class LoginBusyError(Exception):
    """Too many logins in flight (globally or from one address): answer 429."""

    def __init__(self, retry_after: int, reason: str) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


HASH_THREAD_NICENESS = 10


def _lower_thread_priority() -> None:
    """Make the calling thread (Linux: a thread has its own nice value) yield the CPU
    to the request threads and the event loop when they compete for it."""
    with contextlib.suppress(AttributeError, OSError):
        tid = threading.get_native_id()
        nice = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, nice + HASH_THREAD_NICENESS))


class PasswordCheckPool:
    """The argon2 work of logins, on its own small thread pool.

    Request handlers and sync share the request thread pool (as many threads as
    database connections); a hash takes tens of milliseconds of CPU and 64 MiB, so a
    flood of logins hashing there starved every desk's push. Here at most `workers`
    hashes run at once, at most `capacity` logins are admitted (running or queued) and
    at most `per_address` of them from one client address; beyond that a login fails
    at once with LoginBusyError (429, Retry-After from the queue's length and the
    measured hash time) without touching the database. The hashing threads run at a
    lower CPU priority (nice +10): when the cores are busy, sync goes first."""

    def __init__(self, workers: int, capacity: int, per_address: int) -> None:
        self.workers = workers
        self.capacity = max(capacity, workers)
        self.per_address = per_address
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="argon2",
                                            initializer=_lower_thread_priority)
        self._lock = threading.Lock()
        self._in_flight = 0
        self._by_address: dict[str, int] = {}
        self._seconds_per_job = 0.05  # refined by every job (moving average)
        self.refused = 0

    def in_flight(self, address: str | None = None) -> int:
        with self._lock:
            return self._in_flight if address is None else self._by_address.get(address, 0)

    def _retry_after(self, queued: int) -> int:
        return max(1, math.ceil(queued * self._seconds_per_job / self.workers))

    def submit(self, address: str, fn: Callable[..., T], *args: object) -> Future[T]:
        """Queue `fn(*args)` for a hashing thread on behalf of one login from
        `address`, or raise LoginBusyError. The place is given back when the job ends
        (or is cancelled before it starts), not when the caller stops waiting: a
        client that hangs up cannot leave work behind that nobody counts."""
        with self._lock:
            mine = self._by_address.get(address, 0)
            if self._in_flight >= self.capacity or mine >= self.per_address:
                self.refused += 1
                whose = "this address" if mine >= self.per_address else "the server"
                raise LoginBusyError(self._retry_after(self._in_flight),
                                     f"too many logins in progress from {whose}: "
                                     "try again shortly")
            self._in_flight += 1
            self._by_address[address] = mine + 1

        def timed() -> T:
            started = time.perf_counter()
            try:
                return fn(*args)
            finally:
                elapsed = time.perf_counter() - started
                with self._lock:
                    self._seconds_per_job += (elapsed - self._seconds_per_job) * 0.2

        def release(_future: Future[T]) -> None:
            with self._lock:
                self._in_flight -= 1
                left = self._by_address[address] - 1
                if left:
                    self._by_address[address] = left
                else:
                    del self._by_address[address]

        try:
            future = self._executor.submit(timed)
        except BaseException:
            release(Future())
            raise
        future.add_done_callback(release)
        return future

    async def run(self, address: str, fn: Callable[..., T], *args: object) -> T:
        """submit(), awaited."""
        return await asyncio.wrap_future(self.submit(address, fn, *args))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(spec: str | Iterable[str]) -> tuple[Network, ...]:
    """'10.0.0.5, 10.1.0.0/16' (or a list of such): the addresses of trusted proxies."""
    items = spec.split(",") if isinstance(spec, str) else spec
    return tuple(ipaddress.ip_network(item.strip(), strict=False)
                 for item in items if item.strip())


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(peer: str | None, forwarded_for: list[str],
                   proxies: tuple[Network, ...]) -> str:
    """The client's address: the TCP peer, unless the peer is a trusted proxy; then
    the right-most X-Forwarded-For entry that is not itself a trusted proxy (entries to
    its left were written by the client and prove nothing)."""
    address = peer or "unknown"
    if not proxies or not _trusted(address, proxies):
        return address
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, proxies):
            return hop
        address = hop
    return address
