"""The validator: one fixture per error class, each problem with its message and place."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk.core.scripts import load_and_validate, validate_text

FIXTURES = Path(__file__).parent / "fixtures"


def problems_of(name: str) -> list[tuple[int, int, str]]:
    script, problems = load_and_validate(FIXTURES / name)
    assert script is None, "an invalid script must not be returned"
    return [(p.location.line, p.location.column, p.message) for p in problems]


def test_unknown_node_reference():
    assert problems_of("unknown_node.yaml") == [
        (9, 11, "unknown node 'goodbye_typo' (next of node 'hello')"),
        (10, 5, "node 'goodbye' is unreachable: no step leads to it from the start 'hello'"),
    ]


def test_unreachable_node():
    assert problems_of("unreachable.yaml") == [
        (10, 5, "node 'orphan' is unreachable: no step leads to it from the start 'hello'"),
    ]


def test_a_loop_that_never_reaches_an_end_is_reported_where_it_starts():
    assert problems_of("no_end.yaml") == [
        (14, 5, "no path from node 'loop_a' reaches an end node"),
    ]


def test_unknown_variables_in_text_and_in_conditions():
    assert problems_of("unknown_variable.yaml") == [
        (8, 11, "unknown variable {customer.shoe_size}: not a known customer field "
                "(declare it under 'variables' if your data has it)"),
        (13, 21, "unknown variable 'answers.never_captured': no question or capture of this "
                 "script records 'never_captured'"),
    ]


def test_declared_variables_are_known():
    text = (FIXTURES / "unknown_variable.yaml").read_text()
    text = text.replace("language: en\n", "language: en\nvariables: [customer.shoe_size]\n")
    text = text.replace("answers.never_captured", "customer.shoe_size")
    script, problems = validate_text(text, "declared.yaml")
    assert problems == []
    assert script is not None and script.variables == ("customer.shoe_size",)


def test_duplicate_ids_name_the_first_definition():
    first = f"{FIXTURES / 'duplicate_ids.yaml'}:6:5"
    assert problems_of("duplicate_ids.yaml") == [
        (10, 5, f"duplicate node id 'hello' (first defined at {first})"),
    ]


def test_choice_with_no_target():
    assert problems_of("choice_no_target.yaml") == [
        (12, 9, "choice 'No' of node 'ask' has no target: give it a 'next'"),
    ]


def test_invalid_regex():
    assert problems_of("invalid_regex.yaml") == [
        (12, 18, "invalid regex '[A-Z{2}\\d+' of field 'order_number': "
                 "unterminated character set at position 0"),
    ]


def test_missing_translation_when_several_languages_are_declared():
    assert problems_of("missing_translation.yaml") == [(9, 7, "missing translation 'zh_CN'")]


def test_an_untranslated_plain_string_in_a_bilingual_script():
    text = (FIXTURES / "missing_translation.yaml").read_text().replace(
        "    text: {en: Bye, zh_CN: 再见}", "    text: Bye")
    _, problems = validate_text(text, "plain.yaml")
    assert [(p.location.line, p.message) for p in problems] == [
        (9, "missing translation 'zh_CN'"),
        (13, "missing translation: the script declares en, zh_CN; give this text in each"),
    ]


def test_include_cycle_is_reported_at_the_include_that_closes_it():
    script, problems = load_and_validate(FIXTURES / "include_cycle.yaml")
    assert script is None
    assert [str(p) for p in problems] == [
        f"{(FIXTURES / 'cycle' / 'second.yaml').resolve()}:3:5: "
        "include cycle: first.yaml -> second.yaml -> first.yaml",
    ]


def test_structural_mistakes_are_all_reported():
    assert problems_of("structure.yaml") == [
        (3, 10, "'version' must be a whole number from 1 up"),
        (7, 11, "unknown kind 'sya' of node 'hello' (known: say, question, capture, "
                "compliance, decision, transfer, callback, end)"),
        (12, 5, "unknown key 'nxet' in an end node (known: id, kind, text, wrapup_codes, "
                "note)"),
    ]


def test_yaml_syntax_error_has_a_location():
    assert problems_of("syntax_error.yaml") == [
        (3, 6, "YAML syntax error: did not find expected ',' or ']' "
               "(while parsing a flow sequence that began at line 2, column 8)"),
    ]


def test_every_problem_of_a_file_is_reported_at_once():
    text = """\
id: many
title: Many problems
version: 1
language: en
nodes:
  - id: a
    kind: question
    text: Hi {customer.nope}
    choices:
      - label: One
        next: nowhere
      - label: Two
  - id: a
    kind: end
    text: Bye
    wrapup_codes: [x]
"""
    script, problems = validate_text(text, "many.yaml")
    assert script is None
    assert [str(p) for p in problems] == [
        "many.yaml:8:11: unknown variable {customer.nope}: not a known customer field "
        "(declare it under 'variables' if your data has it)",
        "many.yaml:11:15: unknown node 'nowhere' (choice 'One' of node 'a')",
        "many.yaml:12:9: choice 'Two' of node 'a' has no target: give it a 'next'",
        "many.yaml:13:5: duplicate node id 'a' (first defined at many.yaml:6:5)",
    ]


def test_a_fragment_continues_where_its_include_says():
    script, problems = load_and_validate(FIXTURES / "fragment_continue.yaml")
    assert problems == []
    assert script is not None
    assert script.node("ask_name").next == "goodbye"
    assert script.node("ask_name").location.file.endswith("ask_name.yaml")


def test_text_with_includes_needs_a_base_directory():
    text = (FIXTURES / "fragment_continue.yaml").read_text()
    script, problems = validate_text(text, "upload.yaml")
    assert script is None
    assert str(problems[0]) == ("upload.yaml:6:5: cannot include 'fragment/ask_name.yaml' "
                                "here: includes are resolved from a file (publish the file, "
                                "not its text)")
    script, problems = validate_text(text, "upload.yaml", base_dir=FIXTURES)
    assert problems == [] and script is not None


@pytest.mark.parametrize("key", ["yes", "No", "on", "OFF"])
def test_yaml_1_1_booleans_stay_text(key):
    text = f"""\
id: b
title: {key}
version: 1
language: en
nodes:
  - {{id: done, kind: end, text: {key}, wrapup_codes: [x]}}
"""
    script, problems = validate_text(text, "b.yaml")
    assert problems == []
    assert script is not None and script.title.get("en") == key
