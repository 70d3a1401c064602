from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from agentdesk.core.acw import (
    AUTO_WRAP_CODE,
    AcwError,
    AcwMode,
    AcwPolicy,
    AcwPolicyError,
    AfterCallWork,
)
from agentdesk.core.records import WrapUp

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def acw(mode: AcwMode, seconds: int = 60, extend: int = 30) -> AfterCallWork:
    return AfterCallWork(AcwPolicy(mode, seconds, extend), uuid4(), T0)


def test_timeboxed_counts_down_then_auto_wraps_once() -> None:
    period = acw(AcwMode.TIMEBOXED)
    assert period.remaining(at(0)) == 60
    assert period.remaining(at(45.5)) == 14.5
    assert period.tick(at(59.9)) is None
    wrapup = period.tick(at(60), note="customer hung up mid-sentence")
    assert wrapup is not None
    assert wrapup.auto_wrapped
    assert wrapup.codes == (AUTO_WRAP_CODE,)
    assert wrapup.call_record_id == period.call_record_id
    assert wrapup.note == "customer hung up mid-sentence"
    assert wrapup.saved_at == at(60)
    assert period.finished and period.wrapup is wrapup
    assert period.tick(at(61)) is None  # never twice
    assert period.remaining(at(200)) == 0


def test_timeboxed_extends_once() -> None:
    period = acw(AcwMode.TIMEBOXED)
    assert period.can_extend(at(50))
    period.extend(at(50))
    assert period.extended
    assert period.remaining(at(50)) == 40
    assert period.tick(at(60)) is None
    with pytest.raises(AcwError, match="only once"):
        period.extend(at(70))
    assert period.tick(at(90)) is not None


def test_an_expired_countdown_cannot_be_extended() -> None:
    period = acw(AcwMode.TIMEBOXED)
    assert not period.can_extend(at(60))
    with pytest.raises(AcwError, match="over"):
        period.extend(at(60))


def test_not_extendable_when_the_policy_says_so() -> None:
    period = acw(AcwMode.TIMEBOXED, extend=0)
    with pytest.raises(AcwError, match="not extendable"):
        period.extend(at(1))


def test_mandatory_blocks_until_wrapped_and_never_auto_wraps() -> None:
    period = acw(AcwMode.MANDATORY)
    assert period.remaining(at(0)) is None
    assert period.tick(at(3600)) is None
    assert period.blocks_next_call()
    assert not period.may_skip_wrapup()
    assert period.elapsed(at(75)) == 75
    with pytest.raises(AcwError, match="no countdown"):
        period.extend(at(1))
    period.wrapped_up(WrapUp(period.call_record_id, ("SALE",), at(80)))
    assert not period.blocks_next_call()


def test_optional_does_not_block() -> None:
    period = acw(AcwMode.OPTIONAL)
    assert not period.blocks_next_call()
    assert period.may_skip_wrapup()
    assert period.tick(at(10_000)) is None


def test_a_saved_wrapup_stops_the_countdown() -> None:
    period = acw(AcwMode.TIMEBOXED)
    assert period.blocks_next_call()
    period.wrapped_up(WrapUp(period.call_record_id, ("INFO",), at(20)))
    assert period.tick(at(60)) is None
    assert not period.can_extend(at(30))
    with pytest.raises(AcwError, match="already"):
        period.wrapped_up(WrapUp(period.call_record_id, ("INFO",), at(21)))


def test_a_wrapup_of_another_call_is_refused() -> None:
    period = acw(AcwMode.MANDATORY)
    with pytest.raises(AcwError, match="another call"):
        period.wrapped_up(WrapUp(uuid4(), ("INFO",), at(5)))


@pytest.mark.parametrize("policy", [
    AcwPolicy(AcwMode.TIMEBOXED, 60, 30), AcwPolicy(AcwMode.MANDATORY),
    AcwPolicy(AcwMode.OPTIONAL, 0, 0)])
def test_policy_document_round_trips(policy: AcwPolicy) -> None:
    assert AcwPolicy.from_document(policy.to_document()) == policy


@pytest.mark.parametrize(("doc", "field"), [
    ({"mode": "sometimes"}, "mode"),
    ({"mode": "timeboxed", "seconds": 0}, "seconds"),
    ({"mode": "timeboxed", "seconds": "60"}, "seconds"),
    ({"mode": "timeboxed", "seconds": 60, "extend_seconds": -1}, "extend_seconds"),
    ({"mode": "mandatory", "second": 60}, "second"),
])
def test_bad_policy_documents_name_the_field(doc: dict[str, object], field: str) -> None:
    with pytest.raises(AcwPolicyError) as caught:
        AcwPolicy.from_document(doc)
    assert caught.value.field == field


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AfterCallWork(AcwPolicy(), uuid4(), datetime(2026, 1, 1))
