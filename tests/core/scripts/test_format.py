"""The shipped scripts, the document round trip for the server, and the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from agentdesk.core.scripts import (
    NodeKind,
    Script,
    ScriptFormatError,
    load_and_validate,
    validate_document,
)
from agentdesk.core.scripts.source import parse_yaml

RESOURCES = Path(__file__).parents[3] / "src" / "agentdesk" / "resources"
SCRIPTS = RESOURCES / "scripts"
SHIPPED = sorted(SCRIPTS.glob("*.yaml"))
ALL_FILES = sorted(SCRIPTS.rglob("*.yaml"))


@pytest.fixture(scope="module")
def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((RESOURCES / "schema" / "script.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def load(name: str) -> Script:
    script, problems = load_and_validate(SCRIPTS / name)
    assert problems == [], "\n".join(map(str, problems))
    assert script is not None
    return script


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scripts_are_valid_and_bilingual(path):
    script = load(path.name)
    assert script.languages == ("en", "zh_CN")
    assert any(node.kind is NodeKind.END for node in script.nodes)
    assert any(node.kind is NodeKind.COMPLIANCE for node in script.nodes)


def test_three_sample_scripts_cover_service_telesales_and_orders():
    ids = {load(path.name).id for path in SHIPPED}
    assert ids == {"service-complaint", "telesales-broadband", "order-confirmation"}


def test_telesales_has_the_eight_classic_objections():
    objections = {o.id for o in load("telesales_broadband.yaml").objections}
    assert {"price", "not_interested", "call_later", "already_have_one", "send_information",
            "ask_spouse", "bad_experience", "how_did_you_get_my_number"} <= objections


def test_service_script_escalates_with_a_promised_time():
    script = load("service_complaint.yaml")
    kinds = {node.kind for node in script.nodes}
    assert {NodeKind.TRANSFER, NodeKind.CALLBACK, NodeKind.DECISION} <= kinds
    assert script.node("promise_time").fields[0].name == "promised_by"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(SCRIPTS)))
def test_shipped_files_satisfy_the_json_schema(path, schema_validator):
    data, _, problems = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    assert problems == []
    errors = [f"{list(e.path)}: {e.message}" for e in schema_validator.iter_errors(data)]
    assert errors == []


def test_the_schema_refuses_what_it_should(schema_validator):
    broken = {"id": "x", "title": "x", "version": 1, "language": "en",
              "nodes": [{"id": "a", "kind": "say", "text": "hi"}]}  # say without next
    assert not schema_validator.is_valid(broken)
    broken["nodes"][0]["next"] = "a"
    assert schema_validator.is_valid(broken)
    broken["nodes"][0]["colour"] = "red"
    assert not schema_validator.is_valid(broken)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_document_round_trip(path, schema_validator):
    script = load(path.name)
    document = script.to_document()
    assert json.loads(json.dumps(document, ensure_ascii=False)) == document
    assert schema_validator.is_valid(document)
    assert "includes" not in document  # a desktop needs no other file
    again = Script.from_document(document)
    assert again.to_document() == document
    assert again.id == script.id and again.version == script.version
    assert [n.id for n in again.nodes] == [n.id for n in script.nodes]
    assert [o.id for o in again.objections] == [o.id for o in script.objections]


def test_an_invalid_document_is_refused_with_every_problem():
    document = load("order_confirmation.yaml").to_document()
    document["nodes"][0]["next"] = "nowhere"
    document["version"] = 0
    script, problems = validate_document(document)
    assert script is None
    assert [str(p) for p in problems] == [
        "script document 'order-confirmation':0:0: 'version' must be a whole number from 1 up",
    ]
    with pytest.raises(ScriptFormatError) as raised:
        Script.from_document(document)
    assert "script document 'order-confirmation'" in str(raised.value)
    document["version"] = 3
    with pytest.raises(ScriptFormatError, match="unknown node 'nowhere'"):
        Script.from_document(document)
