"""A script session: one call walking one script, step by step.

Pure and deterministic (the clock is injected). It knows the current node, the
answers so far, the full path with timestamps, which compliance steps were
acknowledged, and the objections raised with the rebuttals used. Back undoes the
answers captured since the step it returns to; an objection detour returns to the
exact step it was opened from, unless its rebuttal branches elsewhere. Decision
nodes are not steps: they are resolved as soon as they are entered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agentdesk.core.scripts.fields import FieldCheck, FieldError, check_field
from agentdesk.core.scripts.model import (
    Condition,
    LocalizedText,
    Node,
    NodeKind,
    Objection,
    Operator,
    Script,
)
from agentdesk.core.scripts.variables import (
    ScriptContext,
    Segment,
    format_value,
    plain_text,
    render,
)

Clock = Callable[[], datetime]


class ScriptStateError(RuntimeError):
    """An action that the current step does not allow (a bug in the caller)."""


class ComplianceNotAcknowledgedError(ScriptStateError):
    """Moving on from a compliance step before the agent acknowledged reading it."""


@dataclass(frozen=True, slots=True)
class PathStep:
    node_id: str
    at: datetime
    via: str  # start | next | choice | answer | decision | rebuttal | back


@dataclass(frozen=True, slots=True)
class ObjectionUse:
    objection: str
    rebuttal: str | None  # None: the agent closed the objection without a rebuttal
    node: str  # the step the objection was raised at
    at: datetime

    def to_payload(self) -> dict[str, Any]:
        """The `script_objections` item of a call record (see the shared contracts)."""
        return {"objection": self.objection, "rebuttal": self.rebuttal, "node": self.node,
                "at": self.at.isoformat()}


@dataclass(frozen=True, slots=True)
class ScriptOutcome:
    script_id: str
    script_version: int
    path: tuple[str, ...]  # every node entered, in order (steps revisited after back too)
    steps: tuple[PathStep, ...]
    objections: tuple[ObjectionUse, ...]
    captured: Mapping[str, Any]  # field name -> JSON value
    wrapup_codes: tuple[str, ...]  # proposed by the end node reached; () before the end
    note: str  # a summary for the wrap-up note
    finished: bool
    end_node: str | None = None
    transfer_target: str | None = None  # suggested by a transfer step on the way
    callback_in_hours: float | None = None  # suggested by a callback step on the way
    acknowledged: Mapping[str, datetime] = field(default_factory=dict)  # compliance steps

    def to_payload(self) -> dict[str, Any]:
        """The script fields of a call record payload (see the shared contracts)."""
        return {
            "script_id": self.script_id,
            "script_version": self.script_version,
            "script_path": list(self.path),
            "script_objections": [use.to_payload() for use in self.objections],
            "script_captured": dict(self.captured),
        }


@dataclass(frozen=True, slots=True)
class Detour:
    """An objection opened at `node`; the agent picks a rebuttal or closes it."""

    objection: Objection
    node: str
    rebuttal_used: bool = False


class ScriptSession:
    def __init__(self, script: Script, context: ScriptContext | None = None, *,
                 clock: Clock, language: str | None = None) -> None:
        self.script = script
        self.context = context or ScriptContext()
        self.language = language if language in script.languages else script.language
        self._clock = clock
        self._answers: dict[str, Any] = {}
        self._history: list[tuple[str, dict[str, Any]]] = []  # (step, answers on entry)
        self._steps: list[PathStep] = []
        self._objections: list[ObjectionUse] = []
        self._acknowledged: dict[str, datetime] = {}
        self._detour: Detour | None = None
        self._option_labels = {(f.name, option.value): option.label
                               for node in script.nodes for f in node.fields
                               for option in f.options}
        self._current = script.start
        self._entry_answers: dict[str, Any] = {}
        self._enter(script.start, "start")

    # -- what the agent sees -------------------------------------------------------------

    @property
    def current(self) -> Node:
        return self.script.node(self._current)

    @property
    def answers(self) -> Mapping[str, Any]:
        return dict(self._answers)

    @property
    def steps(self) -> tuple[PathStep, ...]:
        return tuple(self._steps)

    @property
    def objections_used(self) -> tuple[ObjectionUse, ...]:
        return tuple(self._objections)

    @property
    def detour(self) -> Detour | None:
        return self._detour

    @property
    def finished(self) -> bool:
        return self.current.kind is NodeKind.END

    @property
    def can_go_back(self) -> bool:
        return bool(self._history)

    @property
    def trail(self) -> tuple[str, ...]:
        """The steps that led here (after back, without the steps undone)."""
        return (*(node_id for node_id, _ in self._history), self._current)

    def is_acknowledged(self, node_id: str | None = None) -> bool:
        return (node_id or self._current) in self._acknowledged

    def text(self, text: LocalizedText) -> str:
        return text.get(self.language)

    def render(self, text: LocalizedText | None = None) -> tuple[Segment, ...]:
        """`text` (default: the current step's) with the call's variables filled in."""
        chosen = text if text is not None else self.current.text
        if chosen is None:
            return ()
        return render(chosen.get(self.language), self.context, self._display_answers())

    def _display_answers(self) -> dict[str, Any]:
        """Answers as the customer hears them: a choice's label, not its stored value."""
        shown = dict(self._answers)
        for name, value in self._answers.items():
            label = self._option_labels.get((name, str(value)))
            if label is not None:
                shown[name] = self.text(label)
        return shown

    def check(self, field_name: str, raw: str) -> FieldCheck:
        for capture in self.current.fields:
            if capture.name == field_name:
                region = str(self.context.call.get("region") or "CN")
                return check_field(capture, raw, region=region)
        raise ScriptStateError(f"step '{self._current}' has no field '{field_name}'")

    # -- moving on -----------------------------------------------------------------------

    def advance(self) -> None:
        """Next from a say, compliance (once acknowledged), transfer or callback step."""
        node = self.current
        if node.kind not in (NodeKind.SAY, NodeKind.COMPLIANCE, NodeKind.TRANSFER,
                             NodeKind.CALLBACK) or node.next is None:
            raise ScriptStateError(f"step '{node.id}' ({node.kind.value}) has no plain next")
        if node.kind is NodeKind.COMPLIANCE and not self.is_acknowledged():
            raise ComplianceNotAcknowledgedError(f"step '{node.id}' must be acknowledged first")
        self._move(node.next, "next")

    def acknowledge(self) -> None:
        if self.current.kind is not NodeKind.COMPLIANCE:
            raise ScriptStateError(f"step '{self._current}' is not a compliance step")
        self._acknowledged.setdefault(self._current, self._clock())

    def choose(self, index: int) -> None:
        node = self.current
        if not node.choices:
            raise ScriptStateError(f"step '{node.id}' has no choices")
        if not 0 <= index < len(node.choices):
            raise ScriptStateError(f"step '{node.id}' has no choice {index + 1}")
        choice = node.choices[index]
        if choice.next is None:
            raise ScriptStateError(f"choice {index + 1} of step '{node.id}' has no target")
        updates = {}
        if node.answer:
            updates[node.answer] = (choice.value if choice.value is not None
                                    else choice.label.get(self.script.language))
        self._move(choice.next, "choice", updates)

    def submit(self, values: Mapping[str, str]) -> dict[str, FieldError]:
        """Checks every field of the step; records them and moves on only if all pass.

        Returns the errors by field name (empty when the step was completed).
        """
        node = self.current
        if not node.fields or node.next is None:
            raise ScriptStateError(f"step '{node.id}' captures no fields")
        errors: dict[str, FieldError] = {}
        updates: dict[str, Any] = {}
        for capture in node.fields:
            checked = self.check(capture.name, values.get(capture.name, ""))
            if checked.error is not None:
                errors[capture.name] = checked.error
            elif checked.value is not None:
                updates[capture.name] = checked.value
        if not errors:
            self._move(node.next, "answer", updates)
        return errors

    def back(self) -> None:
        """To the previous step, forgetting the answers captured since it was entered."""
        if not self._history:
            raise ScriptStateError("already at the first step")
        self._close_detour()
        node_id, answers = self._history.pop()
        self._current = node_id
        self._answers = dict(answers)
        self._entry_answers = dict(answers)
        self._steps.append(PathStep(node_id, self._clock(), "back"))

    # -- objections ----------------------------------------------------------------------

    def open_objection(self, objection_id: str) -> Detour:
        objection = self.script.objection(objection_id)  # KeyError for an unknown id
        self._close_detour()
        self._detour = Detour(objection, self._current)
        return self._detour

    def use_rebuttal(self, rebuttal_id: str) -> None:
        """Records the rebuttal; branches if it says so, else stays at the step the
        objection was raised at (the detour stays open: another rebuttal may follow)."""
        detour = self._detour
        if detour is None:
            raise ScriptStateError("no objection is open")
        rebuttal = next((r for r in detour.objection.rebuttals if r.id == rebuttal_id), None)
        if rebuttal is None:
            raise ScriptStateError(f"objection '{detour.objection.id}' has no rebuttal "
                                   f"'{rebuttal_id}'")
        self._objections.append(ObjectionUse(detour.objection.id, rebuttal.id, detour.node,
                                             self._clock()))
        self._detour = Detour(detour.objection, detour.node, rebuttal_used=True)
        if rebuttal.next is not None:
            self._detour = None
            self._move(rebuttal.next, "rebuttal")

    def close_objection(self) -> None:
        """Back to the exact step the objection was raised at."""
        self._close_detour()

    def _close_detour(self) -> None:
        detour = self._detour
        self._detour = None
        if detour is not None and not detour.rebuttal_used:
            self._objections.append(ObjectionUse(detour.objection.id, None, detour.node,
                                                 self._clock()))

    # -- the result ----------------------------------------------------------------------

    def outcome(self) -> ScriptOutcome:
        trail = [self.script.node(node_id) for node_id in self.trail]
        transfer = next((n.target for n in reversed(trail) if n.kind is NodeKind.TRANSFER),
                        None)
        callback = next((n.callback_in_hours for n in reversed(trail)
                         if n.kind is NodeKind.CALLBACK), None)
        end = self.current if self.finished else None
        return ScriptOutcome(
            script_id=self.script.id, script_version=self.script.version,
            path=tuple(step.node_id for step in self._steps), steps=tuple(self._steps),
            objections=tuple(self._objections), captured=dict(self._answers),
            wrapup_codes=end.wrapup_codes if end is not None else (),
            note=self._note(end), finished=end is not None,
            end_node=end.id if end is not None else None,
            transfer_target=transfer, callback_in_hours=callback,
            acknowledged=dict(self._acknowledged),
        )

    def _note(self, end: Node | None) -> str:
        lines = []
        if end is not None and end.note is not None:
            lines.append(plain_text(self.render(end.note)))
        labels = {f.name: self.text(f.label) for node in self.script.nodes for f in node.fields}
        for name, value in self._display_answers().items():
            lines.append(f"{labels.get(name, name)}: {format_value(value)}")
        for use in self._objections:
            title = self.text(self.script.objection(use.objection).title)
            lines.append(f"{title} → {use.rebuttal or '-'}")
        return "\n".join(lines)

    # -- moving --------------------------------------------------------------------------

    def _move(self, target: str, via: str, updates: Mapping[str, Any] | None = None) -> None:
        self._history.append((self._current, self._entry_answers))
        self._answers.update(updates or {})
        self._enter(target, via)

    def _enter(self, node_id: str, via: str) -> None:
        # Decisions resolve at once; a chain longer than the script means a loop of
        # decisions, which only a hand-built script (never a validated one) can have.
        for _ in range(len(self.script.nodes) + 1):
            node = self.script.node(node_id)
            self._steps.append(PathStep(node_id, self._clock(), via))
            if node.kind is not NodeKind.DECISION:
                self._current = node_id
                self._entry_answers = dict(self._answers)
                return
            node_id, via = self._decide(node), "decision"
        raise ScriptStateError("decision nodes loop without reaching a step")

    def _decide(self, node: Node) -> str:
        for branch in node.branches:
            if branch.next is not None and self._holds(branch.when):
                return branch.next
        if node.otherwise is None:
            raise ScriptStateError(f"decision '{node.id}' has no branch that holds")
        return node.otherwise

    def _holds(self, condition: Condition) -> bool:
        if condition.all_of:
            return all(self._holds(part) for part in condition.all_of)
        if condition.any_of:
            return any(self._holds(part) for part in condition.any_of)
        value = self.context.lookup(condition.var or "", self._answers)
        return evaluate(condition.op, value, condition.value)


def evaluate(op: Operator, actual: Any, expected: Any) -> bool:
    """`actual op expected`; a value the call does not have satisfies only `empty`."""
    if op is Operator.EMPTY:
        return actual is None or actual == "" or actual == []
    if op is Operator.NOT_EMPTY:
        return not evaluate(Operator.EMPTY, actual, expected)
    if actual is None:
        return op in (Operator.NE, Operator.NOT_IN)
    if op in (Operator.EQ, Operator.NE):
        equal = actual == expected or str(actual) == str(expected)
        return equal if op is Operator.EQ else not equal
    if op in (Operator.IN, Operator.NOT_IN):
        options = expected if isinstance(expected, list) else [expected]
        found = any(actual == o or str(actual) == str(o) for o in options)
        return found if op is Operator.IN else not found
    if op is Operator.CONTAINS:
        if isinstance(actual, list):
            return any(str(item) == str(expected) for item in actual)
        return str(expected).casefold() in str(actual).casefold()
    return _compare(op, actual, expected)


def _compare(op: Operator, actual: Any, expected: Any) -> bool:
    try:
        left: Any = float(actual)
        right: Any = float(expected)
    except (TypeError, ValueError):
        left, right = str(actual), str(expected)  # ISO dates compare as strings
    if op is Operator.LT:
        return bool(left < right)
    if op is Operator.LE:
        return bool(left <= right)
    if op is Operator.GT:
        return bool(left > right)
    return bool(left >= right)
