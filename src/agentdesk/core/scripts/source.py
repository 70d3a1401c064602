"""YAML text -> plain data plus the line and column of every value in it.

The parser works on plain dicts, lists and scalars (the same shapes as a JSON
document), and asks a `Locator` where a value came from. yaml.compose keeps the
marks that yaml.safe_load throws away; duplicate keys, which YAML loaders silently
collapse, are reported here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from agentdesk.core.scripts.model import Location
from agentdesk.core.scripts.problems import Problem

Path = tuple[str | int, ...]

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """libyaml's safe loader (same marks, ~10x faster on a big script), with YAML 1.2
    booleans: a choice labelled `Yes`, `No`, `On` or `Off` stays a string."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


@dataclass
class Locator:
    """Where each value of a data tree was written; falls back to the nearest parent."""

    file: str
    positions: dict[Path, Location] = field(default_factory=dict)
    key_positions: dict[Path, Location] = field(default_factory=dict)  # where a key is written

    def at(self, path: Path) -> Location:
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return found
        return Location(self.file, 0, 0)

    def key_at(self, path: Path) -> Location:
        return self.key_positions.get(path) or self.at(path)


def parse_yaml(text: str, file: str) -> tuple[Any, Locator, list[Problem]]:
    """The data in `text`, its locator and the problems found (a syntax error: no data)."""
    locator = Locator(file)
    problems: list[Problem] = []
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        problems.append(Problem(where, f"YAML syntax error: {exc.problem or exc}"))
        return None, locator, problems
    except yaml.YAMLError as exc:
        problems.append(Problem(Location(file, 1, 1), f"YAML error: {exc}"))
        return None, locator, problems
    if root is None:
        problems.append(Problem(Location(file, 1, 1), "the file is empty"))
        return None, locator, problems
    constructor = _Loader("")
    data = _convert(root, (), locator, problems, constructor)
    return data, locator, problems


def _location(node: yaml.Node, file: str) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: yaml.Node, path: Path, locator: Locator, problems: list[Problem],
             constructor: yaml.SafeLoader) -> Any:
    locator.positions[path] = _location(node, locator.file)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                problems.append(Problem(_location(key_node, locator.file),
                                        f"duplicate key '{key}'"))
                continue
            locator.key_positions[(*path, key)] = _location(key_node, locator.file)
            result[key] = _convert(value_node, (*path, key), locator, problems, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, index), locator, problems, constructor)
                for index, item in enumerate(node.value)]
    value = constructor.construct_object(node, deep=True)
    # Documents must be JSON-safe: YAML's timestamps become ISO strings.
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def document_locator(name: str, document: Mapping[str, Any]) -> Locator:
    """A document (from the server) has no lines: every value points at the document."""
    del document
    return Locator(name)
