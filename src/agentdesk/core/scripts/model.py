"""The call-script format as frozen dataclasses: what the loader builds and the engine walks.

A script is a graph of nodes (say, question, capture, compliance, decision, transfer,
callback, end) plus an objection library whose rebuttals the agent can open from any
node. Every element keeps the `Location` it was read from, so the validator can name
file, line and column; a script rebuilt from a server document has locations that
name the document instead (line 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

ANY_LANGUAGE = ""  # the key of a plain (untranslated) string in a LocalizedText


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int  # 1-based; 0 when the element came from a document, not a file
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class LocalizedText:
    """One text in every language the script declares: {"en": ..., "zh_CN": ...}."""

    values: tuple[tuple[str, str], ...]
    location: Location

    @classmethod
    def plain(cls, text: str, location: Location) -> LocalizedText:
        return cls(((ANY_LANGUAGE, text),), location)

    def as_dict(self) -> dict[str, str]:
        return dict(self.values)

    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.values)

    def get(self, language: str) -> str:
        """The text in `language`; else the untranslated text; else the first one."""
        texts = dict(self.values)
        if language in texts:
            return texts[language]
        if ANY_LANGUAGE in texts:
            return texts[ANY_LANGUAGE]
        return self.values[0][1] if self.values else ""

    def to_document(self) -> str | dict[str, str]:
        texts = dict(self.values)
        if list(texts) == [ANY_LANGUAGE]:
            return texts[ANY_LANGUAGE]
        return texts


class NodeKind(Enum):
    SAY = "say"
    QUESTION = "question"
    CAPTURE = "capture"
    COMPLIANCE = "compliance"
    DECISION = "decision"
    TRANSFER = "transfer"
    CALLBACK = "callback"
    END = "end"


class FieldType(Enum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    PHONE = "phone"
    EMAIL = "email"
    REGEX = "regex"


@dataclass(frozen=True, slots=True)
class FieldOption:
    value: str
    label: LocalizedText
    location: Location


@dataclass(frozen=True, slots=True)
class CaptureField:
    name: str  # the answer's name: {answers.<name>} and the captured field's key
    type: FieldType
    label: LocalizedText
    location: Location
    required: bool = True
    pattern: str | None = None  # regex fields
    minimum: float | None = None  # number fields
    maximum: float | None = None
    options: tuple[FieldOption, ...] = ()  # choice fields
    hint: LocalizedText | None = None  # shown under the field, e.g. the expected form
    locations: Mapping[str, Location] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Choice:
    label: LocalizedText
    next: str | None
    location: Location
    value: str | None = None  # recorded under the question's `answer` name
    locations: Mapping[str, Location] = field(default_factory=dict, compare=False)

    @property
    def recorded_value(self) -> str:
        return self.value if self.value is not None else (self.next or "")


class Operator(Enum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    NOT_IN = "not_in"
    EMPTY = "empty"
    NOT_EMPTY = "not_empty"
    CONTAINS = "contains"


@dataclass(frozen=True, slots=True)
class Condition:
    """`var op value`; or, when `all_of` / `any_of` is set, a group of conditions."""

    location: Location
    var: str | None = None
    op: Operator = Operator.EQ
    value: Any = None
    all_of: tuple[Condition, ...] = ()
    any_of: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class Branch:
    when: Condition
    next: str | None
    location: Location
    locations: Mapping[str, Location] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    kind: NodeKind
    location: Location
    text: LocalizedText | None = None
    next: str | None = None
    choices: tuple[Choice, ...] = ()  # question
    answer: str | None = None  # question: the name a choice's value is captured under
    fields: tuple[CaptureField, ...] = ()  # question / capture
    branches: tuple[Branch, ...] = ()  # decision
    otherwise: str | None = None  # decision
    target: str | None = None  # transfer: queue, extension or number suggested
    callback_in_hours: float | None = None  # callback: when to call back, suggested
    wrapup_codes: tuple[str, ...] = ()  # end
    note: LocalizedText | None = None  # end: the wrap-up note's first line
    source: str = ""  # the file the node was written in (a fragment's, if included)
    locations: Mapping[str, Location] = field(default_factory=dict, compare=False)

    def targets(self) -> tuple[str, ...]:
        """Every node this one can go to in the normal flow (not rebuttal branches)."""
        found: list[str] = []
        if self.next:
            found.append(self.next)
        found += [choice.next for choice in self.choices if choice.next]
        found += [branch.next for branch in self.branches if branch.next]
        if self.otherwise:
            found.append(self.otherwise)
        return tuple(found)


@dataclass(frozen=True, slots=True)
class Rebuttal:
    id: str
    text: LocalizedText
    location: Location
    next: str | None = None  # None: return to the step the objection was raised at
    locations: Mapping[str, Location] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Objection:
    id: str
    title: LocalizedText
    keywords: tuple[str, ...]
    rebuttals: tuple[Rebuttal, ...]
    location: Location

    def matches(self, query: str, language: str) -> bool:
        """Whether a search typed in the objection bar finds this objection."""
        needle = query.strip().casefold()
        if not needle:
            return True
        haystack = [self.id, *self.keywords, *(text for _, text in self.title.values)]
        return any(needle in item.casefold() for item in haystack)


@dataclass(frozen=True, slots=True)
class AppliesTo:
    """When the desktop starts this script by itself (see selection.choose_script)."""

    queues: tuple[str, ...] = ()
    dialed_numbers: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()
    default: bool = False


@dataclass(frozen=True, slots=True)
class Script:
    id: str
    title: LocalizedText
    version: int
    languages: tuple[str, ...]
    start: str
    nodes: tuple[Node, ...]
    location: Location
    objections: tuple[Objection, ...] = ()
    applies_to: AppliesTo = AppliesTo()
    variables: tuple[str, ...] = ()  # extra variables declared, e.g. campaign.offer
    description: LocalizedText | None = None
    locations: Mapping[str, Location] = field(default_factory=dict, compare=False)
    _by_id: Mapping[str, Node] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Node] = {}
        for node in self.nodes:
            by_id.setdefault(node.id, node)
        object.__setattr__(self, "_by_id", by_id)

    def node(self, node_id: str) -> Node:
        return self._by_id[node_id]

    def has_node(self, node_id: str) -> bool:
        return node_id in self._by_id

    def objection(self, objection_id: str) -> Objection:
        for objection in self.objections:
            if objection.id == objection_id:
                return objection
        raise KeyError(objection_id)

    @property
    def language(self) -> str:
        return self.languages[0]

    def captured_field_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for node in self.nodes:
            names += [f.name for f in node.fields]
            if node.answer:
                names.append(node.answer)
        return tuple(dict.fromkeys(names))

    def to_document(self) -> dict[str, Any]:
        """A JSON-safe dict of the whole script, includes resolved (what the server
        publishes and desktops pull); `from_document` reads it back."""
        from agentdesk.core.scripts.document import script_to_document

        return script_to_document(self)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Script:
        """Raises ScriptFormatError (with every problem) when the document is invalid."""
        from agentdesk.core.scripts.document import script_from_document

        return script_from_document(document)
