"""Script <-> a JSON-safe document (the `script` reference kind the server publishes).

The document is the file format with every include resolved, so a desktop that
pulls it needs no other file; reading it back runs the same parser and validator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentdesk.core.scripts.model import (
    Branch,
    CaptureField,
    Choice,
    Condition,
    FieldType,
    LocalizedText,
    Node,
    NodeKind,
    Objection,
    Script,
)
from agentdesk.core.scripts.problems import ScriptFormatError


def script_to_document(script: Script) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": script.id,
        "title": script.title.to_document(),
        "version": script.version,
        "languages": list(script.languages),
        "start": script.start,
    }
    if script.description is not None:
        document["description"] = script.description.to_document()
    rules = script.applies_to
    applies: dict[str, Any] = {}
    for key, values in (("queues", rules.queues), ("dialed_numbers", rules.dialed_numbers),
                        ("campaigns", rules.campaigns)):
        if values:
            applies[key] = list(values)
    if rules.default:
        applies["default"] = True
    if applies:
        document["applies_to"] = applies
    if script.variables:
        document["variables"] = list(script.variables)
    document["nodes"] = [_node(node) for node in script.nodes]
    if script.objections:
        document["objections"] = [_objection(o) for o in script.objections]
    return document


def script_from_document(document: Mapping[str, Any]) -> Script:
    from agentdesk.core.scripts.validator import validate_document

    script, problems = validate_document(document)
    if script is None or problems:
        raise ScriptFormatError(problems)
    return script


def _text(text: LocalizedText | None) -> str | dict[str, str] | None:
    return text.to_document() if text is not None else None


def _without_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, (), [])}


def _node(node: Node) -> dict[str, Any]:
    document = _without_none({
        "id": node.id, "kind": node.kind.value, "text": _text(node.text), "next": node.next,
        "answer": node.answer,
        "choices": [_choice(choice) for choice in node.choices],
        "fields": [_field(f) for f in node.fields],
        "branches": [_branch(branch) for branch in node.branches],
        "otherwise": node.otherwise, "target": node.target,
        "in_hours": node.callback_in_hours, "note": _text(node.note),
    })
    if node.kind is NodeKind.END:
        document["wrapup_codes"] = list(node.wrapup_codes)
    return document


def _choice(choice: Choice) -> dict[str, Any]:
    return _without_none({"label": _text(choice.label), "value": choice.value,
                          "next": choice.next})


def _field(capture: CaptureField) -> dict[str, Any]:
    document = _without_none({
        "name": capture.name, "type": capture.type.value, "label": _text(capture.label),
        "pattern": capture.pattern, "min": capture.minimum, "max": capture.maximum,
        "hint": _text(capture.hint),
    })
    document["required"] = capture.required
    if capture.type is FieldType.CHOICE:
        document["options"] = [{"value": o.value, "label": _text(o.label)}
                               for o in capture.options]
    return document


def _branch(branch: Branch) -> dict[str, Any]:
    return {"when": _condition(branch.when), "next": branch.next}


def _condition(condition: Condition) -> dict[str, Any]:
    if condition.all_of:
        return {"all": [_condition(c) for c in condition.all_of]}
    if condition.any_of:
        return {"any": [_condition(c) for c in condition.any_of]}
    document: dict[str, Any] = {"var": condition.var, "op": condition.op.value}
    if condition.value is not None:
        document["value"] = condition.value
    return document


def _objection(objection: Objection) -> dict[str, Any]:
    return {
        "id": objection.id,
        "title": _text(objection.title),
        "keywords": list(objection.keywords),
        "rebuttals": [_without_none({"id": r.id, "text": _text(r.text), "next": r.next})
                      for r in objection.rebuttals],
    }
