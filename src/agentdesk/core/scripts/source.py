"""YAML text -> plain data plus the line and column of every value in it.

The parser works on plain dicts, lists and scalars (the same shapes as a JSON
document), and asks a `Locator` where a value came from. yaml.safe_load throws the
marks away, so the data is built here, in one pass over libyaml's events, keeping
each value's line and column; duplicate keys, which YAML loaders silently collapse,
are reported here.

Why events and not yaml.compose: composing builds a node object per value and
resolves every scalar's tag in Python, and converting those nodes costs as much
again; on a 1,000-node script that was two thirds of the validation time. The
events already carry the marks, and most scalars are strings that need no
constructor at all. Anchors and aliases are replayed from the anchored events, so
an alias reads exactly like the value it names, positions included.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
)

from agentdesk.core.scripts.model import Location
from agentdesk.core.scripts.problems import Problem
from agentdesk.core.yaml_errors import describe_yaml_error

Path = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line and column

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """libyaml's safe loader (~10x faster than the pure-Python one on a big script),
    with YAML 1.2 booleans: a choice labelled `Yes`, `No`, `On` or `Off` stays a
    string, and a text that is just `=` stays a string too (YAML 1.1's `value` tag
    has no constructor in a safe loader)."""


_DROPPED_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:value")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
# What yaml's resolver tries for a plain scalar, by its first character ("" when
# empty), wildcard resolvers (key None) appended as BaseResolver.resolve does.
_WILDCARD: list[tuple[str, re.Pattern[str]]] = list(
    _Loader.yaml_implicit_resolvers.get(None, []))
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: list(resolvers) + _WILDCARD
    for first, resolvers in _Loader.yaml_implicit_resolvers.items() if first is not None
}


@dataclass
class Locator:
    """Where each value of a data tree was written; falls back to the nearest parent."""

    file: str
    positions: dict[Path, Position] = field(default_factory=dict)
    key_positions: dict[Path, Position] = field(default_factory=dict)  # where a key is written

    def at(self, path: Path) -> Location:
        positions = self.positions
        found = positions.get(path)
        end = len(path)
        while found is None and end > 0:
            end -= 1
            found = positions.get(path[:end])
        if found is None:
            return Location(self.file, 0, 0)
        return Location(self.file, found[0], found[1])

    def key_at(self, path: Path) -> Location:
        found = self.key_positions.get(path)
        if found is None:
            return self.at(path)
        return Location(self.file, found[0], found[1])


class KeyLocations(Mapping[str, Location]):
    """Where the value of each key of one mapping was written, looked up when asked.

    Every node, choice, field, branch and rebuttal keeps one; only a problem ever
    reads it, so building each Location up front was wasted on a valid script.
    """

    __slots__ = ("_keys", "_locator", "_path")

    def __init__(self, locator: Locator, path: Path, keys: tuple[str, ...]) -> None:
        self._locator = locator
        self._path = path
        self._keys = keys

    def __getitem__(self, key: str) -> Location:
        if key not in self._keys:
            raise KeyError(key)
        return self._locator.at((*self._path, key))

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return repr(dict(self))


def parse_yaml(text: str, file: str) -> tuple[Any, Locator, list[Problem]]:
    """The data in `text`, its locator and the problems found (a syntax error: no data)."""
    locator = Locator(file)
    problems: list[Problem] = []
    loader = _Loader(text)
    try:
        data = _Builder(loader.get_event, locator, problems).document()
    except yaml.YAMLError as exc:
        place = describe_yaml_error(exc)
        problems.append(Problem(Location(file, place.line, place.column), place.message))
        return None, Locator(file), problems
    finally:
        loader.dispose()
    if data is _EMPTY:
        problems.append(Problem(Location(file, 1, 1), "the file is empty"))
        return None, locator, problems
    return data, locator, problems


_EMPTY = object()  # a stream with no document
# libyaml's events, typed Any: each one has its marks, where the stubs say `Mark | None`.
YamlEvent = Any
NextEvent = Callable[[], YamlEvent]


class _Builder:
    """Plain data from libyaml's events as they are parsed, recording where each value
    starts. Events are dropped once used (fewer live objects, less garbage-collector
    work) except inside an anchored value, whose events an alias replays.

    A value built with `path` None (a duplicate key's value, a complex key) is not
    recorded and reports no problem, as it is never read.
    """

    def __init__(self, get_event: NextEvent, locator: Locator, problems: list[Problem]) -> None:
        self.get_event = get_event
        self.next_event = get_event  # _next_recording while an anchored value is read
        self.file = locator.file
        self.positions = locator.positions
        self.key_positions = locator.key_positions
        self.problems = problems
        self.recorded: list[YamlEvent] = []  # the events of anchored values
        self.open_anchors = 0
        # anchor -> its events in `recorded`: first, one past the last (None while open)
        self.anchors: dict[str, tuple[int, int | None]] = {}
        self.replaying = 0
        self.plain_tags: dict[str, str | None] = {}  # plain scalar -> its implicit tag
        self.constructor: yaml.SafeLoader | None = None

    def document(self) -> Any:
        self.get_event()  # StreamStart
        first = self.get_event()
        first_mark = first.start_mark
        if type(first) is not DocumentStartEvent:  # StreamEnd: no document at all
            return _EMPTY
        data = self.value(self.get_event(), ())
        self.get_event()  # DocumentEnd
        following = self.get_event()
        following_mark = following.start_mark
        if type(following) is DocumentStartEvent:
            raise ComposerError("expected a single document in the stream", first_mark,
                                "but found another document", following_mark)
        return data

    def _next_recording(self) -> YamlEvent:
        event = self.get_event()
        self.recorded.append(event)
        return event

    def value(self, event: YamlEvent, path: Path | None) -> Any:
        kind = type(event)
        if kind is AliasEvent:
            return self._alias(event, path)
        if path is not None:
            mark = event.start_mark
            self.positions[path] = (mark.line + 1, mark.column + 1)
        anchor = event.anchor
        start = self._open(anchor, event) if anchor is not None and not self.replaying else 0
        if kind is ScalarEvent:
            result = self._scalar(event, path)
        elif kind is MappingStartEvent:
            result = self._mapping(path)
        else:
            result = self._sequence(path)
        if anchor is not None and not self.replaying:
            self._close(anchor, start)
        return result

    def _mapping(self, path: Path | None) -> dict[str, Any]:
        # The hot loop: plain keys and unanchored scalar values are read inline.
        next_event = self.next_event
        positions = self.positions
        key_positions = self.key_positions
        plain_tags = self.plain_tags
        result: dict[str, Any] = {}
        while True:
            key_event = next_event()
            key_kind = type(key_event)
            if key_kind is MappingEndEvent:
                return result
            if key_kind is ScalarEvent and key_event.anchor is None:
                key = key_event.value
                if key_event.tag is not None or plain_tags.get(key, _UNRESOLVED) is not None:
                    key = self._scalar(key_event, path, is_key=True)
            else:  # an anchored, aliased or complex key
                key = self.value(key_event, None)
            if not isinstance(key, str):
                key = str(key)
            value_event = next_event()
            if key in result:
                if path is not None:
                    self.problems.append(Problem(_location(self.file, key_event),
                                                 f"duplicate key '{key}'"))
                self.value(value_event, None)
                continue
            if path is None:
                result[key] = self.value(value_event, None)
                continue
            child = (*path, key)
            mark = key_event.start_mark
            key_positions[child] = (mark.line + 1, mark.column + 1)
            mark = value_event.start_mark
            if type(value_event) is ScalarEvent and value_event.anchor is None:
                positions[child] = (mark.line + 1, mark.column + 1)
                text = value_event.value
                if value_event.tag is None and (not value_event.implicit[0]
                                                or plain_tags.get(text, _UNRESOLVED) is None):
                    result[key] = text  # a string: most values
                else:
                    result[key] = self._scalar(value_event, child)
            else:
                result[key] = self.value(value_event, child)

    def _sequence(self, path: Path | None) -> list[Any]:
        next_event = self.next_event
        result: list[Any] = []
        while True:
            event = next_event()
            if type(event) is SequenceEndEvent:
                return result
            result.append(self.value(event, None if path is None else (*path, len(result))))

    def _scalar(self, event: YamlEvent, path: Path | None, is_key: bool = False) -> Any:
        tag = event.tag
        value = event.value
        if tag is None or tag == "!":
            if not event.implicit[0]:  # quoted, or a block: a string
                return value
            tag = self.plain_tags.get(value, _UNRESOLVED)
            if tag is _UNRESOLVED:
                tag = self.plain_tags[value] = _implicit_tag(value)
            if tag is None:
                return value
        if tag == _STR:
            return value
        if tag == _MERGE:  # `<<`: as a key, YAML 1.1's merge, which a script cannot use
            if is_key and path is not None:
                self.problems.append(Problem(_location(self.file, event), "merge keys ('<<') "
                                             "are not supported: write the keys out"))
            return value
        return self._construct(event, tag, path)

    def _construct(self, event: YamlEvent, tag: str, path: Path | None) -> Any:
        """A scalar that is not a string (int, float, null, bool, timestamp, ...)."""
        if self.constructor is None:
            self.constructor = _Loader("")
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ConstructorError as exc:
            if path is not None:
                self.problems.append(Problem(_location(self.file, event),
                                             f"YAML error: {exc.problem}"))
            return event.value
        # Documents must be JSON-safe: YAML's timestamps become ISO strings.
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        return value

    def _open(self, anchor: str, event: YamlEvent) -> int:
        first = self.anchors.get(anchor)
        if first is not None:
            raise ComposerError(f"found duplicate anchor {anchor!r}; first occurrence",
                                self.recorded[first[0]].start_mark, "second occurrence",
                                event.start_mark)
        if not self.open_anchors:  # fetched before recording began
            self.recorded.append(event)
            self.next_event = self._next_recording
        self.open_anchors += 1
        start = len(self.recorded) - 1
        self.anchors[anchor] = (start, None)
        return start

    def _close(self, anchor: str, start: int) -> None:
        self.anchors[anchor] = (start, len(self.recorded))
        self.open_anchors -= 1
        if not self.open_anchors:
            self.next_event = self.get_event

    def _alias(self, event: YamlEvent, path: Path | None) -> Any:
        span = self.anchors.get(event.anchor)
        if span is None:
            raise ComposerError(None, None, "found undefined alias", event.start_mark)
        start, end = span
        if end is None:
            raise ComposerError(None, None, "found an alias inside the value it names "
                                "(a recursive structure)", event.start_mark)
        resume = self.next_event
        replay = iter(self.recorded[start:end])
        self.next_event = replay.__next__
        self.replaying += 1
        try:
            return self.value(self.next_event(), path)
        finally:
            self.replaying -= 1
            self.next_event = resume


_UNRESOLVED = "?"  # not a tag: plain_tags has no entry yet


def _implicit_tag(value: str) -> str | None:
    """The tag yaml's resolver gives a plain scalar; None for a plain string."""
    for tag, regexp in _IMPLICIT.get(value[:1], _WILDCARD):
        if regexp.match(value):
            return tag
    return None


def _location(file: str, event: YamlEvent) -> Location:
    mark = event.start_mark
    return Location(file, mark.line + 1, mark.column + 1)


def document_locator(name: str, document: Mapping[str, Any]) -> Locator:
    """A document (from the server) has no lines: every value points at the document."""
    del document
    return Locator(name)
