"""ScriptSession: branching, capture, back, objection detours, compliance, outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentdesk.core.scripts import (
    ComplianceNotAcknowledgedError,
    FieldError,
    ScriptContext,
    ScriptSession,
    ScriptStateError,
    SegmentKind,
    choose_script,
    load_and_validate,
    plain_text,
)
from agentdesk.core.scripts.model import Script

SCRIPTS = Path(__file__).parents[3] / "src" / "agentdesk" / "resources" / "scripts"


class StepClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def load(name: str) -> Script:
    script, problems = load_and_validate(SCRIPTS / name)
    assert script is not None, problems
    return script


CONTEXT = ScriptContext(
    customer={"first_name": "Lei", "last_name": "Li", "phone": "+8613800138000",
              "account": "A-1001", "extra": {"city": "Beijing", "tier": "standard"}},
    agent={"first_name": "Alice"},
    campaign={"id": "demo-telesales", "name": "the fiber upgrade"},
)


@pytest.fixture
def telesales() -> ScriptSession:
    return ScriptSession(load("telesales_broadband.yaml"), CONTEXT, clock=StepClock())


def to_permission(session: ScriptSession) -> None:
    session.advance()  # intro -> recording notice
    session.acknowledge()
    session.advance()


def test_render_fills_variables_and_marks_unknown_ones():
    session = ScriptSession(load("telesales_broadband.yaml"),
                            ScriptContext(customer={"first_name": "Lei"}), clock=StepClock())
    segments = session.render()
    kinds = {s.variable: s.kind for s in segments if s.variable}
    assert kinds == {"customer.full_name": SegmentKind.VALUE,
                     "agent.first_name": SegmentKind.UNKNOWN,
                     "campaign.name": SegmentKind.UNKNOWN}
    text = plain_text(segments)
    assert "May I speak with Lei?" in text.replace("may", "May")
    assert "[?agent.first_name]" in text


def test_chinese_rendering():
    session = ScriptSession(load("telesales_broadband.yaml"), CONTEXT, clock=StepClock(),
                            language="zh_CN")
    expected = "您好，请问是Lei Li吗？我是 AgentDesk 电信的Alice"
    assert plain_text(session.render()).startswith(expected)


def test_compliance_must_be_acknowledged(telesales):
    telesales.advance()
    assert telesales.current.id == "recording_notice"
    with pytest.raises(ComplianceNotAcknowledgedError):
        telesales.advance()
    telesales.acknowledge()
    telesales.advance()
    assert telesales.current.id == "permission"
    assert "recording_notice" in telesales.outcome().acknowledged


def test_branching_capture_and_decision(telesales):
    to_permission(telesales)
    telesales.choose(0)
    assert telesales.current.id == "needs"
    errors = telesales.submit({"current_speed": "fast", "monthly_spend": "-3"})
    assert errors == {"current_speed": FieldError.NOT_AN_OPTION,
                      "monthly_spend": FieldError.TOO_SMALL}
    assert telesales.current.id == "needs"
    assert telesales.submit({"current_speed": "500m_plus", "monthly_spend": "120"}) == {}
    assert telesales.current.id == "pitch_bundle"  # the decision resolved on its own
    assert telesales.answers == {"permission": "granted", "current_speed": "500m_plus",
                                 "monthly_spend": 120}
    assert [s.via for s in telesales.steps][-2:] == ["answer", "decision"]


def test_back_undoes_the_answers_captured_since(telesales):
    to_permission(telesales)
    telesales.choose(0)
    telesales.submit({"current_speed": "upto_100m"})
    assert telesales.current.id == "pitch"
    telesales.back()
    assert telesales.current.id == "needs"
    assert "current_speed" not in telesales.answers
    assert telesales.answers == {"permission": "granted"}
    telesales.back()
    assert telesales.current.id == "permission"
    assert telesales.answers == {}
    telesales.choose(1)
    assert telesales.current.id == "ask_callback_time"
    assert telesales.outcome().path[-4:] == ("pitch", "needs", "permission",
                                             "ask_callback_time")
    assert telesales.trail == ("intro", "recording_notice", "permission", "ask_callback_time")


def test_objection_detour_returns_to_the_exact_step(telesales):
    to_permission(telesales)
    telesales.choose(0)
    telesales.open_objection("price")
    assert telesales.detour is not None and telesales.detour.node == "needs"
    telesales.use_rebuttal("price_per_day")  # returns
    assert telesales.current.id == "needs"
    telesales.close_objection()
    assert telesales.detour is None
    uses = telesales.outcome().to_payload()["script_objections"]
    assert [(u["objection"], u["rebuttal"], u["node"]) for u in uses] == [
        ("price", "price_per_day", "needs")]


def test_objection_rebuttal_can_branch_and_back_returns(telesales):
    to_permission(telesales)
    telesales.open_objection("how_did_you_get_my_number")
    telesales.use_rebuttal("number_remove_me")
    assert telesales.finished and telesales.current.id == "do_not_call"
    assert telesales.outcome().wrapup_codes == ("TS-DNC",)
    telesales.back()
    assert telesales.current.id == "permission"


def test_objection_closed_without_rebuttal_is_recorded(telesales):
    telesales.open_objection("call_later")
    telesales.close_objection()
    assert [(u.objection, u.rebuttal) for u in telesales.objections_used] == [
        ("call_later", None)]


def test_full_sale_outcome(telesales):
    to_permission(telesales)
    telesales.choose(0)
    telesales.submit({"current_speed": "upto_100m"})
    telesales.advance()
    telesales.choose(0)
    assert telesales.submit({"install_date": "2026-12-01", "contact_phone": "138 0013 8000",
                             "email": ""}) == {}
    with pytest.raises(ComplianceNotAcknowledgedError):
        telesales.advance()
    telesales.acknowledge()
    telesales.advance()
    telesales.choose(0)
    outcome = telesales.outcome()
    assert outcome.finished and outcome.end_node == "end_sale"
    assert outcome.wrapup_codes == ("TS-SALE",)
    assert outcome.captured["contact_phone"] == "+8613800138000"
    assert outcome.captured["install_date"] == "2026-12-01"
    assert "email" not in outcome.captured
    assert outcome.note.splitlines()[0] == "Sale: fiber upgrade, installation on 2026-12-01."
    payload = outcome.to_payload()
    assert payload["script_id"] == "telesales-broadband" and payload["script_version"] == 1
    assert payload["script_path"][0] == "intro" and payload["script_path"][-1] == "end_sale"
    assert all(step.at.tzinfo is not None for step in outcome.steps)
    assert [s.at for s in outcome.steps] == sorted(s.at for s in outcome.steps)


def test_service_escalation_decides_on_severity_and_suggests_transfer():
    session = ScriptSession(load("service_complaint.yaml"), CONTEXT, clock=StepClock())
    session.advance()
    session.acknowledge()
    session.advance()
    session.submit({"caller_name": "Li Lei", "phone_last4": "8000"})
    session.choose(0)
    session.choose(0)  # complaint
    session.advance()
    assert session.submit({"complaint_summary": "no internet for 3 days",
                           "severity": "high", "desired_outcome": "fix"}) == {}
    assert "Fix the problem" in plain_text(session.render())  # the option's label
    session.advance()
    session.choose(1)  # escalate -> decision -> high severity -> transfer
    assert session.current.id == "transfer_supervisor"
    session.advance()
    outcome = session.outcome()
    assert outcome.transfer_target == "supervisors"
    assert outcome.wrapup_codes == ("CMP-ESCALATED", "INQ-TRANSFERRED")


def test_invalid_actions_are_refused(telesales):
    with pytest.raises(ScriptStateError):
        telesales.choose(0)  # a say step
    with pytest.raises(ScriptStateError):
        telesales.back()
    with pytest.raises(ScriptStateError):
        telesales.use_rebuttal("price_per_day")
    with pytest.raises(KeyError):
        telesales.open_objection("no_such_objection")


@pytest.mark.parametrize(("queue", "dialed", "campaign", "expected"), [
    ("service", None, None, "service-complaint"),
    ("orders", None, None, "order-confirmation"),
    (None, None, "demo-telesales", "telesales-broadband"),
    ("orders", None, "demo-telesales", "telesales-broadband"),  # campaign is more specific
    ("unknown", None, None, "service-complaint"),  # the default
])
def test_choose_script(queue, dialed, campaign, expected):
    scripts = [load(p.name) for p in sorted(SCRIPTS.glob("*.yaml"))]
    chosen = choose_script(scripts, queue=queue, dialed_number=dialed, campaign_id=campaign)
    assert chosen is not None and chosen.id == expected


def test_choose_script_prefers_dialed_number_and_the_highest_version():
    base = load("order_confirmation.yaml").to_document()
    older = Script.from_document({**base, "applies_to": {"dialed_numbers": ["+86 400 800 1234"]}})
    newer = Script.from_document({**base, "version": 2,
                                  "applies_to": {"dialed_numbers": ["4008001234"]}})
    chosen = choose_script([older, newer, load("service_complaint.yaml")],
                           queue="service", dialed_number="+864008001234")
    assert chosen is newer
    assert choose_script([older], queue="nothing") is None
