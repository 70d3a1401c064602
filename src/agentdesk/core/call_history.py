"""Every call that ends becomes a CallRecord in the local store (and so in the outbox).

It listens to the CallService's events and keeps the wall-clock times of each call
(the lines themselves use the monotonic clock, which is right for timers but means
nothing on a report). Times are the desktop's clock; the server stamps its own on
receipt, and that one is authoritative for reporting.

Events arrive on the GUI thread; the record is built there (cheap) and written by
`run`, which the app points at a single writer thread, because a store write can wait
on the sync worker's transaction and the GUI must never wait on disk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from agentdesk.core.phone_events import (
    CallDirection,
    CallState,
    CallStateChanged,
    IncomingCall,
    OutgoingCallStarted,
    PhoneEvent,
)
from agentdesk.core.records import CallRecord, Direction, LocalStore, StoreError

log = logging.getLogger(__name__)


@dataclass
class _Open:
    direction: CallDirection
    remote_number: str
    started_at: datetime
    customer_id: str | None
    connected_at: datetime | None = None


class CallHistory:
    def __init__(self, store: LocalStore, on_saved: Callable[[], None] = lambda: None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 run: Callable[[Callable[[], None]], object] = lambda job: job()) -> None:
        self._store = store
        self._on_saved = on_saved
        self._now = now
        self._run = run
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
            case CallStateChanged(state=CallState.DISCONNECTED):
                call = self._open.pop(event.call_id, None)
                if call is not None:
                    self._save(event, call)
            case _:
                pass

    def _save(self, event: CallStateChanged, call: _Open) -> None:
        direction = (Direction.INBOUND if call.direction is CallDirection.INBOUND
                     else Direction.OUTBOUND)
        record = CallRecord(call_id=event.call_id, direction=direction,
                            remote_number=call.remote_number, started_at=call.started_at,
                            connected_at=call.connected_at, ended_at=self._now(),
                            sip_end_code=event.code or None, customer_id=call.customer_id)
        self._run(lambda: self._write(record))

    def _write(self, record: CallRecord) -> None:
        try:
            self._store.save_call_record(record)
        except StoreError:
            # The agent keeps working; the log names the file and the reason.
            log.exception("could not save the record of call %s", record.call_id)
            return
        self._on_saved()
