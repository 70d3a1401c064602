"""Every call that ends becomes a CallRecord in the local store (and so in the outbox).

It listens to the CallService's events and keeps the wall-clock times of each call
(the lines themselves use the monotonic clock, which is right for timers but means
nothing on a report), including how long the remote was on hold. Times are the
desktop's clock; the server stamps its own on receipt, and that one is authoritative
for reporting.

What the phone cannot know - the customer the agent settled on, the queue or
campaign, the script's path, objections and captured fields - comes from an optional
`call_context` provider, asked once at hang-up with the call id. It runs on the event
(GUI) thread, so it must answer from memory.

Events arrive on the GUI thread; the record is built there (cheap) and written by
`run`, which the app points at a single writer thread, because a store write can wait
on the sync worker's transaction and the GUI must never wait on disk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agentdesk.core.phone_events import (
    CallDirection,
    CallHoldChanged,
    CallState,
    CallStateChanged,
    IncomingCall,
    OutgoingCallStarted,
    PhoneEvent,
)
from agentdesk.core.records import CallRecord, Direction, LocalStore, ObjectionUse, StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallContext:
    """What the rest of the desktop knows about a call, for its record.

    None means "not known": the record keeps what the phone saw (the X-Customer-Id
    header for the customer), or stays empty.
    """

    customer_id: str | None = None
    queue: str | None = None
    dialed_number: str | None = None
    campaign_id: str | None = None
    script_id: str | None = None
    script_version: int | None = None
    script_path: tuple[str, ...] = ()
    script_objections: tuple[ObjectionUse, ...] = ()
    script_captured: Mapping[str, Any] = field(default_factory=dict, hash=False)


CallContextProvider = Callable[[str], CallContext | None]


@dataclass
class _Open:
    direction: CallDirection
    remote_number: str
    started_at: datetime
    customer_id: str | None
    connected_at: datetime | None = None
    hold_seconds: float = 0.0
    held_since: datetime | None = None  # set while the remote is on hold


def _no_context(_call_id: str) -> CallContext | None:
    return None


class CallHistory:
    def __init__(self, store: LocalStore, on_saved: Callable[[], None] = lambda: None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 run: Callable[[Callable[[], None]], object] = lambda job: job(),
                 call_context: CallContextProvider = _no_context,
                 on_recorded: Callable[[CallRecord], None] = lambda record: None) -> None:
        """`on_recorded` gets each record on the event thread as soon as it is built
        (before the write): the wrap-up form needs its id at once. `on_saved` runs
        after the write, on the writer."""
        self._store = store
        self._on_saved = on_saved
        self._now = now
        self._run = run
        self._call_context = call_context
        self._on_recorded = on_recorded
        self._open: dict[str, _Open] = {}

    def on_phone_event(self, event: PhoneEvent) -> None:
        match event:
            case IncomingCall():
                customer = event.headers.get("X-Customer-Id") or None
                self._open[event.call_id] = _Open(CallDirection.INBOUND, event.remote_number,
                                                  self._now(), customer)
            case OutgoingCallStarted():
                self._open[event.call_id] = _Open(CallDirection.OUTBOUND, event.remote_number,
                                                  self._now(), None)
            case CallStateChanged(state=CallState.CONNECTED):
                call = self._open.get(event.call_id)
                if call is not None and call.connected_at is None:
                    call.connected_at = self._now()
            case CallHoldChanged():
                call = self._open.get(event.call_id)
                if call is not None:
                    self._on_hold_changed(call, event.on_hold)
            case CallStateChanged(state=CallState.DISCONNECTED):
                call = self._open.pop(event.call_id, None)
                if call is not None:
                    self._save(event, call)
            case _:
                pass

    def _on_hold_changed(self, call: _Open, on_hold: bool) -> None:
        if on_hold and call.held_since is None:
            call.held_since = self._now()
        elif not on_hold and call.held_since is not None:
            call.hold_seconds += _seconds(call.held_since, self._now())
            call.held_since = None

    def _context(self, call_id: str) -> CallContext:
        try:
            return self._call_context(call_id) or CallContext()
        except Exception:
            # The record matters more than its extras: save what the phone saw.
            log.exception("the call context provider failed for call %s", call_id)
            return CallContext()

    def _save(self, event: CallStateChanged, call: _Open) -> None:
        ended_at = self._now()
        if call.held_since is not None:  # hung up while on hold
            call.hold_seconds += _seconds(call.held_since, ended_at)
        context = self._context(event.call_id)
        direction = (Direction.INBOUND if call.direction is CallDirection.INBOUND
                     else Direction.OUTBOUND)
        try:
            record = CallRecord(
                call_id=event.call_id, direction=direction, remote_number=call.remote_number,
                started_at=call.started_at, connected_at=call.connected_at, ended_at=ended_at,
                sip_end_code=event.code or None,
                customer_id=context.customer_id or call.customer_id,
                script_id=context.script_id, script_version=context.script_version,
                script_path=context.script_path, queue=context.queue,
                dialed_number=context.dialed_number, campaign_id=context.campaign_id,
                hold_seconds=call.hold_seconds, script_objections=context.script_objections,
                script_captured=context.script_captured)
        except ValueError:
            log.exception("call %s: the script context is not recordable; saving the call "
                          "without it", event.call_id)
            record = CallRecord(
                call_id=event.call_id, direction=direction, remote_number=call.remote_number,
                started_at=call.started_at, connected_at=call.connected_at, ended_at=ended_at,
                sip_end_code=event.code or None,
                customer_id=context.customer_id or call.customer_id, queue=context.queue,
                dialed_number=context.dialed_number, campaign_id=context.campaign_id,
                hold_seconds=call.hold_seconds)
        self._run(lambda: self._write(record))  # first: a failing listener loses nothing
        try:
            self._on_recorded(record)
        except Exception:
            log.exception("a listener of the record of call %s failed", record.call_id)

    def _write(self, record: CallRecord) -> None:
        try:
            self._store.save_call_record(record)
        except StoreError:
            # The agent keeps working; the log names the file and the reason.
            log.exception("could not save the record of call %s", record.call_id)
            return
        self._on_saved()


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())
