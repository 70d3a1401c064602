"""SyncService: pushes the local outbox and pulls reference data, on one worker thread.

No Qt here. Listeners get a frozen `SyncStatus` after every change, called on the
worker thread (the UI's bridge re-emits it as a Qt signal on the GUI thread).

One sync cycle: push the outbox in batches, then pull reference pages by cursor until
the server says there is no more. What starts a cycle:
- `start()`, `sync_now()` (the agent's "Sync now", which also skips a backoff wait);
- `notify_saved()` after a saved wrap-up - unless the server is being backed off
  from, when it only refreshes the pending count (20 wrap-ups offline must not become
  20 connection attempts);
- the periodic timer, and the backoff timer after a failure; the first request that
  succeeds after failures is the reconnect, and the cycle goes on to drain everything.

Idempotency: a batch's key is derived from its record ids (uuid5), so the same
records always travel under the same key - also after a restart, when nothing was
persisted but the outbox. A batch whose answer was lost is sent again first, as is,
before anything newer. Records the server rejects (4xx) are marked failed with its
message and retried at most `max_rejections` times over later cycles; a whole batch
refused is split in halves to isolate the bad record. The outbox's `attempts` count
only these refusals: a network failure is not the record's fault.

Offline is a state, not an error: network errors, timeouts, 429 and 5xx set OFFLINE
with the reason and a retry time from truncated exponential backoff with jitter.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import partial
from typing import Protocol, TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError

from agentdesk.core.records import (
    LocalStore,
    OutboxItem,
    RecordKind,
    ReferenceChange,
    Tombstone,
)
from agentdesk.sync.api_client import (
    ApiClient,
    ApiError,
    Reply,
    RequestRejectedError,
    ServerUnreachableError,
    UnauthorizedError,
)
from agentdesk.sync.backoff import Backoff
from agentdesk.sync.session import LoginMemory, LoginRequiredError
from agentdesk.sync.wire import MAX_BATCH_RECORDS, PullResponse, PushBatch, PushRecord

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

_BATCH_NAMESPACE = uuid.UUID("6f1d7a52-3b0e-4c55-9d0a-5b8f6f0e2a11")


def batch_key(record_ids: Sequence[UUID]) -> str:
    """The idempotency key of a batch: the same records in the same order, the same key."""
    return "ad-" + uuid.uuid5(_BATCH_NAMESPACE, ",".join(str(i) for i in record_ids)).hex


class Connectivity(Enum):
    STARTING = "starting"
    ONLINE = "online"
    SYNCING = "syncing"
    OFFLINE = "offline"
    LOGIN_REQUIRED = "login_required"


@dataclass(frozen=True)
class SyncStatus:
    connectivity: Connectivity = Connectivity.STARTING
    pending: int = 0  # records of every kind waiting in the outbox ...
    pending_wrapups: int = 0  # ... of which wrap-ups: what the agent counts
    rejected: int = 0  # pending records the server refused too often; kept, not retried
    last_success: datetime | None = None  # server time of the last complete cycle
    last_error: str = ""  # for the agent: why we are offline / what was refused
    retry_in: float | None = None  # seconds until the next attempt, when backing off
    clock_offset: float | None = None  # server clock minus ours, seconds
    pull_done: int = 0  # USNs applied by the running pull ...
    pull_total: int = 0  # ... of this many (0: unknown or no pull running)
    cached_from: datetime | None = None  # offline on a previous login's cached data


class TokenSource(Protocol):
    """What the service needs of the login (sync.session.ServerSession)."""

    @property
    def logged_in(self) -> bool: ...

    previous_login: LoginMemory | None

    def access_token(self) -> str: ...

    def renew(self) -> str: ...


Listener = Callable[[SyncStatus], None]


class SyncService:
    def __init__(self, store: LocalStore, client: ApiClient, session: TokenSource, *,
                 batch_size: int = 100, page_size: int = 1000, interval: float = 30.0,
                 backoff: Backoff | None = None, max_rejections: int = 3,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if not 1 <= batch_size <= MAX_BATCH_RECORDS:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH_RECORDS}")
        self._store = store
        self._client = client
        self._session = session
        self.batch_size = batch_size
        self.page_size = page_size
        self.interval = interval
        self._backoff = backoff or Backoff(base=1.0, cap=60.0)
        self._max_rejections = max_rejections
        self._clock = clock
        self._monotonic = monotonic
        self._listeners: list[Listener] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._requested = False  # a full cycle, now
        self._saved = False  # a record was saved: cycle, or just recount when backing off
        self._next_at = math.inf  # monotonic time of the next timed cycle
        self._status = SyncStatus()
        self._inflight: list[UUID] = []  # the batch sent last whose answer we lack
        self._skip: set[UUID] = set()  # rejected in this cycle: not again until the next
        self._refusal = ""  # the last refusal of this cycle, for the agent
        self.cycles = 0
        self.push_attempts = 0

    # --- the API the app and the UI use (any thread) --------------------------------

    @property
    def status(self) -> SyncStatus:
        with self._cond:
            return self._status

    def add_listener(self, listener: Listener) -> None:
        """Called on the sync worker thread with each new status."""
        with self._cond:
            self._listeners.append(listener)

    def start(self) -> None:
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            self._requested = True
            self._thread = threading.Thread(target=self._run, name="agentdesk-sync",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop the worker (a request in flight finishes or times out first); True when
        the thread ended in time."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def sync_now(self) -> None:
        with self._cond:
            self._requested = True
            self._cond.notify_all()

    def notify_saved(self) -> None:
        with self._cond:
            self._saved = True
            self._cond.notify_all()

    # --- the worker -----------------------------------------------------------------

    def _backing_off(self) -> bool:
        return (self._backoff.failures > 0
                or self._status.connectivity is Connectivity.LOGIN_REQUIRED)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not (self._stopping or self._requested or self._saved
                           or self._monotonic() >= self._next_at):
                    wait = self._next_at - self._monotonic()
                    self._cond.wait(None if math.isinf(wait) else max(wait, 0.0))
                if self._stopping:
                    return
                full = (self._requested or self._monotonic() >= self._next_at
                        or (self._saved and not self._backing_off()))
                self._requested = self._saved = False
                if full:
                    self._next_at = math.inf
            try:
                if full:
                    self._cycle()
                else:
                    self._publish(**self._pending())
            except Exception:  # never let the worker die; the cycle reported it
                log.exception("sync worker error")

    def _cycle(self) -> None:
        try:
            self._cycle_once()
        finally:
            self.cycles += 1  # completed cycles, counted after their status is out

    def _cycle_once(self) -> None:
        self._skip.clear()
        self._refusal = ""
        self._publish(connectivity=Connectivity.SYNCING, **self._pending(),
                      retry_in=None)
        try:
            hint = self._push_all()
            self._pull_all(hint)
        except ServerUnreachableError as exc:
            self._went_offline(str(exc))
        except LoginRequiredError as exc:
            log.warning("sync stopped until the agent logs in: %s", exc)
            self._publish(connectivity=Connectivity.LOGIN_REQUIRED, last_error=str(exc),
                          pull_done=0, pull_total=0, retry_in=None,
                          **self._pending())
        except Exception as exc:
            log.exception("sync cycle failed")
            self._went_offline(f"sync failed: {exc}")
        else:
            if self._backoff.failures:
                log.info("server reachable again after %d failed attempts",
                         self._backoff.failures)
            self._backoff.succeeded()
            with self._cond:
                self._next_at = self._monotonic() + self.interval
            # online, but a refusal in this cycle stays readable in the tooltip
            self._publish(connectivity=Connectivity.ONLINE, last_error=self._refusal,
                          last_success=self._server_now(), pull_done=0, pull_total=0,
                          cached_from=None, **self._pending())

    def _went_offline(self, reason: str) -> None:
        delay = self._backoff.failed()
        with self._cond:
            self._next_at = self._monotonic() + delay
        log.info("sync offline (%s); retry in %.1f s", reason, delay)
        cached = None
        if not self._session.logged_in and self._session.previous_login is not None:
            cached = self._session.previous_login.last_login_at
        self._publish(connectivity=Connectivity.OFFLINE, last_error=reason, retry_in=delay,
                      pull_done=0, pull_total=0, cached_from=cached,
                      **self._pending())

    def _server_now(self) -> datetime:
        offset = self._status.clock_offset or 0.0
        return self._clock() + timedelta(seconds=offset)

    def _pending(self) -> dict[str, int]:
        return {"pending": self._store.pending_count(),
                "pending_wrapups": self._store.pending_count(RecordKind.WRAPUP)}

    def _publish(self, **changes: object) -> None:
        with self._cond:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]
            status, listeners = self._status, list(self._listeners)
        for listener in listeners:
            try:
                listener(status)
            except Exception:
                log.exception("sync status listener failed")

    def _authed(self, call: Callable[[str], Reply[T]]) -> Reply[T]:
        token = self._session.access_token()
        try:
            reply = call(token)
        except UnauthorizedError:
            log.info("the server refused the token; renewing it")
            try:
                reply = call(self._session.renew())
            except UnauthorizedError as exc:
                raise LoginRequiredError(str(exc)) from None
        if reply.clock_offset is not None:
            previous = self._status.clock_offset
            if previous is None or abs(previous - reply.clock_offset) > 2.0:
                log.info("client clock is %+.1f s off the server's", -reply.clock_offset)
            self._publish(clock_offset=reply.clock_offset)
        return reply

    # --- push -----------------------------------------------------------------------

    def _next_batch(self) -> list[OutboxItem]:
        limit = self.batch_size
        while True:
            items = self._store.pending_outbox(limit)
            usable = [i for i in items
                      if i.attempts < self._max_rejections and i.record_id not in self._skip]
            if len(items) < limit:  # the whole queue was seen: the count is exact
                self._publish(rejected=len(items) - len(usable))
            if self._inflight:
                wanted = set(self._inflight)
                again = [i for i in usable if i.record_id in wanted]
                if len(again) == len(wanted):
                    return again
                self._inflight = []
            if len(usable) >= self.batch_size or len(items) < limit:
                return usable[:self.batch_size]
            limit *= 2

    def _push_all(self) -> int | None:
        """Push until the outbox is empty; returns the server's USN when it said."""
        server_usn: int | None = None
        while not self._stopping:
            items = self._next_batch()
            if not items:
                break
            usn = self._send(items)
            server_usn = usn if usn is not None else server_usn
            self._publish(**self._pending())
        return server_usn

    def _wire_records(self, items: list[OutboxItem]) -> list[PushRecord]:
        """The items as the wire carries them; one the server would refuse anyway (a
        payload over the wire's limits, a clock far off) is marked failed here, so it
        never holds up the records after it."""
        records = []
        for item in items:
            try:
                records.append(PushRecord(id=item.record_id, kind=item.kind.value,
                                          payload=dict(item.payload),
                                          client_created_at=item.created_at))
            except ValidationError as exc:
                reason = "; ".join(str(e.get("msg", "")) for e in exc.errors()[:3])
                log.warning("record %s cannot be sent (over the wire's limits)",
                            item.record_id)
                log.debug("record %s cannot be sent: %s", item.record_id, reason)
                self._store.mark_failed([item.record_id], f"not sendable: {reason}")
                self._skip.add(item.record_id)
                self._refusal = f"a record cannot be sent: {reason}"
        return records

    def _send(self, items: list[OutboxItem]) -> int | None:
        records = self._wire_records(items)
        if not records:
            return None
        if len(records) < len(items):
            sendable = {r.id for r in records}
            items = [i for i in items if i.record_id in sendable]
        ids = [i.record_id for i in items]
        batch = PushBatch(batch_id=batch_key(ids), records=records)
        self._inflight = ids
        self.push_attempts += 1
        try:
            reply = self._authed(lambda token: self._client.push(token, batch))
        except RequestRejectedError as exc:
            self._inflight = []
            if len(items) == 1:
                # the reason may quote the record's content: DEBUG only (no personal
                # data above DEBUG)
                log.warning("server rejected record %s (HTTP %d)", ids[0], exc.status)
                log.debug("server rejected record %s: %s", ids[0], exc)
                self._store.mark_failed(ids, str(exc))
                self._skip.add(ids[0])
                self._refusal = str(exc)
                return None
            half = len(items) // 2
            first = self._send(items[:half])
            second = self._send(items[half:])
            return second if second is not None else first
        self._inflight = []
        result = reply.body
        done = [*result.accepted_ids, *result.duplicate_ids]
        if done:
            self._store.mark_pushed(done)
        for rejection in result.rejected:
            log.warning("server rejected record %s", rejection.id)
            log.debug("server rejected record %s: %s", rejection.id, rejection.reason)
            self._store.mark_failed([rejection.id], rejection.reason)
            self._skip.add(rejection.id)
        if result.rejected:
            self._refusal = f"the server refused a record: {result.rejected[-1].reason}"
        unanswered = set(ids) - set(done) - {r.id for r in result.rejected}
        self._skip.update(unanswered)  # never loop on a record the server ignored
        return result.cursor

    # --- pull -----------------------------------------------------------------------

    def _pull_page(self, cursor: int, token: str) -> Reply[PullResponse]:
        return self._client.pull(token, cursor, self.page_size)

    def _pull_all(self, server_usn: int | None) -> None:
        start = cursor = self._store.reference_cursor() or 0
        total = 0 if server_usn is None else max(server_usn - start, 0)
        resynced = False
        while not self._stopping:
            page = self._authed(partial(self._pull_page, cursor)).body
            if page.resync:
                # Our cursor is above the server's head: its database was restored
                # from an older backup. Waiting would never bring anything: start again
                # from 0 (once per cycle: a server that keeps saying it is broken).
                if resynced or cursor == 0:
                    raise ServerUnreachableError(
                        "the server keeps asking for a full resync; trying again later")
                log.warning("the server's reference data is older than this desk's copy "
                            "(cursor %d; restored from a backup?): pulling it all again",
                            cursor)
                resynced = True
                self._store.apply_reference_changes([], [], 0)
                start = cursor = total = 0
                continue
            if page.changes or page.tombstones or page.cursor != cursor:
                self._store.apply_reference_changes(
                    [ReferenceChange(kind=c.kind, key=c.key, doc=c.data) for c in page.changes],
                    [Tombstone(kind=t.kind, key=t.key) for t in page.tombstones],
                    page.cursor)
            cursor = page.cursor
            if not page.has_more:
                break
            if not total:
                total = max(self._client.health().body.cursor - start, 0)
            self._publish(pull_done=cursor - start, pull_total=max(total, cursor - start))


__all__ = ["ApiError", "Connectivity", "SyncService", "SyncStatus", "TokenSource",
           "batch_key"]
