import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from agentdesk.core.records import (
    AccessEntry,
    AccessReason,
    CallRecord,
    Direction,
    RecordKind,
    WrapUp,
    kind_of,
    payload_of,
)

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def test_each_record_gets_its_own_client_uuid():
    a = CallRecord("c1", Direction.INBOUND, "+8613800000000", T0)
    b = CallRecord("c1", Direction.INBOUND, "+8613800000000", T0)
    assert isinstance(a.id, UUID)
    assert a.id != b.id


def test_payload_is_json_safe_and_complete():
    call = CallRecord("c1", Direction.OUTBOUND, "1001", T0, script_path=("start", "offer"))
    wrapup = WrapUp(call.id, ("sale", "callback"), T0, note="备注", amount=Decimal("12.50"),
                    callback_at=T0 + timedelta(days=1))
    payload = payload_of(wrapup)
    assert json.loads(json.dumps(payload)) == payload
    assert payload["id"] == str(wrapup.id)
    assert payload["call_record_id"] == str(call.id)
    assert payload["codes"] == ["sale", "callback"]
    assert payload["amount"] == "12.50"
    assert payload["callback_at"] == "2026-11-23T08:00:00+00:00"
    assert payload_of(call)["direction"] == "outbound"
    assert payload_of(call)["script_path"] == ["start", "offer"]


def test_client_offsets_survive_in_the_payload():
    shanghai = timezone(timedelta(hours=8))
    entry = AccessEntry("cust-1", AccessReason.POP, datetime(2026, 1, 1, 9, tzinfo=shanghai))
    assert payload_of(entry)["accessed_at"] == "2026-01-01T09:00:00+08:00"


def test_naive_timestamps_are_refused():
    call = CallRecord("c1", Direction.INBOUND, "1001", datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        payload_of(call)


def test_kind_of():
    call = CallRecord("c1", Direction.INBOUND, "1001", T0)
    assert kind_of(call) is RecordKind.CALL_RECORD
    assert kind_of(WrapUp(call.id, (), T0)) is RecordKind.WRAPUP


def test_record_kinds_are_the_sync_wire_kinds():
    from agentdesk.sync.wire import RECORD_KINDS

    assert {kind.value for kind in RecordKind} <= set(RECORD_KINDS)
