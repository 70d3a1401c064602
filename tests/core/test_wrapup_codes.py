import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import resources
from uuid import uuid4

import pytest

from agentdesk.core.acw import AUTO_WRAP_CODE, AcwMode, AcwPolicy
from agentdesk.core.records import CallbackOwner, WrapUp
from agentdesk.core.wrapup_codes import (
    CodeFileError,
    CodeFlag,
    CodeSet,
    NotReadyReason,
    ReopenRefusal,
    WrapUpEntry,
    WrapUpField,
    WrapUpInvalidError,
    build_wrapup,
    filter_codes,
    may_reopen,
    normalize_hotkey,
    parse_code_file,
    reopen_status,
    select_code_set,
    validate_wrapup,
)
from agentdesk.core.wrapup_form_model import FormFields, parse_amount, prefill_from_script

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

FILE = """\
code_sets:
  - id: service
    label: Customer service
    labels: {zh_CN: 客户服务}
    applies_to: {queues: [service, vip]}
    multiple: true
    reopen_minutes: 30
    acw: {mode: timeboxed, seconds: 60, extend_seconds: 30}
    categories:
      - id: billing
        label: Billing
        labels: {zh_CN: 账单}
        codes:
          - code: BILL-EXPLAINED
            label: Bill explained
            labels: {zh_CN: 账单已解释}
            flags: [contact_made, first_contact_resolution]
            hotkey: alt+1
          - code: REFUND
            label: Refund issued
            labels: {zh_CN: 已退款}
            flags: [contact_made, requires_amount, requires_note]
      - id: follow_up
        label: Follow-up
        codes:
          - code: CALLBACK
            label: Callback promised
            labels: {zh_CN: 约定回电}
            flags: [contact_made, callback_required]
            hotkey: F5
          - code: DNC
            label: Do not call
            flags: [dnc_request]
          - code: COMPLAINT
            label: Complaint recorded
            flags: [complaint, requires_note]
  - id: telesales
    label: Telesales
    applies_to: {campaigns: [demo-telesales]}
    acw: {mode: mandatory}
    categories:
      - id: outcome
        label: Outcome
        codes:
          - {code: SALE, label: Sale, flags: [contact_made, sale, requires_amount]}
          - {code: NO-ANSWER, label: No answer}
  - id: general
    label: General
    categories:
      - id: other
        label: Other
        codes:
          - {code: OTHER, label: Other}
not_ready_reasons:
  - {code: break, label: Break, labels: {zh_CN: 休息}, paid: true}
  - {code: lunch, label: Lunch, labels: {zh_CN: 午餐}}
"""


@pytest.fixture(scope="module")
def sets() -> dict[str, CodeSet]:
    return {s.id: s for s in parse_code_file(FILE, "codes.yaml").code_sets}


@pytest.fixture(scope="module")
def service(sets: dict[str, CodeSet]) -> CodeSet:
    return sets["service"]


# --- parsing --------------------------------------------------------------------------


def test_parses_sets_categories_codes_and_reasons(service: CodeSet) -> None:
    parsed = parse_code_file(FILE, "codes.yaml")
    assert [s.id for s in parsed.code_sets] == ["service", "telesales", "general"]
    assert [c.id for c in service.categories] == ["billing", "follow_up"]
    assert [c.code for c in service.codes_in("billing")] == ["BILL-EXPLAINED", "REFUND"]
    refund = service.code("REFUND")
    assert refund is not None
    assert refund.flags == {CodeFlag.CONTACT_MADE, CodeFlag.REQUIRES_AMOUNT,
                            CodeFlag.REQUIRES_NOTE}
    assert refund.label.text("zh_CN") == "已退款"
    assert refund.label.text("zh") == "已退款"
    assert refund.label.text("en") == "Refund issued"
    assert service.code("BILL-EXPLAINED").hotkey == "Alt+1"  # type: ignore[union-attr]
    assert service.multiple and service.reopen_minutes == 30
    assert service.acw == AcwPolicy(AcwMode.TIMEBOXED, 60, 30)
    assert service.applies_to.queues == ("service", "vip")
    reasons = parsed.not_ready_reasons
    assert [(r.code, r.paid, r.label.text("zh_CN")) for r in reasons] == [
        ("break", True, "休息"), ("lunch", False, "午餐")]


def test_documents_round_trip(sets: dict[str, CodeSet]) -> None:
    for code_set in sets.values():
        assert CodeSet.from_document(code_set.to_document()) == code_set
    reason = parse_code_file(FILE, "codes.yaml").not_ready_reasons[0]
    assert NotReadyReason.from_document(reason.to_document()) == reason


def test_document_shape_matches_the_contract(service: CodeSet) -> None:
    doc = service.to_document()
    assert doc["applies_to"] == {"queues": ["service", "vip"], "campaigns": []}
    assert doc["acw"] == {"mode": "timeboxed", "seconds": 60, "extend_seconds": 30}
    assert doc["categories"][0]["codes"][1]["flags"] == [
        "contact_made", "requires_note", "requires_amount"]


def problem_of(text: str) -> CodeFileError:
    with pytest.raises(CodeFileError) as caught:
        parse_code_file(text, "bad.yaml")
    return caught.value


@pytest.mark.parametrize(("text", "line", "column", "field", "words"), [
    ("code_sets:\n  - id: s\n    label: S\n    categories:\n      - id: c\n        label: C\n"
     "        codes:\n          - {code: X, label: X, flags: [sael]}\n",
     8, 41, "code_sets[0].categories[0].codes[0].flags[0]", "unknown flag 'sael'"),
    ("code_sets:\n  - id: s\n    label: S\n    colour: red\n    categories: []\n",
     4, 13, "code_sets[0].colour", "unknown field"),
    ("code_sets:\n  - id: s\n    categories:\n      - id: c\n        label: C\n"
     "        codes: [{code: X, label: X}]\n",
     2, 5, "code_sets[0]", "missing field 'label'"),
    ("code_sets:\n  - id: s\n    label: S\n    acw: {mode: timeboxed, seconds: 0}\n"
     "    categories: [{id: c, label: C, codes: [{code: X, label: X}]}]\n",
     4, 37, "code_sets[0].acw.seconds", "countdown"),
    ("code_sets:\n  - id: s\n    label: S\n    categories:\n"
     "      - {id: c, label: C, codes: [{code: X, label: X, hotkey: Q}]}\n",
     5, 63, "code_sets[0].categories[0].codes[0].hotkey", "Ctrl or Alt"),
    ("code_sets:\n  - id: s\n    label: S\n    categories:\n"
     "      - {id: c, label: C, codes: [{code: AUTO-WRAP, label: X}]}\n",
     5, 42, "code_sets[0].categories[0].codes[0].code", "reserved"),
    ("code_sets:\n  - id: s\n    label: S\n    categories:\n"
     "      - {id: c, label: C, codes: [{code: X, label: A}, {code: X, label: B}]}\n",
     5, 63, "code_sets[0].categories[0].codes[1].code", "defined twice"),
    ("not_ready_reasons:\n  - {code: break, label: Break, labels: {zh-CN: 休息}}\n",
     2, 49, "not_ready_reasons[0].labels.zh-CN", "language code"),
    ("not_ready_reasons:\n  - {code: break, label: Break}\n  - {code: break, label: B}\n",
     3, 12, "not_ready_reasons[1].code", "defined twice"),
    ("not_ready_reasons:\n  - code: break\n    code: lunch\n    label: B\n",
     3, 5, "not_ready_reasons[0].code", "duplicate key"),
    ("code_sets: [\n", 2, 1, "", "YAML syntax error"),
])
def test_errors_name_file_line_column_and_field(text: str, line: int, column: int,
                                                field: str, words: str) -> None:
    error = problem_of(text)
    assert (error.source, error.line, error.column, error.field) == (
        "bad.yaml", line, column, field)
    assert words in str(error)
    assert str(error).startswith(f"bad.yaml:{line}:{column}: ")


def test_two_sets_for_one_queue_are_refused() -> None:
    text = ("code_sets:\n"
            "  - {id: a, label: A, applies_to: {queues: [q]}, categories: "
            "[{id: c, label: C, codes: [{code: X, label: X}]}]}\n"
            "  - {id: b, label: B, applies_to: {queues: [q]}, categories: "
            "[{id: c, label: C, codes: [{code: X, label: X}]}]}\n")
    error = problem_of(text)
    assert error.field == "code_sets[1].applies_to.queues"
    assert "queue 'q' already uses set 'a'" in str(error)


def test_every_problem_is_reported_not_only_the_first() -> None:
    error = problem_of("code_sets:\n  - id: 'a b'\n    label: ''\n    categories: 7\n")
    assert {p.field for p in error.problems} >= {
        "code_sets[0].id", "code_sets[0].label", "code_sets[0].categories"}


def test_a_bad_document_from_the_server_names_the_field() -> None:
    with pytest.raises(CodeFileError) as caught:
        CodeSet.from_document({"id": "s", "label": "S", "multiple": "yes", "categories": [
            {"id": "c", "label": "C", "codes": [{"code": "X", "label": "X"}]}]},
            source="wrapup_code_set/s")
    assert caught.value.field == "multiple"
    assert str(caught.value).startswith("wrapup_code_set/s: multiple: ")


@pytest.mark.parametrize(("hotkey", "words"), [
    ("Ctrl+Shift+H", "call actions"), ("ctrl+s", "reserved"), ("Shift+K", "Ctrl or Alt")])
def test_hotkeys_that_would_collide_are_refused(hotkey: str, words: str) -> None:
    error = problem_of("code_sets:\n  - id: s\n    label: S\n    categories:\n"
                       "      - {id: c, label: C, codes: [{code: X, label: X, hotkey: "
                       f"'{hotkey}'}}]}}\n")
    assert error.field == "code_sets[0].categories[0].codes[0].hotkey"
    assert words in str(error)


@pytest.mark.parametrize(("text", "expected"), [
    ("alt+1", "Alt+1"), ("F5", "F5"), ("shift+ctrl+k", "Ctrl+Shift+K"), ("Ctrl+", None),
    ("Alt+Space", None)])
def test_hotkeys_are_normalized(text: str, expected: str | None) -> None:
    assert normalize_hotkey(text) == expected


# --- selection and filtering ----------------------------------------------------------


def test_set_selection_prefers_campaign_then_queue_then_default(
        sets: dict[str, CodeSet]) -> None:
    all_sets = list(sets.values())
    assert select_code_set(all_sets, queue="vip").id == "service"  # type: ignore[union-attr]
    chosen = select_code_set(all_sets, queue="service", campaign_id="demo-telesales")
    assert chosen is not None and chosen.id == "telesales"
    assert select_code_set(all_sets, queue="orders").id == "general"  # type: ignore[union-attr]
    assert select_code_set([sets["service"]], queue="orders") is None


@pytest.mark.parametrize(("typed", "expected"), [
    ("", ["BILL-EXPLAINED", "REFUND", "CALLBACK", "DNC", "COMPLAINT"]),
    ("refund", ["REFUND"]),
    ("REF", ["REFUND"]),
    ("退款", ["REFUND"]),
    ("账单", ["BILL-EXPLAINED", "REFUND"]),  # the category's Chinese label
    ("billing", ["BILL-EXPLAINED", "REFUND"]),
    ("follow promised", ["CALLBACK"]),  # every word must match
    ("dnc", ["DNC"]),
    ("d", ["DNC", "BILL-EXPLAINED", "REFUND", "CALLBACK", "COMPLAINT"]),  # prefixes first
    ("nothing like this", []),
])
def test_filtering_by_typed_text(service: CodeSet, typed: str, expected: list[str]) -> None:
    assert [c.code for c in filter_codes(service, typed)] == expected


# --- validation per flag --------------------------------------------------------------


def kinds(code_set: CodeSet, entry: WrapUpEntry, customer: str | None = "C1") -> list[str]:
    return [p.kind for p in validate_wrapup(code_set, entry, NOW, customer_id=customer)]


def test_a_plain_code_is_valid(service: CodeSet) -> None:
    assert kinds(service, WrapUpEntry(("BILL-EXPLAINED",))) == []


def test_a_code_is_required_and_must_exist(service: CodeSet) -> None:
    assert kinds(service, WrapUpEntry(())) == ["code_required"]
    assert kinds(service, WrapUpEntry(("NOPE",))) == ["code_unknown"]
    assert kinds(service, WrapUpEntry((AUTO_WRAP_CODE,))) == ["code_reserved"]


def test_requires_note(service: CodeSet) -> None:
    problems = validate_wrapup(service, WrapUpEntry(("COMPLAINT",), note="  "), NOW)
    assert [(p.field, p.kind, p.code) for p in problems] == [
        (WrapUpField.NOTE, "note_required", "COMPLAINT")]
    assert kinds(service, WrapUpEntry(("COMPLAINT",), note="billed twice")) == []


@pytest.mark.parametrize(("amount", "expected"), [
    (None, ["amount_required"]), (Decimal("0"), ["amount_not_positive"]),
    (Decimal("-5"), ["amount_not_positive"]), (Decimal("NaN"), ["amount_not_positive"]),
    (Decimal("12.50"), [])])
def test_requires_amount(service: CodeSet, amount: Decimal | None,
                         expected: list[str]) -> None:
    assert kinds(service, WrapUpEntry(("REFUND",), note="n", amount=amount)) == expected


def callback_entry(**changes: object) -> WrapUpEntry:
    values: dict[str, object] = {
        "codes": ("CALLBACK",), "callback_at": NOW + timedelta(hours=2),
        "callback_timezone": "Asia/Shanghai", "callback_owner": CallbackOwner.TEAM,
        "callback_note": "send the new tariff first"}
    values.update(changes)
    return WrapUpEntry(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, []),
    ({"callback_at": None}, ["callback_time_required"]),
    ({"callback_at": NOW}, ["callback_time_past"]),
    ({"callback_at": datetime(2026, 12, 1, 9)}, ["callback_time_naive"]),
    ({"callback_timezone": ""}, ["callback_timezone_required"]),
    ({"callback_timezone": "Mars/Olympus"}, ["callback_timezone_unknown"]),
    ({"callback_note": " "}, ["callback_note_required"]),
])
def test_callback_required(service: CodeSet, changes: dict[str, object],
                           expected: list[str]) -> None:
    assert kinds(service, callback_entry(**changes)) == expected


def test_a_callback_needs_a_known_customer_or_the_callers_number(service: CodeSet) -> None:
    assert kinds(service, callback_entry(), customer=None) == ["callback_customer_unknown"]
    assert validate_wrapup(service, callback_entry(), NOW, customer_id=None,
                           callback_number="+8613800138000") == []
    # a withheld or internal number cannot be called back
    for number in ("anonymous", "1001", ""):
        problems = validate_wrapup(service, callback_entry(), NOW, customer_id=None,
                                   callback_number=number)
        assert [p.kind for p in problems] == ["callback_customer_unknown"], number


def test_an_unknown_callers_callback_is_made_to_the_number(service: CodeSet) -> None:
    call = uuid4()
    result = build_wrapup(service, callback_entry(), call_record_id=call, customer_id=None,
                          now=NOW, callback_number="+8613800138000")
    callback = result.callback
    assert callback is not None
    assert (callback.customer_id, callback.callback_number) == (None, "+8613800138000")
    assert callback.call_record_id == call
    # with a customer the promise belongs to the customer's file, not to the number
    known = build_wrapup(service, callback_entry(), call_record_id=call, customer_id="C1",
                         now=NOW, callback_number="+8613800138000").callback
    assert known is not None and (known.customer_id, known.callback_number) == ("C1", None)


def test_a_callback_time_without_a_callback_code_is_still_checked(service: CodeSet) -> None:
    entry = WrapUpEntry(("BILL-EXPLAINED",), callback_at=NOW - timedelta(minutes=1),
                        callback_timezone="Asia/Shanghai", callback_note="x")
    assert kinds(service, entry) == ["callback_time_past"]


def test_several_codes_only_when_the_set_allows(sets: dict[str, CodeSet]) -> None:
    assert kinds(sets["service"], WrapUpEntry(("BILL-EXPLAINED", "DNC"))) == []
    assert kinds(sets["telesales"], WrapUpEntry(("NO-ANSWER", "SALE"), amount=Decimal(1))) == [
        "codes_single"]
    assert kinds(sets["service"], WrapUpEntry(("DNC", "DNC"))) == ["code_repeated"]


def test_build_makes_the_wrapup_and_its_callback(service: CodeSet) -> None:
    call = uuid4()
    result = build_wrapup(service, callback_entry(codes=("CALLBACK", "BILL-EXPLAINED"),
                                                  note=" asked about the bill "),
                          call_record_id=call, customer_id="C1", now=NOW)
    assert result.wrapup.codes == ("CALLBACK", "BILL-EXPLAINED")
    assert result.wrapup.note == "asked about the bill"
    assert result.wrapup.callback_at == NOW + timedelta(hours=2)
    assert result.wrapup.saved_at == NOW and not result.wrapup.auto_wrapped
    callback = result.callback
    assert callback is not None
    assert (callback.customer_id, callback.customer_timezone, callback.owner,
            callback.call_record_id) == ("C1", "Asia/Shanghai", CallbackOwner.TEAM, call)
    assert callback.note == "send the new tariff first"
    assert CodeFlag.FIRST_CONTACT_RESOLUTION in result.flags
    assert not result.dnc_requested


def test_dnc_request_is_recorded(service: CodeSet) -> None:
    result = build_wrapup(service, WrapUpEntry(("DNC",)), call_record_id=uuid4(),
                          customer_id="C1", now=NOW)
    assert result.dnc_requested
    assert result.wrapup.codes == ("DNC",)
    assert result.callback is None


def test_build_refuses_an_invalid_entry(service: CodeSet) -> None:
    with pytest.raises(WrapUpInvalidError) as caught:
        build_wrapup(service, WrapUpEntry(("REFUND",)), call_record_id=uuid4(),
                     customer_id="C1", now=NOW)
    assert [p.kind for p in caught.value.problems] == ["note_required", "amount_required"]


def test_reopen_within_the_window_supersedes(service: CodeSet) -> None:
    call = uuid4()
    first = WrapUp(call, (AUTO_WRAP_CODE,), NOW, auto_wrapped=True)
    later = NOW + timedelta(minutes=30)
    assert may_reopen(service, first, later)
    result = build_wrapup(service, WrapUpEntry(("BILL-EXPLAINED",)), call_record_id=call,
                          customer_id="C1", now=later, reopens=first)
    assert result.wrapup.supersedes_id == first.id
    assert result.wrapup.id != first.id
    assert first.codes == (AUTO_WRAP_CODE,)  # the old record is untouched


def test_reopen_after_the_window_is_refused(service: CodeSet,
                                            sets: dict[str, CodeSet]) -> None:
    call = uuid4()
    first = WrapUp(call, ("DNC",), NOW)
    late = NOW + timedelta(minutes=30, seconds=1)
    assert not may_reopen(service, first, late)
    with pytest.raises(WrapUpInvalidError, match="within 30 minutes"):
        build_wrapup(service, WrapUpEntry(("DNC",)), call_record_id=call,
                     customer_id="C1", now=late, reopens=first)
    assert not may_reopen(sets["general"], first, NOW)  # reopen_minutes 0: never


def test_reopen_status_says_until_when_or_why_not(service: CodeSet,
                                                  sets: dict[str, CodeSet]) -> None:
    first = WrapUp(uuid4(), ("DNC",), NOW)
    deadline = NOW + timedelta(minutes=30)
    assert reopen_status(service, first, NOW + timedelta(minutes=5)).allowed
    assert reopen_status(service, first, deadline).deadline == deadline
    late = reopen_status(service, first, deadline + timedelta(seconds=1))
    assert (late.allowed, late.refusal, late.deadline) == (
        False, ReopenRefusal.WINDOW_OVER, deadline)
    assert reopen_status(sets["general"], first, NOW).refusal is ReopenRefusal.NOT_ALLOWED
    assert reopen_status(service, None, NOW).refusal is ReopenRefusal.NOT_WRAPPED_UP
    assert reopen_status(None, first, NOW).refusal is ReopenRefusal.NO_CODE_SET


def test_reopen_of_another_calls_wrapup_is_refused(service: CodeSet) -> None:
    first = WrapUp(uuid4(), ("DNC",), NOW)
    with pytest.raises(WrapUpInvalidError, match="another call"):
        build_wrapup(service, WrapUpEntry(("DNC",)), call_record_id=uuid4(),
                     customer_id="C1", now=NOW, reopens=first)


def test_the_demo_code_file_parses() -> None:
    text = (resources.files("agentdesk") / "resources/demo/codes.yaml").read_text("utf-8")
    parsed = parse_code_file(text, "codes.yaml")
    by_id = {s.id: s for s in parsed.code_sets}
    assert by_id["service"].acw == AcwPolicy(AcwMode.TIMEBOXED, 60, 30)
    assert by_id["telesales"].acw.mode is AcwMode.MANDATORY
    assert by_id["orders"].acw.mode is AcwMode.OPTIONAL
    assert select_code_set(parsed.code_sets, campaign_id="demo-telesales") is by_id["telesales"]
    for code_set in parsed.code_sets:
        assert all(code.label.text("zh_CN") != code.label.default for code in code_set.codes)
    assert [r.code for r in parsed.not_ready_reasons] == [
        "break", "lunch", "meeting", "training", "coaching", "system_problem", "personal"]
    assert all(r.label.text("zh_CN") != r.label.default for r in parsed.not_ready_reasons)


# --- the form's pure side: prefill and drafts ----------------------------------------


@dataclass(frozen=True)
class Outcome:
    wrapup_codes: tuple[str, ...]
    captured: dict[str, object]
    note: str = ""
    callback_in_hours: float | None = None


def test_prefill_keeps_known_codes_and_reads_captured_fields(
        sets: dict[str, CodeSet]) -> None:
    outcome = Outcome(("SALE", "GONE", "NO-ANSWER"),
                      {"amount": "1,299.00", "callback_at": "2026-11-23T09:00:00+08:00",
                       "callback_timezone": "Asia/Shanghai"}, "Plan: Family")
    prefill = prefill_from_script(outcome, sets["telesales"], NOW)
    assert prefill.codes == ("SALE",)  # one code: the set allows one
    assert prefill.amount == Decimal("1299.00")
    assert prefill.callback_at == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    assert prefill.callback_timezone == "Asia/Shanghai"
    assert prefill.note == "Plan: Family"


def test_prefill_leaves_out_what_does_not_parse(sets: dict[str, CodeSet]) -> None:
    outcome = Outcome(("CALLBACK",), {"amount": "lots", "callback_at": "tomorrow"},
                      callback_in_hours=2)
    prefill = prefill_from_script(outcome, sets["service"], NOW)
    assert prefill.amount is None
    assert prefill.callback_at == NOW + timedelta(hours=2)


@pytest.mark.parametrize(("text", "expected"), [
    ("", None), ("12", Decimal("12")), ("¥ 1,299.50", Decimal("1299.50")),
    ("12元", Decimal("12")), ("RMB 5", Decimal("5"))])
def test_amounts_as_typed(text: str, expected: Decimal | None) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["abc", "1.2.3", "Infinity"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount(text)


def test_a_draft_round_trips_and_tolerates_junk() -> None:
    fields = FormFields(("CALLBACK",), "n", "12.5", True, NOW + timedelta(days=1),
                        "Asia/Shanghai", CallbackOwner.ANYONE, "promise", "call")
    assert FormFields.from_draft(json.loads(json.dumps(fields.to_draft()))) == fields
    junk = FormFields.from_draft({"codes": "X", "callback_owner": "boss", "note": 3,
                                  "callback_at": "2026-01-01T09:00"})
    assert junk == FormFields()


def test_a_draft_entry_reports_a_bad_amount() -> None:
    entry, problems = FormFields(("REFUND",), amount_text="abc").entry()
    assert entry.amount is None
    assert [p.kind for p in problems] == ["amount_invalid"]
    entry, _ = FormFields(("X",), callback_at=NOW, callback_note="n").entry()
    assert entry.callback_at is None  # not wanted: not booked


def test_a_yaml_error_names_where_the_unclosed_construct_began() -> None:
    """libyaml finds an unclosed quote at the end of the file; the author fixes line 2."""
    error = problem_of('not_ready_reasons:\n  - {code: break, label: "Break}\n')
    assert (error.line, error.column) == (3, 1)
    assert ("found unexpected end of stream (while scanning a quoted scalar that began at "
            "line 2, column 26)") in str(error)
