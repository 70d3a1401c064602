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
    ObjectionUse,
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


def _scripted_call() -> CallRecord:
    return CallRecord(
        "c1", Direction.OUTBOUND, "+8613800138000", T0, queue="sales",
        dialed_number="+861065529988",
        campaign_id="winter-upgrade", hold_seconds=12.5,
        script_objections=(ObjectionUse("price", "value", "offer", T0 + timedelta(seconds=40)),
                           ObjectionUse("call_later", None, "intro", T0 + timedelta(seconds=90))),
        script_captured={"budget": 300, "plan": "家庭套餐", "agreed": True, "extras": ["tv"],
                         "address": {"city": "北京"}, "note": None})


def test_call_payload_carries_routing_hold_and_script_outcome():
    payload = payload_of(_scripted_call())
    assert json.loads(json.dumps(payload)) == payload
    assert payload["queue"] == "sales"
    assert payload["dialed_number"] == "+861065529988"
    assert payload["campaign_id"] == "winter-upgrade"
    assert payload["hold_seconds"] == 12.5
    assert payload["script_objections"] == [
        {"objection": "price", "rebuttal": "value", "node": "offer",
         "at": "2026-11-22T08:00:40+00:00"},
        {"objection": "call_later", "rebuttal": None, "node": "intro",
         "at": "2026-11-22T08:01:30+00:00"}]
    assert payload["script_captured"] == {"budget": 300, "plan": "家庭套餐", "agreed": True,
                                          "extras": ["tv"], "address": {"city": "北京"},
                                          "note": None}


def test_new_call_fields_default_to_nothing_known():
    payload = payload_of(CallRecord("c1", Direction.INBOUND, "1001", T0))
    assert (payload["queue"], payload["dialed_number"], payload["campaign_id"]) == (None,) * 3
    assert payload["hold_seconds"] == 0.0
    assert payload["script_objections"] == [] and payload["script_captured"] == {}


def test_captured_fields_are_copied_so_the_record_cannot_change_later():
    captured = {"plan": "basic"}
    call = CallRecord("c1", Direction.INBOUND, "1001", T0, script_captured=captured)
    captured["plan"] = "premium"
    assert call.script_captured == {"plan": "basic"}


@pytest.mark.parametrize("captured,where", [
    ({"when": datetime(2026, 1, 1, tzinfo=UTC)}, "script_captured.when"),
    ({"amount": Decimal("1.5")}, "script_captured.amount"),
    ({"items": [1, {2, 3}]}, r"script_captured.items\[1\]"),
    ({"ratio": float("nan")}, "script_captured.ratio"),
    ({"nested": {1: "x"}}, "script_captured.nested"),
])
def test_captured_values_that_json_cannot_carry_are_refused_by_name(captured, where):
    with pytest.raises(ValueError, match=where):
        CallRecord("c1", Direction.INBOUND, "1001", T0, script_captured=captured)


def test_negative_hold_and_naive_objection_times_are_refused():
    with pytest.raises(ValueError, match="hold_seconds"):
        CallRecord("c1", Direction.INBOUND, "1001", T0, hold_seconds=-1.0)
    with pytest.raises(ValueError, match="timezone-aware"):
        ObjectionUse("price", None, "offer", datetime(2026, 1, 1))


# --- callbacks for unknown callers, closing callbacks, customer changes ---------------

def test_a_callback_needs_a_customer_or_a_valid_number():
    from agentdesk.core.records import Callback, CallbackOwner
    at = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="customer or a number"):
        Callback(None, at, "Asia/Shanghai", CallbackOwner.ME, "", at)
    with pytest.raises(ValueError, match=r"E\.164"):
        Callback(None, at, "Asia/Shanghai", CallbackOwner.ME, "", at,
                 callback_number="136 0013 6000")
    assert Callback(None, at, "Asia/Shanghai", CallbackOwner.ME, "", at,
                    callback_number="+8613600136000").customer_id is None


def test_a_callback_update_closes_and_never_reopens():
    from uuid import uuid4

    from agentdesk.core.records import CallbackState, CallbackUpdate
    at = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="done or cancelled"):
        CallbackUpdate(uuid4(), CallbackState.OPEN, at)
    assert payload_of(CallbackUpdate(uuid4(), CallbackState.DONE, at))["status"] == "done"


@pytest.mark.parametrize(("fields", "created", "message"), [
    ({}, False, "at least one field"),
    ({"nickname": "x"}, False, "unknown customer field"),
    ({"phone": "010 6552 9988"}, False, r"E\.164"),
    ({"extra": ["not", "an", "object"]}, False, "extra must be an object"),
    ({"extra": {"when": datetime(2026, 1, 1, tzinfo=UTC)}}, False, "not a JSON value"),
    ({"email": "a@b.c"}, True, "needs a name"),
])
def test_a_customer_change_refuses_what_the_server_would_refuse(fields, created, message):
    from agentdesk.core.records import CustomerChange
    at = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match=message):
        CustomerChange("C-1", fields, at, created=created)


def test_a_customer_change_keeps_its_own_copy_of_the_fields():
    from agentdesk.core.records import CustomerChange
    fields = {"email": "a@b.c"}
    change = CustomerChange("C-1", fields, datetime(2026, 11, 22, tzinfo=UTC))
    fields["email"] = "changed@b.c"
    assert payload_of(change)["fields"] == {"email": "a@b.c"}
    assert payload_of(change)["created"] is False
