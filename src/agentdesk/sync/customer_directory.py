"""`ServerCustomerDirectory`: the core `CustomerDirectory` port, on the server's search
and timeline endpoints, falling back to the local store's copy when it cannot answer.

Online: `GET /customers/search` (every customer matching any criterion, each with its
last contact and open callbacks: what ranking needs) and, for the file that is opened,
`GET /customers/{id}` and `GET /customers/{id}/timeline` (newest page first).

Offline (unreachable, timing out, failing, or no login): the reference cache the sync
service pulled - customers seen before and the leads of assigned campaigns - looked up
by id and phone through their indexes, and scanned for account and name. Such answers
say `offline` and carry the time of the local copy (the last complete sync), so the
agent reads "offline copy from <time>". An offline file's history is what this desktop
recorded (its calls with their wrap-ups, notes and open callbacks): incomplete, since
other desktops' records are on the server only.

Online, the server's page of the history is merged with this desktop's records it does
not hold yet (core.customer_directory.with_local_records): a note saved a second ago
is in the file the agent opens next, and once pushed it is shown once, not twice.

After a failure the server is not asked again for `retry_after` seconds: a pop must
not wait for a connect timeout on every call while the network is down (the offline
pop budget is 50 ms). Blocking: use from a worker thread, never the GUI thread. One
instance per worker thread (the HTTP client is not shared with the sync service).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote
from uuid import UUID

import httpx

from agentdesk.core.customer_directory import (
    MAX_SEARCH_RESULTS,
    Customer,
    CustomerDocumentError,
    CustomerFile,
    CustomerHistory,
    DirectoryUnavailableError,
    FieldChange,
    LocalHistory,
    LookupResult,
    Promise,
    Provenance,
    SearchQuery,
    TimelineEntry,
    TimelineKind,
    local_history,
    with_local_records,
)
from agentdesk.core.records import AccessEntry, AccessReason, LocalStore, StoreError
from agentdesk.sync.api_client import (
    ApiClient,
    ApiError,
    Reply,
    RequestRejectedError,
    UnauthorizedError,
)
from agentdesk.sync.session import LoginRequiredError
from agentdesk.sync.wire import (
    CustomerOut,
    CustomerSearchResult,
    CustomerTimeline,
    OpenCallback,
)
from agentdesk.sync.wire import TimelineEntry as WireTimelineEntry

log = logging.getLogger(__name__)

CUSTOMER_KIND = "customer"
POP_TIMEOUT = httpx.Timeout(2.0, connect=1.0)  # a pop waits this long at most, then offline
_KINDS = {"call_record": TimelineKind.CALL, "note": TimelineKind.NOTE,
          "callback": TimelineKind.CALLBACK, "customer_change": TimelineKind.CHANGE}


class CustomerApiClient(ApiClient):
    """The screen pop's endpoints, on the same plumbing as the sync client."""

    def __init__(self, base_url: str, *, timeout: httpx.Timeout = POP_TIMEOUT,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(base_url, timeout=timeout, transport=transport)

    def search_customers(self, token: str, query: SearchQuery) -> Reply[CustomerSearchResult]:
        params: dict[str, str | int] = {"limit": max(1, min(query.limit, MAX_SEARCH_RESULTS))}
        for name in ("customer_id", "account", "phone", "name"):
            value = getattr(query, name)
            if value:
                params[name] = value
        return self._call("GET", "/customers/search", CustomerSearchResult, token=token,
                          params=params)

    def get_customer(self, token: str, customer_id: str) -> Reply[CustomerOut]:
        return self._call("GET", f"/customers/{_path(customer_id)}", CustomerOut, token=token)

    def customer_timeline(self, token: str, customer_id: str, limit: int,
                          page: str | None = None) -> Reply[CustomerTimeline]:
        params: dict[str, str | int] = {"limit": limit}
        if page:
            params["page"] = page
        return self._call("GET", f"/customers/{_path(customer_id)}/timeline",
                          CustomerTimeline, token=token, params=params)


def _path(customer_id: str) -> str:
    return quote(customer_id, safe="")


class DirectoryTokens(Protocol):
    """What the directory needs of the login (sync.session.ServerSession has it)."""

    def access_token(self) -> str: ...

    def renew(self) -> str: ...


class ServerCustomerDirectory:
    def __init__(self, client: CustomerApiClient, tokens: DirectoryTokens, store: LocalStore, *,
                 copy_time: Callable[[], datetime | None] = lambda: None,
                 on_access_saved: Callable[[], None] = lambda: None, agent: str = "",
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 monotonic: Callable[[], float] = time.monotonic,
                 retry_after: float = 15.0) -> None:
        """`tokens` is the seat's ServerSession; `copy_time`
        says when the local copy was last synced (SyncStatus.last_success, else
        cached_from); `on_access_saved` nudges the sync service (notify_saved);
        `agent` is this seat's username, the owner of the records made here."""
        self._client = client
        self._agent = agent
        self._tokens = tokens
        self._store = store
        self._copy_time = copy_time
        self._on_access_saved = on_access_saved
        self._clock = clock
        self._monotonic = monotonic
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._offline_until = 0.0
        self._offline_reason = ""

    def close(self) -> None:
        """Close the HTTP connections (at shutdown, after the worker has stopped)."""
        self._client.close()

    # --- the port -------------------------------------------------------------------

    def search(self, query: SearchQuery) -> LookupResult:
        if query.empty:
            return LookupResult(customers=(), histories={})
        reason = self._skip_reason()
        if not reason:
            try:
                body = self._authed(lambda t: self._client.search_customers(t, query)).body
            except RequestRejectedError as exc:
                if exc.status == 422:  # e.g. a number the server cannot normalize
                    log.debug("search refused: %s", exc)
                    return LookupResult(customers=(), histories={})
                raise DirectoryUnavailableError(str(exc)) from None
            except (ApiError, LoginRequiredError) as exc:
                reason = self._went_offline(exc)
            else:
                self._went_online()
                return _online_result(body)
        return self._offline_search(query, reason)

    def customer_file(self, customer_id: str, *, page_size: int = 50) -> CustomerFile | None:
        reason = self._skip_reason()
        if not reason:
            try:
                return self._online_file(customer_id, page_size)
            except RequestRejectedError as exc:
                if exc.status == 404:
                    return None
                raise DirectoryUnavailableError(str(exc)) from None
            except (ApiError, LoginRequiredError) as exc:
                reason = self._went_offline(exc)
        doc = self._local(lambda: self._store.get_reference(CUSTOMER_KIND, customer_id))
        if doc is None:
            return None
        customer = _customer_or_none(customer_id, doc)
        if customer is None:
            return None
        mine = self._local(lambda: local_history(self._store, customer_id, agent=self._agent,
                                                 limit=page_size))
        return CustomerFile(customer, mine.history, self._provenance(reason))

    def record_access(self, customer_id: str, reason: AccessReason,
                      call_record_id: str | None = None) -> None:
        """One open of a customer file: saved with its outbox row, pushed by sync."""
        entry = AccessEntry(customer_id=customer_id, reason=reason, accessed_at=self._clock(),
                            call_record_id=UUID(call_record_id) if call_record_id else None)
        self._store.save_access_entry(entry)
        self._on_access_saved()

    # --- online ---------------------------------------------------------------------

    def _online_file(self, customer_id: str, page_size: int) -> CustomerFile:
        customer = self._authed(lambda t: self._client.get_customer(t, customer_id)).body
        timeline = self._authed(
            lambda t: self._client.customer_timeline(t, customer_id, page_size)).body
        self._went_online()
        history = _history_from_timeline(timeline)
        mine = self._local_or_none(customer_id, page_size)
        if mine is not None:
            history = with_local_records(history, mine)
        return CustomerFile(_customer_from_wire(customer), history)

    def _local_or_none(self, customer_id: str, page_size: int) -> LocalHistory | None:
        """This desktop's records of the customer; online, a store that cannot be read
        only costs the merge, never the file."""
        try:
            return local_history(self._store, customer_id, agent=self._agent, limit=page_size)
        except StoreError as exc:
            log.warning("the file is shown without this desktop's unsent records: %s", exc)
            return None

    def _authed(self, call: Callable[[str], Reply[Any]]) -> Reply[Any]:
        try:
            return call(self._tokens.access_token())
        except UnauthorizedError:
            try:
                return call(self._tokens.renew())
            except UnauthorizedError as exc:
                raise LoginRequiredError(str(exc)) from None

    # --- offline --------------------------------------------------------------------

    def _skip_reason(self) -> str:
        with self._lock:
            if self._monotonic() < self._offline_until:
                return self._offline_reason
            return ""

    def _went_offline(self, exc: Exception) -> str:
        reason = str(exc) or type(exc).__name__
        with self._lock:
            self._offline_until = self._monotonic() + self.retry_after
            self._offline_reason = reason
        log.info("customer lookups use the local copy for %.0f s: %s", self.retry_after,
                 reason)
        return reason

    def _went_online(self) -> None:
        with self._lock:
            self._offline_until = 0.0
            self._offline_reason = ""

    def _provenance(self, reason: str) -> Provenance:
        return Provenance(offline=True, copy_from=self._copy_time(), reason=reason)

    def _local(self, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except StoreError as exc:
            raise DirectoryUnavailableError(f"the server cannot be reached and the local "
                                            f"copy cannot be read: {exc}") from None

    def _offline_search(self, query: SearchQuery, reason: str) -> LookupResult:
        found: dict[str, Customer] = {}

        def add(key: str, doc: Mapping[str, Any] | None) -> None:
            if doc is not None and key not in found:
                customer = _customer_or_none(key, doc)
                if customer is not None:
                    found[key] = customer

        if query.customer_id:
            add(query.customer_id,
                self._local(lambda: self._store.get_reference(CUSTOMER_KIND, query.customer_id)))
        if query.phone:
            for change in self._local(lambda: self._store.find_customers_by_phone(query.phone)):
                add(change.key, change.doc)
        if query.account or query.name:
            prefix = query.name.casefold()
            for change in self._local(lambda: self._store.list_reference(CUSTOMER_KIND)):
                doc = change.doc
                if (query.account and doc.get("account") == query.account) or (
                        prefix and _name_starts_with(doc, prefix)):
                    add(change.key, doc)
        customers = sorted(found.values(), key=lambda c: c.customer_id)[:query.limit]
        return LookupResult(customers=tuple(customers), histories={},
                            provenance=self._provenance(reason))


def _name_starts_with(doc: Mapping[str, Any], prefix: str) -> bool:
    extra = doc.get("extra")
    names: Iterable[object] = (doc.get("first_name"), doc.get("last_name"),
                               extra.get("native_name") if isinstance(extra, Mapping) else None)
    return any(isinstance(n, str) and n.casefold().startswith(prefix) for n in names)


def _customer_or_none(key: str, doc: Mapping[str, Any]) -> Customer | None:
    try:
        return Customer.from_document(key, doc)
    except CustomerDocumentError as exc:
        log.warning("skipping a cached customer that cannot be read: %s", exc)
        return None


# --- wire -> core -----------------------------------------------------------------------

def _customer_from_wire(customer: CustomerOut) -> Customer:
    return Customer.from_document(customer.customer_id,
                                  customer.model_dump(mode="json", exclude={"usn"}))


def _promise(callback: OpenCallback) -> Promise:
    # a colleague's promise comes without its id (only one the reader may close has one)
    return Promise(id=str(callback.id) if callback.id is not None else "", kind="callback",
                   due_at=callback.due_at,
                   owner=callback.agent if callback.owner == "me" else callback.owner,
                   note=callback.note, customer_timezone=callback.customer_timezone or "",
                   created_at=callback.created_at)


def _online_result(body: CustomerSearchResult) -> LookupResult:
    customers: list[Customer] = []
    histories: dict[str, CustomerHistory] = {}
    for match in body.matches:
        try:
            customer = _customer_from_wire(match.customer)
        except CustomerDocumentError as exc:
            log.warning("skipping a customer the server sent: %s", exc)
            continue
        customers.append(customer)
        histories[customer.customer_id] = CustomerHistory(
            open_promises=tuple(sorted((_promise(c) for c in match.open_callbacks),
                                       key=lambda p: p.due_at)),
            last_contact_at=match.last_contact_at, complete=False)
    return LookupResult(customers=tuple(customers), histories=histories)


def _entry(entry: WireTimelineEntry) -> TimelineEntry:
    kind = _KINDS.get(entry.kind, TimelineKind.OTHER)
    return TimelineEntry(
        kind=kind, at=entry.at, agent=entry.agent, direction=entry.direction or "",
        duration_seconds=entry.duration_seconds, connected=bool(entry.connected),
        wrapup_codes=tuple(entry.wrapup_codes),
        text=(entry.wrapup_note if kind is TimelineKind.CALL else entry.text) or "",
        channel=entry.kind if kind is TimelineKind.OTHER else "",
        record_id=str(entry.record_id) if entry.record_id is not None else "",
        changes=tuple(FieldChange(c.field, c.old, c.new) for c in entry.changes))


def _history_from_timeline(timeline: CustomerTimeline) -> CustomerHistory:
    return CustomerHistory(
        timeline=tuple(_entry(e) for e in timeline.entries),
        open_promises=tuple(sorted((_promise(c) for c in timeline.open_callbacks),
                                   key=lambda p: p.due_at)),
        last_contact_at=timeline.last_contact_at, complete=timeline.next_page is None)
