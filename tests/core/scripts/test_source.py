"""YAML text -> data and positions: the event reader agrees with PyYAML's own loading,
and every value, key and problem has its line and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from agentdesk.core.scripts.source import KeyLocations, _Loader, parse_yaml

SCRIPTS = Path(__file__).parents[3] / "src" / "agentdesk" / "resources" / "scripts"
FIXTURES = Path(__file__).parent / "fixtures"
YAML_FILES = sorted([*SCRIPTS.rglob("*.yaml"), *FIXTURES.rglob("*.yaml")])


def positions(text: str) -> tuple[object, dict, dict, list[str]]:
    data, locator, problems = parse_yaml(text, "f.yaml")
    return data, locator.positions, locator.key_positions, [str(p) for p in problems]


def compose_positions(text: str) -> tuple[dict, dict]:
    """Every value's and key's position as yaml.compose marks them: the reference."""
    values: dict = {}
    keys: dict = {}

    def walk(node: yaml.Node, path: tuple) -> None:
        values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = (*path, key_node.value)
                keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    walk(yaml.compose(text, Loader=_Loader), ())
    return values, keys


@pytest.mark.parametrize("path", [p for p in YAML_FILES if "syntax_error" not in p.name],
                         ids=lambda p: p.name)
def test_data_and_positions_match_pyyaml(path):
    text = path.read_text(encoding="utf-8")
    data, values, keys, problems = positions(text)
    assert problems == []
    # the same loader settings (YAML 1.2 booleans), through PyYAML's own constructor
    reference = yaml.load(text, Loader=_Loader)
    assert data == _iso_dates(reference)
    assert (values, keys) == compose_positions(text)


def _iso_dates(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _iso_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso_dates(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def test_scalars_resolve_like_yaml_1_2_booleans_and_json_safe_dates():
    text = ("a: yes\nb: On\nc: true\nd: 0x1F\ne: 1_000\nf: 2024-01-02\n"
            "g: 2024-01-02 10:00:00\nh: ~\ni: ''\nj:\nk: 1.5\nl: '12'\nm: =\n1: k\nnull: n\n")
    data, _, _, problems = positions(text)
    assert problems == []
    assert data == {"a": "yes", "b": "On", "c": True, "d": 31, "e": 1000, "f": "2024-01-02",
                    "g": "2024-01-02T10:00:00", "h": None, "i": "", "j": None, "k": 1.5,
                    "l": "12", "m": "=", "1": "k", "None": "n"}


def test_an_alias_reads_as_the_value_it_names_positions_included():
    text = "a: &x {b: &y [1, {c: 2}], d: 3}\ne: *y\nf: [*x]\n"
    data, values, keys, problems = positions(text)
    assert problems == []
    assert data["e"] == [1, {"c": 2}]
    assert data["f"] == [{"b": [1, {"c": 2}], "d": 3}]
    assert data["e"] is not data["a"]["b"]  # a copy: the reader may change neither
    assert values[("e",)] == values[("a", "b")] == (1, 11)
    assert values[("e", 1, "c")] == (1, 22)
    assert keys[("e", 1, "c")] == (1, 19)
    assert values[("f", 0, "d")] == (1, 30)
    assert keys[("e",)] == (2, 1)
    assert keys[("f", 0, "b")] == (1, 8)


def test_duplicate_keys_are_reported_where_written_and_the_first_kept():
    data, values, _, problems = positions("a: 1\nb: {x: 1, x: 2}\na: {z: 3}\n")
    assert data == {"a": 1, "b": {"x": 1}}
    assert problems == ["f.yaml:2:11: duplicate key 'x'", "f.yaml:3:1: duplicate key 'a'"]
    assert ("a", "z") not in values


@pytest.mark.parametrize(("text", "problem"), [
    ("a: 1\nb: [1, 2\n", "f.yaml:3:1: YAML syntax error: did not find expected ',' or ']' "
     "(while parsing a flow sequence that began at line 2, column 4)"),
    # The problem is found at the end of the file; the quote to close is on line 2.
    ('id: x\ntitle: "abc\nfoo: 1\nbar: 2\n\n', "f.yaml:6:1: YAML syntax error: found "
     "unexpected end of stream (while scanning a quoted scalar that began at line 2, column 8)"),
    ("a:\n  - 1\n b: 2\n", "f.yaml:3:2: YAML syntax error: did not find expected key "
     "(while parsing a block mapping that began at line 1, column 1)"),
    ("a: *nowhere\n", "f.yaml:1:4: YAML syntax error: found undefined alias"),
    ("a: &x 1\nb: &x 2\n", "f.yaml:2:4: YAML syntax error: second occurrence "
     "(found duplicate anchor 'x'; first occurrence at line 1, column 4)"),
    ("a: &x [1, *x]\n", "f.yaml:1:11: YAML syntax error: found an alias inside the value "
     "it names (a recursive structure)"),
    ("a: 1\n---\nb: 2\n", "f.yaml:2:1: YAML syntax error: but found another document "
     "(expected a single document in the stream at line 1, column 1)"),
    ("", "f.yaml:1:1: the file is empty"),
    ("# only a comment\n", "f.yaml:1:1: the file is empty"),
])
def test_unreadable_yaml_gives_one_located_problem_and_no_data(text, problem):
    data, values, keys, problems = positions(text)
    assert data is None
    assert problems == [problem]
    assert values == {} and keys == {}


@pytest.mark.parametrize(("text", "problem", "data"), [
    ("a: &x {k: 1}\nb: {<<: *x, j: 2}\n",
     "f.yaml:2:5: merge keys ('<<') are not supported: write the keys out",
     {"a": {"k": 1}, "b": {"<<": {"k": 1}, "j": 2}}),
    ("a: !!str 1\nb: !shout bar\n",
     "f.yaml:2:4: YAML error: could not determine a constructor for the tag '!shout'",
     {"a": "1", "b": "bar"}),
])
def test_yaml_a_script_cannot_use_is_a_located_problem_not_a_crash(text, problem, data):
    found, _, _, problems = positions(text)
    assert problems == [problem]
    assert found == data


def test_key_locations_are_looked_up_when_asked():
    data, locator, _ = parse_yaml("n:\n  id: a\n  next:   b\n", "f.yaml")
    located = KeyLocations(locator, ("n",), tuple(data["n"]))
    assert list(located) == ["id", "next"] and len(located) == 2
    assert str(located["next"]) == "f.yaml:3:11"
    assert located.get("text") is None
    with pytest.raises(KeyError):
        located["text"]
    assert repr(located) == "{'id': Location(file='f.yaml', line=2, column=7), " \
        "'next': Location(file='f.yaml', line=3, column=11)}"
