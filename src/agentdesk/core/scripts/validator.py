"""Every problem of a script, with file, line and column: the graph, texts, variables.

Checks: duplicate ids, unknown node references, choices and branches with no target,
unreachable nodes, nodes from which no path reaches an end, unknown variables, invalid
regexes, missing translations (when a script declares several languages), and, from
the loader, include cycles and structural mistakes. The server refuses to publish a
script with any problem; `agentdesk script validate` prints them.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from agentdesk.core.scripts.loader import load_data, load_file, load_text
from agentdesk.core.scripts.model import (
    ANY_LANGUAGE,
    Condition,
    LocalizedText,
    Location,
    Node,
    Script,
)
from agentdesk.core.scripts.problems import Problem, sorted_problems
from agentdesk.core.scripts.variables import unknown_variable_reason, variables_in


def validate(script: Script) -> list[Problem]:
    problems: list[Problem] = []
    problems += _duplicates(script)
    problems += _references(script)
    problems += _graph(script)
    problems += _fields(script)
    problems += _texts(script)
    return sorted_problems(problems)


def validate_text(text: str, source_name: str, *,
                  base_dir: Path | None = None) -> tuple[Script | None, list[Problem]]:
    """For the server and editors: the script in `text` if it is valid, and its problems.

    The script is None whenever there is a problem, so nothing invalid gets published.
    """
    script, problems = load_text(text, source_name, base_dir=base_dir)
    return _checked(script, problems)


def load_and_validate(path: Path) -> tuple[Script | None, list[Problem]]:
    """Like validate_text for a file (includes resolved from its folder). A fragment
    file is checked for its structure and gives no script. Raises OSError or
    UnicodeDecodeError when `path` itself cannot be read."""
    script, problems = load_file(path)
    return _checked(script, problems)


def validate_document(document: Mapping[str, Any],
                      source_name: str | None = None) -> tuple[Script | None, list[Problem]]:
    """A script document (Script.to_document(), e.g. pulled from the server)."""
    name = source_name or f"script document '{document.get('id', '?')}'"
    script, problems = load_data(document, name)
    return _checked(script, problems)


def _checked(script: Script | None,
             problems: list[Problem]) -> tuple[Script | None, list[Problem]]:
    if script is not None:
        problems = problems + validate(script)
    problems = sorted_problems(problems)
    return (script if not problems else None), problems


def _where(node: Node | Any, key: str) -> Location:
    locations: Mapping[str, Location] = getattr(node, "locations", {})
    return locations.get(key, node.location)


def _duplicates(script: Script) -> Iterator[Problem]:
    first: dict[str, Location] = {}
    for node in script.nodes:
        if node.id in first:
            yield Problem(node.location, f"duplicate node id '{node.id}' "
                          f"(first defined at {first[node.id]})")
        else:
            first[node.id] = node.location
    objections: dict[str, Location] = {}
    rebuttals: dict[str, Location] = {}
    for objection in script.objections:
        if objection.id in objections:
            yield Problem(objection.location, f"duplicate objection id '{objection.id}' "
                          f"(first defined at {objections[objection.id]})")
        objections.setdefault(objection.id, objection.location)
        for rebuttal in objection.rebuttals:
            if rebuttal.id in rebuttals:
                yield Problem(rebuttal.location, f"duplicate rebuttal id '{rebuttal.id}' "
                              f"(first defined at {rebuttals[rebuttal.id]})")
            rebuttals.setdefault(rebuttal.id, rebuttal.location)
    for node in script.nodes:
        names: set[str] = set()
        for capture in node.fields:
            if capture.name in names:
                yield Problem(capture.location, f"duplicate field name '{capture.name}' "
                              f"in node '{node.id}'")
            names.add(capture.name)


def _references(script: Script) -> Iterator[Problem]:
    if not script.has_node(script.start):
        yield Problem(script.locations.get("start", script.location),
                      f"unknown node '{script.start}' (the start)")
    for node in script.nodes:
        if node.next and not script.has_node(node.next):
            yield Problem(_where(node, "next"),
                          f"unknown node '{node.next}' (next of node '{node.id}')")
        if node.otherwise and not script.has_node(node.otherwise):
            yield Problem(_where(node, "otherwise"),
                          f"unknown node '{node.otherwise}' (otherwise of node '{node.id}')")
        for choice in node.choices:
            label = choice.label.get(script.language)
            if choice.next is None:
                yield Problem(choice.location, f"choice '{label}' of node '{node.id}' "
                              "has no target: give it a 'next'")
            elif not script.has_node(choice.next):
                yield Problem(_where(choice, "next"), f"unknown node '{choice.next}' "
                              f"(choice '{label}' of node '{node.id}')")
        for branch in node.branches:
            if branch.next is not None and not script.has_node(branch.next):
                yield Problem(_where(branch, "next"), f"unknown node '{branch.next}' "
                              f"(branch of node '{node.id}')")
    for objection in script.objections:
        for rebuttal in objection.rebuttals:
            if rebuttal.next is not None and not script.has_node(rebuttal.next):
                yield Problem(_where(rebuttal, "next"), f"unknown node '{rebuttal.next}' "
                              f"(rebuttal '{rebuttal.id}' of objection '{objection.id}')")


def _graph(script: Script) -> Iterator[Problem]:
    if not script.has_node(script.start):
        return
    # Rebuttals can branch from any step, so their targets are reachable too.
    roots = [script.start] + [r.next for o in script.objections for r in o.rebuttals
                              if r.next and script.has_node(r.next)]
    reachable = _reach(roots, lambda node_id: script.node(node_id).targets(), script)
    for node in script.nodes:
        if node.id not in reachable:
            yield Problem(node.location, f"node '{node.id}' is unreachable: no step leads "
                          f"to it from the start '{script.start}'")
    predecessors: dict[str, list[str]] = {node.id: [] for node in script.nodes}
    for node in script.nodes:
        for target in node.targets():
            if target in predecessors:
                predecessors[target].append(node.id)
    ends = [node.id for node in script.nodes if node.kind.value == "end"]
    finishing = _reach(ends, lambda node_id: predecessors.get(node_id, ()), script)
    # Report where the trouble starts (the start, or a step entered from a node that
    # can still finish), not every node upstream of it.
    for node in script.nodes:
        if node.id not in reachable or node.id in finishing:
            continue
        if any(not script.has_node(target) for target in node.targets()):
            continue  # its unknown reference is the problem to fix
        entered_from_good = any(p in finishing for p in predecessors[node.id])
        if node.id == script.start or entered_from_good:
            yield Problem(node.location, f"no path from node '{node.id}' reaches an end node")


def _reach(roots: list[str], step: Any, script: Script) -> set[str]:
    seen: set[str] = set()
    queue = deque(root for root in roots if script.has_node(root))
    while queue:
        node_id = queue.popleft()
        if node_id in seen:
            continue
        seen.add(node_id)
        for following in step(node_id):
            if following not in seen and script.has_node(following):
                queue.append(following)
    return seen


def _fields(script: Script) -> Iterator[Problem]:
    for node in script.nodes:
        for capture in node.fields:
            if capture.pattern is not None:
                try:
                    re.compile(capture.pattern)
                except re.error as exc:
                    yield Problem(_where(capture, "pattern"), f"invalid regex "
                                  f"'{capture.pattern}' of field '{capture.name}': {exc}")
            if (capture.minimum is not None and capture.maximum is not None
                    and capture.minimum > capture.maximum):
                yield Problem(_where(capture, "min"), f"field '{capture.name}': min is "
                              "greater than max")


def _texts(script: Script) -> Iterator[Problem]:
    answers = frozenset(script.captured_field_names())
    declared = frozenset(script.variables)
    for text in _all_texts(script):
        yield from _translation_problems(text, script.languages)
        for language, value in text.values:
            for name, _offset in variables_in(value):
                reason = unknown_variable_reason(name, answers, declared)
                if reason is not None:
                    suffix = f" (in '{language}')" if len(text.values) > 1 else ""
                    yield Problem(text.location, reason + suffix)
    for node in script.nodes:
        for branch in node.branches:
            for condition in _conditions(branch.when):
                if condition.var is None:
                    continue
                reason = unknown_variable_reason(condition.var, answers, declared)
                if reason is not None:
                    yield Problem(condition.location, reason.replace(
                        f"{{{condition.var}}}", f"'{condition.var}'"))


def _conditions(condition: Condition) -> Iterator[Condition]:
    yield condition
    for part in (*condition.all_of, *condition.any_of):
        yield from _conditions(part)


def _translation_problems(text: LocalizedText, languages: tuple[str, ...]) -> Iterator[Problem]:
    given = text.languages()
    if given == (ANY_LANGUAGE,):
        if len(languages) > 1:
            yield Problem(text.location, "missing translation: the script declares "
                          f"{', '.join(languages)}; give this text in each")
        return
    for language in given:
        if language not in languages:
            yield Problem(text.location, f"translation '{language}' is not among the "
                          f"script's languages ({', '.join(languages)})")
    for language in languages:
        if language not in given:
            yield Problem(text.location, f"missing translation '{language}'")


def _all_texts(script: Script) -> Iterator[LocalizedText]:
    yield script.title
    if script.description is not None:
        yield script.description
    for node in script.nodes:
        yield from (t for t in (node.text, node.note) if t is not None)
        for choice in node.choices:
            yield choice.label
        for capture in node.fields:
            yield capture.label
            if capture.hint is not None:
                yield capture.hint
            for option in capture.options:
                if option.label.languages() != (ANY_LANGUAGE,) or len(script.languages) == 1:
                    yield option.label
    for objection in script.objections:
        yield objection.title
        for rebuttal in objection.rebuttals:
            yield rebuttal.text
