"""Plain data (from YAML or a JSON document) -> the script model, problem by problem.

The reader never stops at the first problem: a bad element is reported with its
location and left out, so one run of the validator lists everything to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from agentdesk.core.scripts.model import (
    AppliesTo,
    Branch,
    CaptureField,
    Choice,
    Condition,
    FieldOption,
    FieldType,
    LocalizedText,
    Location,
    Node,
    NodeKind,
    Objection,
    Operator,
    Rebuttal,
)
from agentdesk.core.scripts.problems import Problem
from agentdesk.core.scripts.source import KeyLocations, Locator, Path

CONTINUE = "$continue"  # in a fragment: the node its include names as continue_to

SCRIPT_KEYS = ("id", "title", "version", "language", "languages", "start", "description",
               "applies_to", "variables", "includes", "nodes", "objections")
FRAGMENT_KEYS = ("fragment", "language", "languages", "variables", "includes", "nodes",
                 "objections")
_COMMON_NODE_KEYS = ("id", "kind", "text")
NODE_KEYS: dict[NodeKind, tuple[str, ...]] = {
    NodeKind.SAY: ("next",),
    NodeKind.QUESTION: ("choices", "answer", "fields", "next"),
    NodeKind.CAPTURE: ("fields", "next"),
    NodeKind.COMPLIANCE: ("next",),
    NodeKind.DECISION: ("branches", "otherwise"),
    NodeKind.TRANSFER: ("target", "next"),
    NodeKind.CALLBACK: ("in_hours", "next"),
    NodeKind.END: ("wrapup_codes", "note"),
}
FIELD_KEYS = ("name", "type", "label", "required", "pattern", "min", "max", "options", "hint")
T = TypeVar("T")


class Reader:
    """Reads one file's (or document's) data; problems accumulate in `problems`."""

    def __init__(self, locator: Locator, problems: list[Problem],
                 continue_to: str | None = None) -> None:
        self.locator = locator
        self.problems = problems
        self.continue_to = continue_to

    @property
    def file(self) -> str:
        return self.locator.file

    def at(self, path: Path) -> Location:
        return self.locator.at(path)

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(Problem(self.at(path), message))

    def locations(self, data: Mapping[str, Any], path: Path) -> KeyLocations:
        return KeyLocations(self.locator, path, tuple(data))

    # -- shapes -------------------------------------------------------------------------

    def mapping(self, data: Any, path: Path, what: str) -> dict[str, Any] | None:
        if isinstance(data, dict):
            return data
        self.problem(path, f"{what} must be a mapping (key: value), not {_kind_of(data)}")
        return None

    def sequence(self, data: Any, path: Path, what: str) -> list[Any]:
        if data is None:
            return []
        if isinstance(data, list):
            return data
        self.problem(path, f"{what} must be a list, not {_kind_of(data)}")
        return []

    def known_keys(self, data: Mapping[str, Any], path: Path, allowed: tuple[str, ...],
                   what: str) -> None:
        for key in data:
            if key not in allowed:
                self.problems.append(Problem(self.locator.key_at((*path, key)),
                                             f"unknown key '{key}' in {what} "
                                             f"(known: {', '.join(allowed)})"))

    def string(self, data: Mapping[str, Any], key: str, path: Path, what: str, *,
               required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, f"{what} has no '{key}'")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem((*path, key), f"'{key}' of {what} must be a string, "
                         f"not {_kind_of(value)}")
            return None
        return str(value)

    def number(self, data: Mapping[str, Any], key: str, path: Path, what: str) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem((*path, key), f"'{key}' of {what} must be a number, "
                         f"not {_kind_of(value)}")
            return None
        return float(value)

    def boolean(self, data: Mapping[str, Any], key: str, path: Path, what: str,
                default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem((*path, key), f"'{key}' of {what} must be true or false")
            return default
        return value

    def strings(self, data: Mapping[str, Any], key: str, path: Path, what: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        items = self.sequence(value, (*path, key), f"'{key}' of {what}")
        result = []
        for index, item in enumerate(items):
            if isinstance(item, str | int) and not isinstance(item, bool):
                result.append(str(item))
            else:
                self.problem((*path, key, index), f"'{key}' of {what} must list strings")
        return tuple(result)

    def text(self, data: Mapping[str, Any], key: str, path: Path, what: str, *,
             required: bool = False) -> LocalizedText | None:
        value = data.get(key)
        where = (*path, key)
        if value is None:
            if required:
                self.problem(path, f"{what} has no '{key}'")
            return None
        if isinstance(value, str):
            return LocalizedText.plain(value, self.at(where))
        if isinstance(value, dict):
            texts = []
            for language, text in value.items():
                if not isinstance(text, str):
                    self.problem((*where, language), f"'{key}' of {what} in '{language}' "
                                 "must be a string")
                    continue
                texts.append((str(language), text))
            if texts:
                return LocalizedText(tuple(texts), self.at(where))
            self.problem(where, f"'{key}' of {what} has no text")
            return None
        self.problem(where, f"'{key}' of {what} must be a string or a mapping of language "
                     f"to string, not {_kind_of(value)}")
        return None

    def target(self, data: Mapping[str, Any], key: str, path: Path, what: str) -> str | None:
        """A reference to a node; `$continue` in a fragment is the include's continue_to."""
        value = self.string(data, key, path, what)
        if value == CONTINUE:
            if self.continue_to is None:
                self.problem((*path, key), f"'{CONTINUE}' in {what}: the include of this "
                             "fragment must set continue_to")
                return None
            return self.continue_to
        return value

    def each(self, items: list[Any], path: Path, read: Callable[[Any, Path], T | None]) -> list[T]:
        result = []
        for index, item in enumerate(items):
            element = read(item, (*path, index))
            if element is not None:
                result.append(element)
        return result

    # -- elements -----------------------------------------------------------------------

    def languages(self, data: Mapping[str, Any], path: Path) -> tuple[str, ...]:
        if "language" in data and "languages" in data:
            self.problem((*path, "languages"), "give 'language' or 'languages', not both")
        found = self.strings(data, "languages", path, "the script")
        if not found:
            found = self.strings(data, "language", path, "the script")
        return found

    def applies_to(self, data: Mapping[str, Any], path: Path) -> AppliesTo:
        value = data.get("applies_to")
        if value is None:
            return AppliesTo()
        where = (*path, "applies_to")
        rules = self.mapping(value, where, "'applies_to'")
        if rules is None:
            return AppliesTo()
        self.known_keys(rules, where, ("queues", "dialed_numbers", "campaigns", "default"),
                        "'applies_to'")
        return AppliesTo(
            queues=self.strings(rules, "queues", where, "'applies_to'"),
            dialed_numbers=self.strings(rules, "dialed_numbers", where, "'applies_to'"),
            campaigns=self.strings(rules, "campaigns", where, "'applies_to'"),
            default=self.boolean(rules, "default", where, "'applies_to'", False),
        )

    def node(self, data: Any, path: Path) -> Node | None:
        raw = self.mapping(data, path, "a node")
        if raw is None:
            return None
        node_id = self.string(raw, "id", path, "a node", required=True)
        what = f"node '{node_id}'" if node_id else "a node"
        kind_name = self.string(raw, "kind", path, what, required=True)
        if node_id is None or kind_name is None:
            return None
        try:
            kind = NodeKind(kind_name)
        except ValueError:
            self.problem((*path, "kind"), f"unknown kind '{kind_name}' of {what} "
                         f"(known: {', '.join(k.value for k in NodeKind)})")
            return None
        article = "an" if kind.value[0] in "aeiou" else "a"
        self.known_keys(raw, path, _COMMON_NODE_KEYS + NODE_KEYS[kind],
                        f"{article} {kind.value} node")
        text = self.text(raw, "text", path, what, required=kind is not NodeKind.DECISION)
        fields = tuple(self.each(self.sequence(raw.get("fields"), (*path, "fields"),
                                               f"'fields' of {what}"),
                                 (*path, "fields"), self.capture_field))
        choices = tuple(self.each(self.sequence(raw.get("choices"), (*path, "choices"),
                                                f"'choices' of {what}"),
                                  (*path, "choices"), self.choice))
        branches = tuple(self.each(self.sequence(raw.get("branches"), (*path, "branches"),
                                                 f"'branches' of {what}"),
                                   (*path, "branches"), self.branch))
        codes = self.strings(raw, "wrapup_codes", path, what)
        self._check_shape(kind, raw, path, what, fields, choices, codes)
        return Node(
            id=node_id, kind=kind, location=self.at(path), text=text,
            next=self.target(raw, "next", path, what),
            choices=choices, answer=self.string(raw, "answer", path, what),
            fields=fields, branches=branches,
            otherwise=self.target(raw, "otherwise", path, what),
            target=self.string(raw, "target", path, what),
            callback_in_hours=self.number(raw, "in_hours", path, what),
            wrapup_codes=codes, note=self.text(raw, "note", path, what),
            source=self.file, locations=self.locations(raw, path),
        )

    def _check_shape(self, kind: NodeKind, raw: Mapping[str, Any], path: Path, what: str,
                     fields: tuple[CaptureField, ...], choices: tuple[Choice, ...],
                     codes: tuple[str, ...]) -> None:
        needs_next = kind in (NodeKind.SAY, NodeKind.CAPTURE, NodeKind.COMPLIANCE,
                              NodeKind.TRANSFER, NodeKind.CALLBACK)
        if kind is NodeKind.QUESTION:
            if "choices" in raw and "fields" in raw:
                self.problem(path, f"{what} has both 'choices' and 'fields': a question "
                             "branches on choices or captures fields")
            elif not choices and not fields:
                self.problem(path, f"{what} has neither 'choices' nor 'fields'")
            needs_next = bool(fields) and not choices
        if kind is NodeKind.CAPTURE and not fields and "fields" not in raw:
            self.problem(path, f"{what} has no 'fields'")
        if needs_next and raw.get("next") is None:
            self.problem(path, f"{what} has no 'next': every node but an end needs one")
        if kind is NodeKind.DECISION:
            if not raw.get("branches"):
                self.problem(path, f"{what} has no 'branches'")
            if raw.get("otherwise") is None:
                self.problem(path, f"{what} has no 'otherwise': a decision must always "
                             "lead somewhere")
        if kind is NodeKind.TRANSFER and raw.get("target") is None:
            self.problem(path, f"{what} has no 'target' (the queue or number suggested)")
        if kind is NodeKind.END and not codes:
            self.problem(path, f"{what} proposes no 'wrapup_codes'")

    def choice(self, data: Any, path: Path) -> Choice | None:
        raw = self.mapping(data, path, "a choice")
        if raw is None:
            return None
        self.known_keys(raw, path, ("label", "next", "value"), "a choice")
        label = self.text(raw, "label", path, "a choice", required=True)
        if label is None:
            return None
        return Choice(label=label, next=self.target(raw, "next", path, "a choice"),
                      location=self.at(path), value=self.string(raw, "value", path, "a choice"),
                      locations=self.locations(raw, path))

    def capture_field(self, data: Any, path: Path) -> CaptureField | None:
        raw = self.mapping(data, path, "a field")
        if raw is None:
            return None
        name = self.string(raw, "name", path, "a field", required=True)
        what = f"field '{name}'" if name else "a field"
        self.known_keys(raw, path, FIELD_KEYS, "a field")
        type_name = self.string(raw, "type", path, what) or "text"
        try:
            field_type = FieldType(type_name)
        except ValueError:
            self.problem((*path, "type"), f"unknown type '{type_name}' of {what} "
                         f"(known: {', '.join(t.value for t in FieldType)})")
            return None
        label = self.text(raw, "label", path, what, required=True)
        if name is None or label is None:
            return None
        options = tuple(self.each(self.sequence(raw.get("options"), (*path, "options"),
                                                f"'options' of {what}"),
                                  (*path, "options"), self.option))
        if field_type is FieldType.CHOICE and not options:
            self.problem(path, f"{what} of type choice has no 'options'")
        if field_type is FieldType.REGEX and raw.get("pattern") is None:
            self.problem(path, f"{what} of type regex has no 'pattern'")
        return CaptureField(
            name=name, type=field_type, label=label, location=self.at(path),
            required=self.boolean(raw, "required", path, what, True),
            pattern=self.string(raw, "pattern", path, what),
            minimum=self.number(raw, "min", path, what),
            maximum=self.number(raw, "max", path, what),
            options=options, hint=self.text(raw, "hint", path, what),
            locations=self.locations(raw, path),
        )

    def option(self, data: Any, path: Path) -> FieldOption | None:
        if isinstance(data, str | int) and not isinstance(data, bool):
            return FieldOption(str(data), LocalizedText.plain(str(data), self.at(path)),
                               self.at(path))
        raw = self.mapping(data, path, "an option")
        if raw is None:
            return None
        self.known_keys(raw, path, ("value", "label"), "an option")
        value = self.string(raw, "value", path, "an option", required=True)
        label = self.text(raw, "label", path, "an option")
        if value is None:
            return None
        return FieldOption(value, label or LocalizedText.plain(value, self.at(path)),
                           self.at(path))

    def branch(self, data: Any, path: Path) -> Branch | None:
        raw = self.mapping(data, path, "a branch")
        if raw is None:
            return None
        self.known_keys(raw, path, ("when", "next"), "a branch")
        if "when" not in raw:
            self.problem(path, "a branch has no 'when'")
            return None
        condition = self.condition(raw["when"], (*path, "when"))
        if condition is None:
            return None
        next_node = self.target(raw, "next", path, "a branch")
        if next_node is None and "next" not in raw:
            self.problem(path, "a branch has no 'next'")
        return Branch(condition, next_node, self.at(path), self.locations(raw, path))

    def condition(self, data: Any, path: Path) -> Condition | None:
        raw = self.mapping(data, path, "a condition")
        if raw is None:
            return None
        self.known_keys(raw, path, ("var", "op", "value", "all", "any"), "a condition")
        if "all" in raw or "any" in raw:
            group = "all" if "all" in raw else "any"
            parts = tuple(self.each(self.sequence(raw[group], (*path, group),
                                                  f"'{group}' of a condition"),
                                    (*path, group), self.condition))
            if group == "all":
                return Condition(self.at(path), all_of=parts)
            return Condition(self.at(path), any_of=parts)
        var = self.string(raw, "var", path, "a condition", required=True)
        op_name = self.string(raw, "op", path, "a condition") or "eq"
        try:
            op = Operator(op_name)
        except ValueError:
            self.problem((*path, "op"), f"unknown operator '{op_name}' "
                         f"(known: {', '.join(o.value for o in Operator)})")
            return None
        if var is None:
            return None
        if op not in (Operator.EMPTY, Operator.NOT_EMPTY) and "value" not in raw:
            self.problem(path, f"the condition on '{var}' has no 'value' to compare with")
        return Condition(self.at((*path, "var")), var=var, op=op, value=raw.get("value"))

    def objection(self, data: Any, path: Path) -> Objection | None:
        raw = self.mapping(data, path, "an objection")
        if raw is None:
            return None
        objection_id = self.string(raw, "id", path, "an objection", required=True)
        what = f"objection '{objection_id}'" if objection_id else "an objection"
        self.known_keys(raw, path, ("id", "title", "keywords", "rebuttals"), "an objection")
        title = self.text(raw, "title", path, what, required=True)
        rebuttals = tuple(self.each(self.sequence(raw.get("rebuttals"), (*path, "rebuttals"),
                                                  f"'rebuttals' of {what}"),
                                    (*path, "rebuttals"), self.rebuttal))
        if not raw.get("rebuttals"):
            self.problem(path, f"{what} has no 'rebuttals'")
        if objection_id is None or title is None:
            return None
        return Objection(objection_id, title, self.keywords(raw, path, what), rebuttals,
                         self.at(path))

    def keywords(self, raw: Mapping[str, Any], path: Path, what: str) -> tuple[str, ...]:
        value = raw.get("keywords")
        if isinstance(value, dict):  # per language: {en: [...], zh_CN: [...]}
            found: list[str] = []
            for language in value:
                found += self.strings(value, language, (*path, "keywords"), what)
            return tuple(found)
        return self.strings(raw, "keywords", path, what)

    def rebuttal(self, data: Any, path: Path) -> Rebuttal | None:
        raw = self.mapping(data, path, "a rebuttal")
        if raw is None:
            return None
        rebuttal_id = self.string(raw, "id", path, "a rebuttal", required=True)
        what = f"rebuttal '{rebuttal_id}'" if rebuttal_id else "a rebuttal"
        self.known_keys(raw, path, ("id", "text", "next"), "a rebuttal")
        text = self.text(raw, "text", path, what, required=True)
        if rebuttal_id is None or text is None:
            return None
        next_node = self.target(raw, "next", path, what)
        if next_node == "return":  # written out for readability: the default
            next_node = None
        return Rebuttal(rebuttal_id, text, self.at(path), next_node, self.locations(raw, path))


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return "a string"
