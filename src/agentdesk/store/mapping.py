"""Core records to rows and back: the only place that knows both shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agentdesk.core.records import (
    AccessEntry,
    AccessReason,
    AgentStateChange,
    Callback,
    CallbackOwner,
    CallRecord,
    Direction,
    Note,
    ObjectionUse,
    WrapUp,
)
from agentdesk.store.models import (
    AccessEntryRow,
    AgentStateChangeRow,
    CallbackRow,
    CallRecordRow,
    NoteRow,
    WrapUpRow,
)


def call_record_row(r: CallRecord) -> CallRecordRow:
    return CallRecordRow(
        id=r.id, call_id=r.call_id, direction=r.direction.value, remote_number=r.remote_number,
        started_at=r.started_at, connected_at=r.connected_at, ended_at=r.ended_at,
        sip_end_code=r.sip_end_code, customer_id=r.customer_id, script_id=r.script_id,
        script_version=r.script_version, script_path=list(r.script_path), queue=r.queue,
        dialed_number=r.dialed_number, campaign_id=r.campaign_id, hold_seconds=r.hold_seconds,
        script_objections=[_objection_doc(use) for use in r.script_objections],
        script_captured=dict(r.script_captured))


def call_record(row: CallRecordRow) -> CallRecord:
    return CallRecord(
        id=row.id, call_id=row.call_id, direction=Direction(row.direction),
        remote_number=row.remote_number, started_at=row.started_at,
        connected_at=row.connected_at, ended_at=row.ended_at, sip_end_code=row.sip_end_code,
        customer_id=row.customer_id, script_id=row.script_id,
        script_version=row.script_version, script_path=tuple(row.script_path),
        queue=row.queue, dialed_number=row.dialed_number, campaign_id=row.campaign_id,
        hold_seconds=row.hold_seconds,
        script_objections=tuple(_objection(doc) for doc in row.script_objections),
        script_captured=row.script_captured)


def _objection_doc(use: ObjectionUse) -> dict[str, Any]:
    # the payload's shape (contracts: objection, rebuttal, node, at), time as stored text
    return {"objection": use.objection, "rebuttal": use.rebuttal, "node": use.node,
            "at": use.at.isoformat()}


def _objection(doc: dict[str, Any]) -> ObjectionUse:
    return ObjectionUse(objection=doc["objection"], rebuttal=doc["rebuttal"], node=doc["node"],
                        at=datetime.fromisoformat(doc["at"]))


def wrapup_row(w: WrapUp) -> WrapUpRow:
    return WrapUpRow(
        id=w.id, call_record_id=w.call_record_id, codes=list(w.codes), saved_at=w.saved_at,
        note=w.note, amount=w.amount, callback_at=w.callback_at, auto_wrapped=w.auto_wrapped,
        supersedes_id=w.supersedes_id)


def wrapup(row: WrapUpRow) -> WrapUp:
    return WrapUp(
        id=row.id, call_record_id=row.call_record_id, codes=tuple(row.codes),
        saved_at=row.saved_at, note=row.note, amount=row.amount, callback_at=row.callback_at,
        auto_wrapped=row.auto_wrapped, supersedes_id=row.supersedes_id)


def agent_state_change_row(c: AgentStateChange) -> AgentStateChangeRow:
    return AgentStateChangeRow(id=c.id, state=c.state, started_at=c.started_at,
                               ended_at=c.ended_at, reason_code=c.reason_code)


def note_row(n: Note) -> NoteRow:
    return NoteRow(id=n.id, customer_id=n.customer_id, text=n.text, created_at=n.created_at,
                   call_record_id=n.call_record_id)


def callback_row(c: Callback) -> CallbackRow:
    return CallbackRow(id=c.id, customer_id=c.customer_id, due_at=c.due_at,
                       customer_timezone=c.customer_timezone, owner=c.owner.value, note=c.note,
                       created_at=c.created_at, call_record_id=c.call_record_id,
                       callback_number=c.callback_number, status="open")


def access_entry_row(e: AccessEntry) -> AccessEntryRow:
    return AccessEntryRow(id=e.id, customer_id=e.customer_id, reason=e.reason.value,
                          accessed_at=e.accessed_at, call_record_id=e.call_record_id)


def agent_state_change(row: AgentStateChangeRow) -> AgentStateChange:
    return AgentStateChange(id=row.id, state=row.state, started_at=row.started_at,
                            ended_at=row.ended_at, reason_code=row.reason_code)


def note(row: NoteRow) -> Note:
    return Note(id=row.id, customer_id=row.customer_id, text=row.text,
                created_at=row.created_at, call_record_id=row.call_record_id)


def callback(row: CallbackRow) -> Callback:
    return Callback(id=row.id, customer_id=row.customer_id, due_at=row.due_at,
                    customer_timezone=row.customer_timezone, owner=CallbackOwner(row.owner),
                    note=row.note, created_at=row.created_at,
                    call_record_id=row.call_record_id, callback_number=row.callback_number)


def access_entry(row: AccessEntryRow) -> AccessEntry:
    return AccessEntry(id=row.id, customer_id=row.customer_id, reason=AccessReason(row.reason),
                       accessed_at=row.accessed_at, call_record_id=row.call_record_id)
