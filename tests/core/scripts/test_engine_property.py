"""Property: any valid script graph can be walked to an end, whatever the agent does.

Hypothesis builds random scripts (a chain of steps that guarantees every node is
reachable and every path can finish, plus random extra branches, loops and ends),
checks that the validator finds them valid, then walks them with random choices,
backs and objection detours, and finally always takes the most forward branch.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from agentdesk.core.scripts import NodeKind, Script, ScriptSession, validate

KINDS = ["say", "question", "capture", "compliance", "decision"]


@st.composite
def scripts(draw: st.DrawFn) -> Script:
    length = draw(st.integers(1, 25))
    ends = draw(st.integers(1, 4))
    chain = [f"n{i}" for i in range(length)]
    end_ids = [f"end{i}" for i in range(ends)]
    everything = chain + end_ids
    nodes: list[dict[str, Any]] = []
    for index, node_id in enumerate(chain):
        forward = chain[index + 1] if index + 1 < length else end_ids[0]
        kind = draw(st.sampled_from(KINDS))
        node: dict[str, Any] = {"id": node_id, "kind": kind, "text": f"step {index}"}
        if kind == "question":
            extra = draw(st.lists(st.sampled_from(everything), max_size=3))
            node["answer"] = f"q{index}"
            node["choices"] = [{"label": f"to {t}", "next": t} for t in [forward, *extra]]
        elif kind == "capture":
            node["fields"] = [{"name": f"f{index}", "type": "text", "label": "F",
                               "required": False}]
            node["next"] = forward
        elif kind == "decision":
            del node["text"]
            node["branches"] = [{"when": {"var": "customer.tier", "op": "eq", "value": "vip"},
                                 "next": draw(st.sampled_from(everything))}]
            node["otherwise"] = forward
        else:
            node["next"] = forward
        nodes.append(node)
    nodes += [{"id": e, "kind": "end", "text": "bye", "wrapup_codes": [e]} for e in end_ids]
    # Extra ends are reachable only through a question: make sure each has one.
    nodes.insert(0, {"id": "start", "kind": "question", "text": "go",
                     "choices": [{"label": t, "next": t} for t in [chain[0], *end_ids]]})
    objections = [{"id": "price", "title": "Price", "keywords": ["price"],
                   "rebuttals": [{"id": "value", "text": "Worth it"},
                                 {"id": "jump", "text": "Jump", "next": chain[-1]}]}]
    return Script.from_document({"id": "random", "title": "Random", "version": 1,
                                 "language": "en", "start": "start", "nodes": nodes,
                                 "objections": objections})


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=10)
        return self.now


def forward_move(session: ScriptSession) -> None:
    node = session.current
    if node.kind is NodeKind.COMPLIANCE:
        session.acknowledge()
    if node.choices:
        session.choose(0 if node.id != "start" else 1)  # 0 is the forward edge
    elif node.fields:
        assert session.submit({}) == {}
    else:
        session.advance()


@settings(max_examples=150, deadline=None)
@given(script=scripts(), data=st.data())
def test_random_valid_scripts_walk_to_an_end(script: Script, data: st.DataObject) -> None:
    assert validate(script) == []
    session = ScriptSession(script, clock=Clock())
    for _ in range(data.draw(st.integers(0, 60))):
        if session.finished:
            break
        action = data.draw(st.sampled_from(["move", "choose", "back", "objection"]))
        node = session.current
        if action == "back" and session.can_go_back:
            before = session.trail[:-1]
            session.back()
            assert session.trail == before
        elif action == "objection":
            session.open_objection("price")
            rebuttal = data.draw(st.sampled_from(["value", "jump", None]))
            if rebuttal is None:
                session.close_objection()
                assert session.current is node
            else:
                session.use_rebuttal(rebuttal)
                if rebuttal == "value":
                    assert session.current is node
                    session.close_objection()
        elif action == "choose" and node.choices:
            session.choose(data.draw(st.integers(0, len(node.choices) - 1)))
        else:
            forward_move(session)
    for _ in range(len(script.nodes) + 1):
        if session.finished:
            break
        forward_move(session)
    assert session.finished
    outcome = session.outcome()
    assert outcome.finished and outcome.wrapup_codes == session.current.wrapup_codes
    assert outcome.path[-1] == session.current.id
    assert set(outcome.captured) <= set(script.captured_field_names())
