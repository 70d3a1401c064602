"""Outbound campaigns on the server (issue 15): the campaign file, leads and DNC
imports, the audit CLI, the desk's API with leases, the gate at dial time, the
dnc_request wrap-up and campaign callbacks; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agentdesk.server import campaigns
from agentdesk.server.campaign_models import CampaignAttempt, CampaignLead, DncEntry, GateDecision
from agentdesk.server.models import UsnCounter
from agentdesk.server.users import Principal
from tests.server.conftest import record
from tests.server.test_cli import _cli

CAMPAIGN = """\
id: fiber-upgrade
title: {en: "Fiber upgrade", zh_CN: "光纤升级"}
mode: preview
code_set: telesales
assigned: {teams: [sales-1], agents: [agent1]}
default_region: CN
calling_hours:
  mon-fri: "09:00-21:00"
  sat: "10:00-18:00"
  sun: closed
closed_dates: ["2027-01-01"]
default_timezone: null
require_consent: false
max_attempts: 3
max_attempts_per_day: 2
max_calls_per_number_24h: 5
retry_minutes: {busy: 30, no_answer: 120, rejected: 240, failed: 60}
preview_timeout_s: 0
caller_id: "+861065529900"
starts: 2026-01-04
ends: null
"""

LEADS = """\
lead_id,phone,first_name,last_name,timezone,consent,priority,customer_id,plan
L1,138 0013 8000,Wei,Zhang,,yes,5,,fiber-500
L2,+12125551234,Ann,Lee,,yes,1,,
L3,(021) 6321 0000,Li,Na,Asia/Shanghai,no,9,C-KNOWN,
L4,+61 2 1234 5678,Bob,Ray,,,0,,
"""

MONDAY_1330Z = datetime(2027, 3, 15, 13, 30, tzinfo=UTC)  # 21:30 Beijing, 09:30 New York


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def campaign_db(db_url: str, engine: Any, tmp_path: Path) -> str:
    from agentdesk.server.reference import put_customer
    from agentdesk.sync.wire import CustomerIn

    put_customer(engine, "C-KNOWN", CustomerIn(first_name="Li", last_name="Na",
                                               phone="+862163210000"))
    assert _cli(db_url, "import", "campaign", str(write(tmp_path, "c.yaml", CAMPAIGN)))[0] == 0
    code, _out, err = _cli(db_url, "import", "leads", "fiber-upgrade",
                          str(write(tmp_path, "leads.csv", LEADS)))
    assert code == 0, err
    return db_url


def who(name: str = "agent1", team: str | None = "sales-1") -> Principal:
    return Principal(id=1, username=name, role="agent", team=team)


# --- the campaign file -------------------------------------------------------------------------


def test_import_campaign_reports_line_and_column_and_updates_in_place(
        db_url: str, engine: Any, tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", CAMPAIGN.replace('sat: "10:00-18:00"', 'sat: "10-18"')
                .replace("max_attempts: 3", "max_attempts: lots"))
    code, _out, err = _cli(db_url, "import", "campaign", str(bad))
    assert code == 1
    assert err.splitlines() == [
        f"{bad}:9:8: campaign 'fiber-upgrade': calling_hours.sat: '10-18' is not "
        '"HH:MM-HH:MM" or "closed"',
        f"{bad}:14:15: campaign 'fiber-upgrade': max_attempts: must be a whole number >= 0, "
        "or null"]
    syntax = write(tmp_path, "syntax.yaml", 'id: x\ntitle: "unclosed\n')
    code, _out, err = _cli(db_url, "import", "campaign", str(syntax))
    assert code == 1 and err.startswith(f"{syntax}:") and "YAML syntax error" in err
    assert _cli(db_url, "import", "campaign", str(tmp_path / "missing.yaml"))[0] == 2
    assert _cli(db_url, "import", "campaign", "-", stdin=CAMPAIGN)[0] == 0
    code, out, _ = _cli(db_url, "import", "campaign", "-",
                        stdin=CAMPAIGN.replace("max_attempts: 3", "max_attempts: 4"))
    assert code == 0 and out.startswith("published campaign fiber-upgrade with 0 lead(s)")
    with Session(engine) as s:
        assert campaigns.load_campaign(s, "fiber-upgrade").rules.max_attempts == 4


# --- leads --------------------------------------------------------------------------------------


def test_leads_import_normalizes_links_customers_and_reports_bad_rows(
        campaign_db: str, engine: Any, tmp_path: Path) -> None:
    with Session(engine) as s:
        leads = {lead.lead_id: lead for lead in s.scalars(select(CampaignLead))}
    assert leads["L1"].phone == "+8613800138000" and leads["L1"].consent is True
    assert leads["L1"].extra == {"plan": "fiber-500"} and leads["L1"].priority == 5
    assert leads["L3"].phone == "+862163210000" and leads["L3"].customer_id == "C-KNOWN"
    assert leads["L4"].number_zones == "Australia/Sydney" and leads["L4"].consent is False
    # a second campaign: its lead with C-KNOWN's number links to that customer
    second = CAMPAIGN.replace("id: fiber-upgrade", "id: second")
    assert _cli(campaign_db, "import", "campaign", "-", stdin=second)[0] == 0
    bad = write(tmp_path, "bad.csv", "lead_id,phone,timezone,consent\n"
                                     "A1,021 6321 0000,,yes\n"
                                     "A1,13800138001,,\n"
                                     "A2,,,\n"
                                     "A3,12345,,\n"
                                     "A4,13800138002,Mars/Base,\n"
                                     "A5,13800138003,,maybe\n")
    code, out, err = _cli(campaign_db, "import", "leads", "second", str(bad))
    assert code == 1
    assert err.splitlines() == [
        "line 3: duplicate lead_id 'A1' (line 2)",
        "line 4: phone is missing",
        "line 5: phone '12345' is not a valid number (region CN)",
        "line 6: unknown time zone 'Mars/Base'",
        "line 7: bad consent value 'maybe' (yes, no or empty)"]
    assert out.startswith("imported 1 leads")
    with Session(engine) as s:
        a1 = s.scalar(select(CampaignLead).where(CampaignLead.campaign_id == "second"))
        assert a1 is not None and a1.customer_id == "C-KNOWN"
    only_bad = write(tmp_path, "only_bad.csv", "lead_id,phone\nB1,nope\n")
    assert _cli(campaign_db, "import", "leads", "second", str(only_bad))[0] == 2
    assert _cli(campaign_db, "import", "leads", "nope", str(only_bad))[0] == 2


def test_gb18030_and_bom_files_and_a_reimport_changes_nothing(
        campaign_db: str, engine: Any, tmp_path: Path) -> None:
    gb = write(tmp_path, "gb.csv", "lead_id,phone,first_name,last_name\nG1,13900139000,伟,张\n",
               "gb18030")
    assert _cli(campaign_db, "import", "leads", "fiber-upgrade", str(gb))[0] == 2  # not UTF-8
    code, _, err = _cli(campaign_db, "import", "leads", "fiber-upgrade", str(gb), "--encoding",
                        "gb18030")
    assert code == 0, err
    bom = write(tmp_path, "bom.csv", "\ufeff" + LEADS)
    with Session(engine) as s:
        lead = s.scalar(select(CampaignLead).where(CampaignLead.lead_id == "G1"))
        assert lead is not None and lead.first_name == "伟"
    campaigns.dial(engine, "fiber-upgrade", "L2", who(), MONDAY_1330Z)
    with Session(engine) as s:
        usn = s.scalar(select(UsnCounter.value))
    code, out, _ = _cli(campaign_db, "import", "leads", "fiber-upgrade", str(bom))
    assert code == 0 and "(0 new, 0 changed, 0 new customers)" in out
    with Session(engine) as s:
        assert s.scalar(select(UsnCounter.value)) == usn  # nothing changed for desktops
        l2 = s.scalar(select(CampaignLead).where(CampaignLead.lead_id == "L2"))
        assert l2 is not None and l2.attempts == 1
        assert s.scalar(select(func.count()).select_from(CampaignAttempt)) == 1


# --- do-not-call and the audit CLI -----------------------------------------------------------


def _check(db_url: str, at: str, campaign: str = "fiber-upgrade") -> list[dict[str, str]]:
    code, out, err = _cli(db_url, "campaign", "check", campaign, "--at", at)
    assert code == 0, err
    assert out.splitlines()[0] == "lead_id,decision,reasons,zones,local_time,next_eligible"
    return list(csv.DictReader(io.StringIO(out)))


def test_campaign_check_prints_every_decision(campaign_db: str, tmp_path: Path) -> None:
    rows = _check(campaign_db, "2027-03-15T13:30:00Z")
    assert rows == [
        {"lead_id": "L1", "decision": "blocked", "reasons": "outside_hours",
         "zones": "Asia/Shanghai", "local_time": "2027-03-15T21:30+08:00",
         "next_eligible": "2027-03-16T01:00Z"},
        {"lead_id": "L2", "decision": "dial", "reasons": "", "zones": "America/New_York",
         "local_time": "2027-03-15T09:30-04:00", "next_eligible": ""},
        {"lead_id": "L3", "decision": "blocked", "reasons": "outside_hours",
         "zones": "Asia/Shanghai", "local_time": "2027-03-15T21:30+08:00",
         "next_eligible": "2027-03-16T01:00Z"},
        {"lead_id": "L4", "decision": "blocked", "reasons": "outside_hours",
         "zones": "Australia/Sydney", "local_time": "2027-03-16T00:30+11:00",
         "next_eligible": "2027-03-15T22:00Z"}]
    dnc = write(tmp_path, "dnc.csv", "phone,reason,since\n"
                                     "+1 212-555-1234,asked,2027-03-01\n"
                                     "not a number,,\n")
    code, _, err = _cli(campaign_db, "import", "dnc", str(dnc))
    assert code == 1 and err.startswith("line 3: phone 'not a number'")
    own = write(tmp_path, "own.csv", "phone\n138 0013 8000\n")
    assert _cli(campaign_db, "import", "dnc", str(own), "--campaign", "fiber-upgrade")[0] == 0
    rows = _check(campaign_db, "2027-03-15T13:30:00Z")
    assert [(r["lead_id"], r["reasons"], r["next_eligible"]) for r in rows[:2]] == [
        ("L1", "dnc|outside_hours", ""), ("L2", "dnc", "")]
    # before the global entry's `since`, it does not apply
    assert _check(campaign_db, "2027-02-15T14:30:00Z")[1]["reasons"] == ""


def test_report_campaign(campaign_db: str, engine: Any) -> None:
    attempt = campaigns.dial(engine, "fiber-upgrade", "L2", who(), MONDAY_1330Z)
    campaigns.record_outcome(engine, attempt["attempt_id"], "busy", who(), MONDAY_1330Z)
    code, out, _ = _cli(campaign_db, "report", "campaign", "fiber-upgrade", "--at",
                        "2027-03-15T13:31:00Z", "--format", "json")
    assert code == 0
    found = json.loads(out)
    assert (found["leads"], found["new"], found["scheduled"], found["attempts"]) == (4, 3, 1, 1)
    assert found["blocked_by_reason"] == {"outside_hours": 3, "max_attempts_today": 0} or \
        found["blocked_by_reason"]["outside_hours"] == 3
    assert found["penetration"] == 0.25 and found["contacts"] == 0


# --- the desk's API ---------------------------------------------------------------------------


def test_next_lead_leases_skip_returns_and_the_order_is_callback_retry_fresh(
        campaign_db: str, engine: Any) -> None:
    wide = CAMPAIGN.replace('mon-fri: "09:00-21:00"', 'mon-fri: "00:00-24:00"')
    assert _cli(campaign_db, "import", "campaign", "-", stdin=wide)[0] == 0
    a, b, c = who("agent1"), who("agent2"), who("agent3")
    first = campaigns.next_lead(engine, "fiber-upgrade", a, MONDAY_1330Z)
    assert first["lead"]["lead_id"] == "L3" and first["kind"] == "fresh"  # priority 9
    assert campaigns.next_lead(engine, "fiber-upgrade", a, MONDAY_1330Z)["lead"][
        "lead_id"] == "L3"  # asked again: the same lease
    second = campaigns.next_lead(engine, "fiber-upgrade", b, MONDAY_1330Z)
    assert second["lead"]["lead_id"] == "L1"
    with pytest.raises(campaigns.LeaseConflictError):
        campaigns.dial(engine, "fiber-upgrade", "L1", a, MONDAY_1330Z)
    campaigns.skip(engine, "fiber-upgrade", "L1", b, "customer known to be away",
                   MONDAY_1330Z)
    assert campaigns.next_lead(engine, "fiber-upgrade", b, MONDAY_1330Z)["lead"][
        "lead_id"] == "L2"
    # a lease expires: the lead goes to someone else
    later = MONDAY_1330Z + campaigns.LEASE + timedelta(seconds=1)
    assert campaigns.next_lead(engine, "fiber-upgrade", c, later)["lead"]["lead_id"] == "L3"
    # busy -> a retry 30 minutes later, due before fresh leads
    attempt = campaigns.dial(engine, "fiber-upgrade", "L3", c, later)
    done = campaigns.record_outcome(engine, attempt["attempt_id"], "busy", c, later)
    assert done["lead"]["state"] == "retry"
    assert done["lead"]["due_at"] == later + timedelta(minutes=30)
    due = later + timedelta(minutes=31)
    assert campaigns.next_lead(engine, "fiber-upgrade", a, due)["kind"] == "retry"
    # a callback booked by agent2 comes first for agent2, for others after the grace
    booked = campaigns.book_callback(engine, "fiber-upgrade", "L4", b,
                                     due + timedelta(hours=1), "after lunch", due)
    assert booked["timezone"] == "Australia/Sydney" and booked["warnings"] == []
    at_due = due + timedelta(hours=1, minutes=1)
    assert campaigns.next_lead(engine, "fiber-upgrade", c, at_due)["kind"] != "callback"
    got = campaigns.next_lead(engine, "fiber-upgrade", b, at_due)
    assert (got["kind"], got["lead"]["lead_id"]) == ("callback", "L4")
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(GateDecision)) >= 8


def test_a_callback_outside_the_window_warns(campaign_db: str, engine: Any) -> None:
    night = datetime(2027, 3, 15, 15, 0, tzinfo=UTC)  # 23:00 Beijing
    booked = campaigns.book_callback(engine, "fiber-upgrade", "L1", who(), night, "", night)
    assert booked["warnings"] == ["outside_hours"]
    assert booked["local_due"] == "2027-03-15T23:00:00+08:00"
    assert booked["next_eligible"] == datetime(2027, 3, 16, 1, 0, tzinfo=UTC)


def test_the_server_refuses_a_dial_the_gate_does_not_allow(
        campaign_db: str, client: Any, make_user: Any, engine: Any, tmp_path: Path) -> None:
    headers = make_user("agent1", team="sales-1")
    outsider = make_user("agent9", team="other")
    url = "/api/v1/campaigns/fiber-upgrade/leads/{}/dial"
    r = client.post(url.format("L2"), headers=outsider)
    assert r.status_code == 403
    dnc = write(tmp_path, "dnc.csv", "phone\n+12125551234\n")
    assert _cli(campaign_db, "import", "dnc", str(dnc))[0] == 0
    r = client.post(url.format("L2"), headers=headers)  # no next-lead, no check first
    assert r.status_code == 409
    assert "dnc" in r.json()["detail"]["decision"]["reasons"]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(CampaignAttempt)) == 0
        refused = s.scalar(select(GateDecision).where(GateDecision.action == "dial"))
        assert refused is not None and not refused.allowed
        assert refused.inputs["list_hits"] == ["global"] and refused.inputs["rules_version"]
    r = client.post("/api/v1/campaigns/check-number", headers=headers,
                    json={"number": "+12125551234"})
    assert r.status_code == 200 and r.json()["decision"]["reasons"][0] == "dnc"
    r = client.post("/api/v1/campaigns/check-number", headers=headers,
                    json={"number": "+8613800138999"})
    assert r.json()["decision"]["allowed"] is True and r.json()["lead_id"] is None
    r = client.post("/api/v1/campaigns/fiber-upgrade/next", headers=headers)
    assert r.status_code == 200


def test_a_dnc_request_wrapup_blocks_the_number_in_every_campaign_at_once(
        campaign_db: str, client: Any, make_user: Any, engine: Any, tmp_path: Path) -> None:
    codes = write(tmp_path, "codes.yaml", """\
code_sets:
  - id: telesales
    label: Telesales
    categories:
      - id: outcome
        label: Outcome
        codes:
          - {code: TS-DNC, label: Do not call, flags: [dnc_request]}
          - {code: TS-NO, label: Not interested}
""")
    assert _cli(campaign_db, "import", "codes", str(codes))[0] == 0
    second = CAMPAIGN.replace("id: fiber-upgrade", "id: second")
    assert _cli(campaign_db, "import", "campaign", "-", stdin=second)[0] == 0
    assert _cli(campaign_db, "import", "leads", "second",
                str(write(tmp_path, "l.csv", "lead_id,phone\nS1,+12125551234\n")))[0] == 0
    headers = make_user("agent1", team="sales-1")
    call = record("call_record", call_id="x", direction="outbound",
                  remote_number="+12125551234", started_at="2027-03-15T13:30:00+00:00",
                  campaign_id="fiber-upgrade")
    wrapup = record("wrapup", call_record_id=call["id"], codes=["TS-DNC"],
                    saved_at="2027-03-15T13:35:00+00:00")
    r = client.post("/api/v1/sync/push", json={"batch_id": "b1", "records": [call, wrapup]},
                    headers=headers)
    assert r.status_code == 200 and r.json()["accepted"] == 2
    now = datetime.now(UTC)
    for campaign_id, lead_id in (("fiber-upgrade", "L2"), ("second", "S1")):
        with pytest.raises(campaigns.GateRefusedError) as info:
            campaigns.dial(engine, campaign_id, lead_id, who(), now)
        assert info.value.decision.reasons[0] == "dnc"
    # re-opened: the new wrap-up has no dnc_request code -> the entry goes
    reopened = record("wrapup", call_record_id=call["id"], codes=["TS-NO"],
                      saved_at="2027-03-15T13:38:00+00:00", supersedes_id=wrapup["id"])
    assert client.post("/api/v1/sync/push", json={"batch_id": "b2", "records": [reopened]},
                       headers=headers).status_code == 200
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(DncEntry)) == 0
    # and re-opened once more to add it back
    again = record("wrapup", call_record_id=call["id"], codes=["TS-DNC"],
                   saved_at="2027-03-15T13:39:00+00:00", supersedes_id=reopened["id"])
    client.post("/api/v1/sync/push", json={"batch_id": "b3", "records": [again]},
                headers=headers)
    with Session(engine) as s:
        assert s.scalars(select(DncEntry.phone)).all() == ["+12125551234"]


def test_attempts_are_counted_and_retries_stop_at_max_attempts(
        campaign_db: str, engine: Any) -> None:
    t = MONDAY_1330Z
    for n in range(2):
        attempt = campaigns.dial(engine, "fiber-upgrade", "L2", who(), t + timedelta(hours=n))
        campaigns.record_outcome(engine, attempt["attempt_id"], "no_answer", who(),
                                 t + timedelta(hours=n))
    with pytest.raises(campaigns.GateRefusedError) as info:
        campaigns.dial(engine, "fiber-upgrade", "L2", who(), t + timedelta(hours=3))
    assert info.value.decision.reasons == ("max_attempts_today",)
    tomorrow = t + timedelta(days=1)
    attempt = campaigns.dial(engine, "fiber-upgrade", "L2", who(), tomorrow)
    result = campaigns.record_outcome(engine, attempt["attempt_id"], "busy", who(), tomorrow)
    assert result["lead"]["state"] == "done", result
    assert result["lead"]["outcome"] == "busy"
    with pytest.raises(campaigns.GateRefusedError) as info:
        campaigns.dial(engine, "fiber-upgrade", "L2", who(), tomorrow + timedelta(days=1))
    assert info.value.decision.reasons == ("max_attempts",)
    uuid.UUID(str(attempt["attempt_id"]))


# --- leasing under load on a real PostgreSQL -------------------------------------------------


@pytest.mark.postgres
def test_200_agents_on_postgresql_never_share_a_lead_and_none_is_starved() -> None:
    """200 concurrent agents take leads (FOR UPDATE SKIP LOCKED) until none is left
    (bounded at 60 s; the 30 s run is in bench/campaigns.py): every allowed lead is
    given exactly once, dialled once, and no blocked lead is ever given."""
    from agentdesk.server.db import make_engine, migrate
    from tests.server import campaign_load, pg_cluster

    if not pg_cluster.available():
        pytest.skip("no PostgreSQL binaries")
    with pg_cluster.pg_cluster(max_connections=260) as server:
        pg_cluster.admin_sql(server, "CREATE DATABASE leasing")
        engine = make_engine(f"{server}/leasing", pool_size=200)
        try:
            migrate(engine)
            campaign_load.seed_leads(engine, allowed=400, blocked=40)
            result = campaign_load.run_agents(engine, agents=200, duration=60,
                                              until_empty=True)
            assert result.errors == []
            assert result.doubles() == []
            given = {lead for lead, _ in result.given}
            print(f"{result.calls} next-lead calls in {result.elapsed:.1f} s")
            assert given == {f"L{i}" for i in range(41, 441)}  # all allowed, no blocked
            with Session(engine) as s:
                per_lead = s.execute(select(CampaignAttempt.lead_id, func.count())
                                     .group_by(CampaignAttempt.lead_id)).all()
                assert len(per_lead) == 400 and {n for _, n in per_lead} == {1}
                assert s.scalar(select(func.count()).select_from(CampaignLead).where(
                    CampaignLead.state != "done", CampaignLead.consent.is_(True))) == 0
            assert len({agent for _, agent in result.given}) > 50  # the load was shared
        finally:
            engine.dispose()


def test_concurrent_agents_on_sqlite_never_share_a_lead(db_url: str, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL has its own test above")
    from agentdesk.server.db import make_engine
    from tests.server import campaign_load

    engine = make_engine(db_url, pool_size=20)
    try:
        campaign_load.seed_leads(engine, allowed=150, blocked=10)
        result = campaign_load.run_agents(engine, agents=20, duration=60, until_empty=True)
        assert result.errors == [] and result.doubles() == []
        assert {lead for lead, _ in result.given} == {f"L{i}" for i in range(11, 161)}
    finally:
        engine.dispose()


def test_an_out_of_hours_dial_is_refused_with_its_next_time(campaign_db: str,
                                                            engine: Any) -> None:
    with pytest.raises(campaigns.GateRefusedError) as info:
        campaigns.dial(engine, "fiber-upgrade", "L1", who(), MONDAY_1330Z)  # 21:30 Beijing
    assert info.value.decision.reasons == ("outside_hours",)
    assert info.value.decision.next_eligible == datetime(2027, 3, 16, 1, 0, tzinfo=UTC)
    allowed = campaigns.dial(engine, "fiber-upgrade", "L1", who(),
                             datetime(2027, 3, 16, 1, 0, tzinfo=UTC))
    assert allowed["decision"]["allowed"] is True
    with Session(engine) as s:
        assert s.scalars(select(CampaignAttempt.lead_id)).all() == ["L1"]


def test_a_callback_booked_on_the_call_stands_and_a_kept_one_ends(campaign_db: str,
                                                                  engine: Any) -> None:
    attempt = campaigns.dial(engine, "fiber-upgrade", "L2", who(), MONDAY_1330Z)
    later = MONDAY_1330Z + timedelta(hours=2)
    campaigns.book_callback(engine, "fiber-upgrade", "L2", who(), later, "", MONDAY_1330Z)
    lead = campaigns.record_outcome(engine, attempt["attempt_id"], "connected", who(),
                                    MONDAY_1330Z + timedelta(minutes=3))["lead"]
    assert (lead["state"], lead["due_at"]) == ("callback", later)
    got = campaigns.next_lead(engine, "fiber-upgrade", who(), later)
    assert (got["kind"], got["lead"]["lead_id"]) == ("callback", "L2")
    kept = campaigns.dial(engine, "fiber-upgrade", "L2", who(), later)
    lead = campaigns.record_outcome(engine, kept["attempt_id"], "connected", who(),
                                    later)["lead"]
    assert lead["state"] == "done"
