"""Read a script: its YAML file, the fragments and objection libraries it includes.

Includes are paths relative to the including file; an included file (a fragment)
may hold `nodes`, `objections`, `variables` and its own `includes`. A fragment's
`next: $continue` goes to the node its include names as `continue_to`, so one
fragment (say, identity verification) can sit in several scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from agentdesk.core.scripts.model import Location, Node, Objection, Script
from agentdesk.core.scripts.parser import CONTINUE, FRAGMENT_KEYS, SCRIPT_KEYS, Reader
from agentdesk.core.scripts.problems import Problem
from agentdesk.core.scripts.source import Locator, parse_yaml

ReadText = Callable[[FilePath], str]


def read_utf8(path: FilePath) -> str:
    return path.read_text(encoding="utf-8-sig")


@dataclass
class _Parts:
    """What a script and everything it includes contribute."""

    nodes: list[Node] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)


def is_fragment(data: Any) -> bool:
    return isinstance(data, dict) and "fragment" in data and "id" not in data


def load_text(text: str, source_name: str, *, base_dir: FilePath | None = None,
              origin: FilePath | None = None,
              read: ReadText = read_utf8) -> tuple[Script | None, list[Problem]]:
    """The script in `text` (a file's content), with every problem of its structure.

    `base_dir` resolves includes; without it a script that includes files is refused.
    The graph is not checked here: validator.validate does that.
    """
    problems: list[Problem] = []
    data, locator, syntax = parse_yaml(text, source_name)
    problems += syntax
    if data is None:
        return None, problems
    reader = Reader(locator, problems)
    raw = reader.mapping(data, (), "a script")
    if raw is None:
        return None, problems
    stack = (origin.resolve(),) if origin is not None else ()
    if is_fragment(raw):
        # Checked on its own, a fragment's `$continue` stays a placeholder.
        reader = Reader(locator, problems, continue_to=CONTINUE)
        reader.known_keys(raw, (), FRAGMENT_KEYS, "a fragment")
        _read_parts(reader, raw, base_dir, stack, read, _Parts())
        return None, problems
    reader.known_keys(raw, (), SCRIPT_KEYS, "a script")
    parts = _Parts()
    _read_parts(reader, raw, base_dir, stack, read, parts)
    return _script(reader, raw, parts), problems


def load_file(path: FilePath, *, read: ReadText = read_utf8) -> tuple[Script | None,
                                                                     list[Problem]]:
    """Raises OSError / UnicodeDecodeError when `path` itself cannot be read."""
    return load_text(read(path), str(path), base_dir=path.parent, origin=path, read=read)


def load_data(data: Mapping[str, Any], source_name: str) -> tuple[Script | None, list[Problem]]:
    """A script document (JSON-safe dict, includes resolved): no lines to point at."""
    problems: list[Problem] = []
    reader = Reader(Locator(source_name), problems)
    raw = reader.mapping(data, (), "a script document")
    if raw is None:
        return None, problems
    reader.known_keys(raw, (), SCRIPT_KEYS, "a script document")
    parts = _Parts()
    _read_parts(reader, raw, None, (), read_utf8, parts)
    return _script(reader, raw, parts), problems


def _read_parts(reader: Reader, raw: Mapping[str, Any], base_dir: FilePath | None,
                stack: tuple[FilePath, ...], read: ReadText, parts: _Parts) -> None:
    parts.nodes += reader.each(reader.sequence(raw.get("nodes"), ("nodes",), "'nodes'"),
                               ("nodes",), reader.node)
    parts.objections += reader.each(reader.sequence(raw.get("objections"), ("objections",),
                                                    "'objections'"),
                                    ("objections",), reader.objection)
    parts.variables += reader.strings(raw, "variables", (), "the script")
    includes = reader.sequence(raw.get("includes"), ("includes",), "'includes'")
    for index, entry in enumerate(includes):
        _include(reader, entry, ("includes", index), base_dir, stack, read, parts)


def _include(reader: Reader, entry: Any, path: tuple[str | int, ...],
             base_dir: FilePath | None, stack: tuple[FilePath, ...], read: ReadText,
             parts: _Parts) -> None:
    continue_to: str | None = None
    if isinstance(entry, dict):
        reader.known_keys(entry, path, ("path", "continue_to"), "an include")
        relative = reader.string(entry, "path", path, "an include", required=True)
        continue_to = reader.string(entry, "continue_to", path, "an include")
    elif isinstance(entry, str):
        relative = entry
    else:
        reader.problem(path, "an include must be a path or {path, continue_to}")
        return
    if relative is None:
        return
    if base_dir is None:
        reader.problem(path, f"cannot include '{relative}' here: includes are resolved "
                       "from a file (publish the file, not its text)")
        return
    target = (base_dir / relative).resolve()
    if target in stack:
        chain = " -> ".join(p.name for p in (*stack[stack.index(target):], target))
        reader.problem(path, f"include cycle: {chain}")
        return
    try:
        text = read(target)
    except (OSError, UnicodeDecodeError) as exc:
        reader.problem(path, f"cannot read include '{relative}': "
                       f"{getattr(exc, 'strerror', None) or exc}")
        return
    data, locator, syntax = parse_yaml(text, str(target))
    reader.problems.extend(syntax)
    if data is None:
        return
    fragment_reader = Reader(locator, reader.problems, continue_to)
    fragment = fragment_reader.mapping(data, (), "an included fragment")
    if fragment is None:
        return
    fragment_reader.known_keys(fragment, (), FRAGMENT_KEYS, "an included fragment")
    _read_parts(fragment_reader, fragment, target.parent, (*stack, target), read, parts)


def _script(reader: Reader, raw: Mapping[str, Any], parts: _Parts) -> Script | None:
    script_id = reader.string(raw, "id", (), "the script", required=True)
    title = reader.text(raw, "title", (), "the script", required=True)
    version = raw.get("version")
    if version is None:
        reader.problem((), "the script has no 'version'")
    elif isinstance(version, bool) or not isinstance(version, int) or version < 1:
        reader.problem(("version",), "'version' must be a whole number from 1 up")
        version = None
    languages = reader.languages(raw, ())
    if not languages:
        reader.problem((), "the script has no 'language' (or 'languages')")
    if not parts.nodes:
        reader.problem(("nodes",) if "nodes" in raw else (), "the script has no nodes")
    start = reader.string(raw, "start", (), "the script")
    if start is None and parts.nodes:
        start = parts.nodes[0].id
    if script_id is None or title is None or version is None or not languages or start is None:
        return None
    return Script(
        id=script_id, title=title, version=version, languages=languages, start=start,
        nodes=tuple(parts.nodes), location=Location(reader.file, 1, 1) if reader.locator.positions
        else Location(reader.file, 0, 0),
        objections=tuple(parts.objections), applies_to=reader.applies_to(raw, ()),
        variables=tuple(dict.fromkeys(parts.variables)),
        description=reader.text(raw, "description", (), "the script"),
        locations=reader.locations(raw, ()),
    )
