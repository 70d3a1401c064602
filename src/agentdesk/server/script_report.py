"""`report script`: per script version, how often each node and each objection occurs,
and the wrap-up outcome distribution after each rebuttal.

A call's outcome is its current wrap-up (the newest one no re-opened wrap-up
supersedes); each of its codes counts once per call. Calls whose current wrap-up was
auto-wrapped (the ACW timer ran out) count as "(auto-wrapped)" and calls with no
wrap-up as "(no wrap-up)": neither pollutes the real outcomes."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agentdesk.server.models import SyncedRecord

AUTO_WRAPPED = "(auto-wrapped)"
NO_WRAPUP = "(no wrap-up)"
NO_REBUTTAL = "(none)"


@dataclass
class NodeFigures:
    node: str
    kind: str
    calls: int = 0  # calls that entered the node at least once
    visits: int = 0  # every entry (revisits after Back too)


@dataclass
class ObjectionFigures:
    objection: str
    raised: int = 0  # every time it was raised
    calls: int = 0  # calls where it was raised at least once


@dataclass
class RebuttalFigures:
    objection: str
    rebuttal: str  # NO_REBUTTAL: the agent closed the objection without one
    uses: int = 0
    calls: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # code -> calls


@dataclass
class ScriptReport:
    script_id: str
    version: int
    calls: int
    nodes: list[NodeFigures]
    objections: list[ObjectionFigures]
    rebuttals: list[RebuttalFigures]
    outcomes: Counter[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "script_id": self.script_id, "version": self.version, "calls": self.calls,
            "nodes": [vars(n) for n in self.nodes],
            "objections": [vars(o) for o in self.objections],
            "rebuttals": [{"objection": r.objection, "rebuttal": r.rebuttal, "uses": r.uses,
                           "calls": r.calls, "outcomes": dict(sorted(r.outcomes.items()))}
                          for r in self.rebuttals],
            "outcomes": dict(sorted(self.outcomes.items())),
        }


def current_wrapup_payloads(wrapups: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Per call_record_id: the newest wrap-up payload no other one supersedes."""
    wrapups = list(wrapups)
    superseded = {str(w.get("supersedes_id")) for w in wrapups if w.get("supersedes_id")}
    current: dict[str, Mapping[str, Any]] = {}
    for w in wrapups:
        if str(w.get("id")) in superseded:
            continue
        call = str(w.get("call_record_id"))
        known = current.get(call)
        if known is None or (str(w.get("saved_at")), str(w.get("id"))) > (
                str(known.get("saved_at")), str(known.get("id"))):
            current[call] = w
    return current


def _outcome(wrapup: Mapping[str, Any] | None) -> list[str]:
    if wrapup is None:
        return [NO_WRAPUP]
    if wrapup.get("auto_wrapped"):
        return [AUTO_WRAPPED]
    codes = wrapup.get("codes")
    return list(dict.fromkeys(str(c) for c in codes)) if isinstance(codes, list) else []


def compute_script_report(script_document: Mapping[str, Any] | None, script_id: str,
                          version: int, calls: Sequence[Mapping[str, Any]],
                          wrapups: Iterable[Mapping[str, Any]]) -> ScriptReport:
    """Pure: the report from call-record payloads of this script version and the
    wrap-ups of those calls. Nodes and objections of the published document are
    listed even when no call reached them (that is a finding too)."""
    current = current_wrapup_payloads(wrapups)
    nodes: dict[str, NodeFigures] = {}
    objections: dict[str, ObjectionFigures] = {}
    rebuttals: dict[tuple[str, str], RebuttalFigures] = {}
    for node in (script_document or {}).get("nodes", []):
        nodes[str(node.get("id"))] = NodeFigures(str(node.get("id")), str(node.get("kind", "")))
    for objection in (script_document or {}).get("objections", []):
        oid = str(objection.get("id"))
        objections[oid] = ObjectionFigures(oid)
        for rebuttal in objection.get("rebuttals", []):
            rid = str(rebuttal.get("id"))
            rebuttals[(oid, rid)] = RebuttalFigures(oid, rid)
    outcomes: Counter[str] = Counter()
    for call in calls:
        outcome = _outcome(current.get(str(call.get("id"))))
        outcomes.update(outcome)
        path = call.get("script_path")
        path = [str(n) for n in path] if isinstance(path, list) else []
        for node_id, visits in Counter(path).items():
            figures = nodes.setdefault(node_id, NodeFigures(node_id, "(not in the script)"))
            figures.calls += 1
            figures.visits += visits
        uses = call.get("script_objections")
        uses = [u for u in uses if isinstance(u, dict)] if isinstance(uses, list) else []
        raised_here: set[str] = set()
        rebutted_here: set[tuple[str, str]] = set()
        for use in uses:
            oid = str(use.get("objection"))
            rid = str(use["rebuttal"]) if use.get("rebuttal") else NO_REBUTTAL
            objections.setdefault(oid, ObjectionFigures(oid)).raised += 1
            raised_here.add(oid)
            rebuttals.setdefault((oid, rid), RebuttalFigures(oid, rid)).uses += 1
            rebutted_here.add((oid, rid))
        for oid in raised_here:
            objections[oid].calls += 1
        for key in rebutted_here:
            rebuttals[key].calls += 1
            rebuttals[key].outcomes.update(outcome)
    return ScriptReport(script_id, version, len(calls), list(nodes.values()),
                        list(objections.values()), list(rebuttals.values()), outcomes)


def load_script_report(engine: Engine, script_id: str, version: int,
                       script_document: Mapping[str, Any] | None) -> ScriptReport:
    """Call records of the version (payload script_id / script_version) and the
    wrap-ups joined to them by call_record_id (an indexed column)."""
    with Session(engine) as s, s.begin():
        calls = [p for (p,) in s.execute(select(SyncedRecord.payload).where(
            SyncedRecord.kind == "call_record",
            SyncedRecord.payload["script_id"].as_string() == script_id,
            SyncedRecord.payload["script_version"].as_integer() == version))]
        ids: list[uuid.UUID] = []
        for call in calls:
            try:
                ids.append(uuid.UUID(str(call.get("id"))))
            except ValueError:
                continue
        wrapups: list[Mapping[str, Any]] = []
        for start in range(0, len(ids), 500):
            wrapups += [p for (p,) in s.execute(select(SyncedRecord.payload).where(
                SyncedRecord.kind == "wrapup",
                SyncedRecord.call_record_id.in_(ids[start:start + 500])))]
    return compute_script_report(script_document, script_id, version, calls, wrapups)


def report_rows(report: ScriptReport) -> list[list[str]]:
    """Flat rows for CSV and the table: section, objection, rebuttal, node, outcome, figures."""
    rows = [["section", "node_or_objection", "rebuttal", "outcome", "calls", "count"]]
    rows += [["node", n.node, "", "", str(n.calls), str(n.visits)] for n in report.nodes]
    rows += [["objection", o.objection, "", "", str(o.calls), str(o.raised)]
             for o in report.objections]
    for r in report.rebuttals:
        rows.append(["rebuttal", r.objection, r.rebuttal, "", str(r.calls), str(r.uses)])
        rows += [["after_rebuttal", r.objection, r.rebuttal, code, str(n), ""]
                 for code, n in sorted(r.outcomes.items())]
    rows += [["outcome", "", "", code, str(n), ""] for code, n in sorted(report.outcomes.items())]
    return rows
