"""Wrap-up (disposition) code sets and not-ready reasons, and the rules of a wrap-up.

A code set belongs to queues and/or campaigns (a set that names neither is the
default). Codes are grouped by category (category -> code); each code carries flags
(contact made, first-contact resolution, sale, complaint, callback required, DNC
request, requires note, requires amount), labels per language and an optional
hotkey. The set says whether a call may get several codes, how long a wrap-up may be
re-opened, and its ACW policy.

Code files are YAML written by an admin and imported on the server
(`agentdesk-server import codes FILE.yaml`), so every mistake is reported with the
file, line, column and field; documents pulled from the server go through the same
checks (without lines). `CodeSet.from_document(set.to_document()) == set`.

Validation follows the flags: a wrap-up with a `requires_note` code needs a note, and
so on. A re-opened wrap-up is a new record that supersedes the old one, only within
the set's window: the change is recorded, never overwritten.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from agentdesk.core.acw import AUTO_WRAP_CODE, AcwPolicy, AcwPolicyError
from agentdesk.core.records import E164, Callback, CallbackOwner, WrapUp
from agentdesk.core.yaml_errors import describe_yaml_error

Path = tuple[str | int, ...]


class CodeFlag(Enum):
    CONTACT_MADE = "contact_made"
    FIRST_CONTACT_RESOLUTION = "first_contact_resolution"
    SALE = "sale"
    COMPLAINT = "complaint"
    CALLBACK_REQUIRED = "callback_required"
    DNC_REQUEST = "dnc_request"
    REQUIRES_NOTE = "requires_note"
    REQUIRES_AMOUNT = "requires_amount"


# --- the model ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Label:
    """A text with translations; `text(language)` falls back to the default."""

    default: str
    translations: tuple[tuple[str, str], ...] = ()  # (language, text), sorted

    def text(self, language: str) -> str:
        found = dict(self.translations)
        if language in found:
            return found[language]
        base = language.split("_")[0]  # "zh" finds "zh_CN", "zh_TW" finds "zh"
        for candidate, text in self.translations:
            if candidate == base or candidate.split("_")[0] == base:
                return text
        return self.default

    def all_texts(self) -> tuple[str, ...]:
        return (self.default, *(text for _, text in self.translations))

    def translations_document(self) -> dict[str, str]:
        return dict(self.translations)


@dataclass(frozen=True, slots=True)
class WrapUpCode:
    code: str
    category: str  # the category id
    label: Label
    flags: frozenset[CodeFlag] = frozenset()
    hotkey: str | None = None  # portable key text, e.g. "Alt+1" or "F5"

    def has(self, flag: CodeFlag) -> bool:
        return flag in self.flags


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    label: Label


@dataclass(frozen=True, slots=True)
class AppliesTo:
    queues: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()

    @property
    def is_default(self) -> bool:
        return not self.queues and not self.campaigns


@dataclass(frozen=True, slots=True)
class CodeSet:
    id: str
    label: Label
    categories: tuple[Category, ...]
    codes: tuple[WrapUpCode, ...]  # in display order, grouped by category
    multiple: bool = False  # several codes per call
    reopen_minutes: int = 0  # 0: a saved wrap-up cannot be re-opened
    applies_to: AppliesTo = field(default_factory=AppliesTo)
    acw: AcwPolicy = field(default_factory=AcwPolicy)

    def code(self, code: str) -> WrapUpCode | None:
        for candidate in self.codes:
            if candidate.code == code:
                return candidate
        return None

    def category(self, category_id: str) -> Category | None:
        for candidate in self.categories:
            if candidate.id == category_id:
                return candidate
        return None

    def codes_in(self, category_id: str) -> tuple[WrapUpCode, ...]:
        return tuple(c for c in self.codes if c.category == category_id)

    def to_document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label.default,
            "labels": self.label.translations_document(),
            "multiple": self.multiple,
            "reopen_minutes": self.reopen_minutes,
            "applies_to": {"queues": list(self.applies_to.queues),
                           "campaigns": list(self.applies_to.campaigns)},
            "acw": self.acw.to_document(),
            "categories": [
                {
                    "id": category.id,
                    "label": category.label.default,
                    "labels": category.label.translations_document(),
                    "codes": [_code_document(code) for code in self.codes_in(category.id)],
                }
                for category in self.categories
            ],
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], source: str = "<document>") -> CodeSet:
        checker = _Checker()
        code_set = checker.code_set(doc, ())
        checker.raise_if_any(source, {})
        assert code_set is not None
        return code_set


def _code_document(code: WrapUpCode) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "code": code.code,
        "label": code.label.default,
        "labels": code.label.translations_document(),
        "flags": [flag.value for flag in CodeFlag if flag in code.flags],
    }
    if code.hotkey is not None:
        doc["hotkey"] = code.hotkey
    return doc


@dataclass(frozen=True, slots=True)
class NotReadyReason:
    code: str
    label: Label
    paid: bool = False  # a paid break counts as working time in occupancy

    def to_document(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label.default,
                "labels": self.label.translations_document(), "paid": self.paid}

    @classmethod
    def from_document(cls, doc: Mapping[str, Any],
                      source: str = "<document>") -> NotReadyReason:
        checker = _Checker()
        reason = checker.not_ready_reason(doc, ())
        checker.raise_if_any(source, {})
        assert reason is not None
        return reason


@dataclass(frozen=True, slots=True)
class CodeFile:
    code_sets: tuple[CodeSet, ...]
    not_ready_reasons: tuple[NotReadyReason, ...]


@dataclass(frozen=True, slots=True)
class CodeProblem:
    field: str  # e.g. "code_sets[0].categories[1].codes[2].flags[0]"
    message: str
    source: str
    line: int | None = None  # 1-based; None for documents without lines
    column: int | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        return f"{where}: {self.field or '(top)'}: {self.message}"


class CodeFileError(ValueError):
    """A code file or document is wrong; every problem names file, line, column, field."""

    def __init__(self, problems: Sequence[CodeProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)
        first = self.problems[0]
        self.source = first.source
        self.line = first.line
        self.column = first.column
        self.field = first.field


# --- reading YAML and documents -------------------------------------------------------

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
_HOTKEY = re.compile(r"^((?:(?:Ctrl|Alt|Shift|Meta)\+)*)([A-Z0-9]|F(?:[1-9]|1[0-2]))$",
                     re.IGNORECASE)
# editing and saving keys of the form's text fields stay theirs, and so does Ctrl+L
# (the number field); Ctrl+Shift+letter belongs to the call actions (ui/shortcuts.py)
_RESERVED_HOTKEYS = frozenset({"Ctrl+S", "Ctrl+A", "Ctrl+C", "Ctrl+V", "Ctrl+X", "Ctrl+Z",
                               "Ctrl+Y", "Ctrl+L"})
_MODIFIER_ORDER = ("Ctrl", "Alt", "Shift", "Meta")


def normalize_hotkey(text: str) -> str | None:
    """'alt+1' -> 'Alt+1'; None when it is not a key the form can bind."""
    match = _HOTKEY.match(text.strip())
    if match is None:
        return None
    modifiers = {part.capitalize() for part in match.group(1).split("+") if part}
    key = match.group(2).upper()
    return "+".join([*(m for m in _MODIFIER_ORDER if m in modifiers), key])


class _Checker:
    """Turns plain data into the model, collecting (path, message) problems."""

    def __init__(self) -> None:
        self.problems: list[tuple[Path, str]] = []

    def fail(self, path: Path, message: str) -> None:
        self.problems.append((path, message))

    def raise_if_any(self, source: str, positions: Mapping[Path, tuple[int, int]]) -> None:
        if not self.problems:
            return
        found = []
        for path, message in self.problems:
            line, column = _position(path, positions)
            found.append(CodeProblem(_field_name(path), message, source, line, column))
        found.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise CodeFileError(found)

    # generic shapes

    def mapping(self, value: Any, path: Path, required: Iterable[str],
                optional: Iterable[str]) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.fail(path, "must be a mapping (key: value)")
            return None
        required = tuple(required)
        known = set(required) | set(optional)
        for key in value:
            if key not in known:
                self.fail((*path, key),
                          f"unknown field; expected one of {', '.join(sorted(known))}")
        for key in required:
            if key not in value:
                self.fail(path, f"missing field '{key}'")
        return value

    def sequence(self, value: Any, path: Path) -> Sequence[Any]:
        if not isinstance(value, list | tuple):
            self.fail(path, "must be a list")
            return ()
        return value

    def text(self, value: Any, path: Path) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "must be non-empty text")
            return ""
        return value.strip()

    def identifier(self, value: Any, path: Path) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # `code: 101` is a fine code
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(path, "must be an id: letters, digits, '_', '-' or '.', no spaces")
            return ""
        return value

    def flag(self, value: Any, path: Path, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(path, "must be true or false")
            return default
        return value

    def whole_number(self, value: Any, path: Path, default: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(path, "must be a whole number, 0 or more")
            return default
        return value

    def label(self, doc: Mapping[str, Any], path: Path) -> Label:
        default = self.text(doc.get("label"), (*path, "label")) if "label" in doc else ""
        translations = []
        raw = doc.get("labels")
        if raw is not None:
            labels_path = (*path, "labels")
            if not isinstance(raw, Mapping):
                self.fail(labels_path, "must map a language (en, zh_CN, ...) to a text")
            else:
                for language, text in raw.items():
                    if not isinstance(language, str) or not _LANGUAGE.match(language):
                        self.fail((*labels_path, str(language)),
                                  "is not a language code like en or zh_CN")
                        continue
                    translations.append((language, self.text(text, (*labels_path, language))))
        return Label(default, tuple(sorted(translations)))

    def id_list(self, value: Any, path: Path) -> tuple[str, ...]:
        if value is None:
            return ()
        items = [self.identifier(item, (*path, i))
                 for i, item in enumerate(self.sequence(value, path))]
        return tuple(items)

    # the model

    def code_set(self, value: Any, path: Path) -> CodeSet | None:
        doc = self.mapping(value, path, ("id", "label", "categories"),
                           ("labels", "multiple", "reopen_minutes", "applies_to", "acw"))
        if doc is None:
            return None
        set_id = self.identifier(doc.get("id"), (*path, "id"))
        applies_to = AppliesTo()
        if doc.get("applies_to") is not None:
            target_path = (*path, "applies_to")
            target = self.mapping(doc["applies_to"], target_path, (), ("queues", "campaigns"))
            if target is not None:
                applies_to = AppliesTo(
                    self.id_list(target.get("queues"), (*target_path, "queues")),
                    self.id_list(target.get("campaigns"), (*target_path, "campaigns")))
        acw = AcwPolicy()
        if doc.get("acw") is not None:
            if not isinstance(doc["acw"], Mapping):
                self.fail((*path, "acw"), "must be a mapping with mode, seconds, extend_seconds")
            else:
                try:
                    acw = AcwPolicy.from_document(doc["acw"])
                except AcwPolicyError as exc:
                    self.fail((*path, "acw", exc.field), exc.message)
        categories: list[Category] = []
        codes: list[WrapUpCode] = []
        hotkeys: dict[str, str] = {}
        categories_path = (*path, "categories")
        raw_categories = self.sequence(doc.get("categories", []), categories_path)
        if "categories" in doc and not raw_categories:
            self.fail(categories_path, "a code set needs at least one category")
        for index, raw in enumerate(raw_categories):
            category_path = (*categories_path, index)
            category = self.mapping(raw, category_path, ("id", "label", "codes"), ("labels",))
            if category is None:
                continue
            category_id = self.identifier(category.get("id"), (*category_path, "id"))
            if any(c.id == category_id for c in categories):
                self.fail((*category_path, "id"), f"category '{category_id}' is defined twice")
            categories.append(Category(category_id, self.label(category, category_path)))
            codes_path = (*category_path, "codes")
            raw_codes = self.sequence(category.get("codes", []), codes_path)
            if "codes" in category and not raw_codes:
                self.fail(codes_path, "a category needs at least one code")
            for code_index, raw_code in enumerate(raw_codes):
                code = self.code((*codes_path, code_index), raw_code, category_id)
                if code is None:
                    continue
                if any(c.code == code.code for c in codes):
                    self.fail((*codes_path, code_index, "code"),
                              f"code '{code.code}' is defined twice in this set")
                if code.hotkey is not None:
                    if code.hotkey in hotkeys:
                        self.fail((*codes_path, code_index, "hotkey"),
                                  f"{code.hotkey} is already the hotkey of "
                                  f"'{hotkeys[code.hotkey]}'")
                    hotkeys[code.hotkey] = code.code
                codes.append(code)
        return CodeSet(
            set_id, self.label(doc, path), tuple(categories), tuple(codes),
            multiple=self.flag(doc.get("multiple"), (*path, "multiple"), False),
            reopen_minutes=self.whole_number(doc.get("reopen_minutes"),
                                             (*path, "reopen_minutes"), 0),
            applies_to=applies_to, acw=acw)

    def code(self, path: Path, value: Any, category_id: str) -> WrapUpCode | None:
        doc = self.mapping(value, path, ("code", "label"), ("labels", "flags", "hotkey"))
        if doc is None:
            return None
        code = self.identifier(doc.get("code"), (*path, "code"))
        if code == AUTO_WRAP_CODE:
            self.fail((*path, "code"), f"{AUTO_WRAP_CODE} is reserved for the ACW timeout")
        flags: set[CodeFlag] = set()
        names = [flag.value for flag in CodeFlag]
        flags_path = (*path, "flags")
        for index, raw in enumerate(self.sequence(doc.get("flags", []), flags_path)):
            if raw not in names:
                self.fail((*flags_path, index),
                          f"unknown flag {raw!r}; flags are {', '.join(names)}")
            else:
                flags.add(CodeFlag(raw))
        hotkey = None
        if doc.get("hotkey") is not None:
            raw_hotkey = doc["hotkey"]
            hotkey = normalize_hotkey(raw_hotkey) if isinstance(raw_hotkey, str) else None
            if hotkey is None:
                self.fail((*path, "hotkey"), "must be F1-F12 or Ctrl/Alt with a letter "
                                             "or digit, e.g. Alt+1")
            elif not (re.fullmatch(r"F\d+", hotkey) or "Ctrl" in hotkey or "Alt" in hotkey):
                self.fail((*path, "hotkey"), "needs Ctrl or Alt (plain keys type text)")
                hotkey = None
            elif hotkey.startswith("Ctrl+Shift+"):
                self.fail((*path, "hotkey"), "Ctrl+Shift keys are the call actions'")
                hotkey = None
            elif hotkey in _RESERVED_HOTKEYS:
                self.fail((*path, "hotkey"), f"{hotkey} is reserved for editing or saving")
                hotkey = None
        return WrapUpCode(code, category_id, self.label(doc, path), frozenset(flags), hotkey)

    def not_ready_reason(self, value: Any, path: Path) -> NotReadyReason | None:
        doc = self.mapping(value, path, ("code", "label"), ("labels", "paid"))
        if doc is None:
            return None
        return NotReadyReason(self.identifier(doc.get("code"), (*path, "code")),
                              self.label(doc, path),
                              self.flag(doc.get("paid"), (*path, "paid"), False))


def _field_name(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _position(path: Path, positions: Mapping[Path, tuple[int, int]]) -> tuple[int | None,
                                                                               int | None]:
    for end in range(len(path), -1, -1):
        found = positions.get(path[:end])
        if found is not None:
            return found
    return None, None


def _yaml_data(text: str, source: str) -> tuple[Any, dict[Path, tuple[int, int]]]:
    """Plain data plus the (line, column) of every value; marks are what safe_load drops."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        place = describe_yaml_error(exc)
        raise CodeFileError([CodeProblem("", place.message, source, place.line,
                                         place.column)]) from exc
    if root is None:
        raise CodeFileError([CodeProblem("", "the file is empty", source, 1, 1)])
    positions: dict[Path, tuple[int, int]] = {}
    duplicates: list[CodeProblem] = []
    constructor = yaml.SafeLoader("")

    def convert(node: yaml.Node, path: Path) -> Any:
        positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(constructor.construct_object(key_node, deep=True))
                if key in result:
                    duplicates.append(CodeProblem(
                        _field_name((*path, key)), "duplicate key", source,
                        key_node.start_mark.line + 1, key_node.start_mark.column + 1))
                    continue
                result[key] = convert(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [convert(item, (*path, i)) for i, item in enumerate(node.value)]
        value = constructor.construct_object(node, deep=True)
        return value.isoformat() if isinstance(value, dt.date) else value

    data = convert(root, ())
    if duplicates:
        raise CodeFileError(duplicates)
    return data, positions


def parse_code_file(text: str, source: str) -> CodeFile:
    """Read a code file (YAML: `code_sets:` and/or `not_ready_reasons:`).

    Raises CodeFileError listing every problem with file, line, column and field.
    """
    data, positions = _yaml_data(text, source)
    checker = _Checker()
    top = checker.mapping(data, (), (), ("code_sets", "not_ready_reasons"))
    code_sets: list[CodeSet] = []
    reasons: list[NotReadyReason] = []
    if top is not None:
        if "code_sets" not in top and "not_ready_reasons" not in top:
            checker.fail((), "expected 'code_sets' and/or 'not_ready_reasons'")
        for i, raw in enumerate(checker.sequence(top.get("code_sets", []), ("code_sets",))):
            code_set = checker.code_set(raw, ("code_sets", i))
            if code_set is None:
                continue
            if any(other.id == code_set.id for other in code_sets):
                checker.fail(("code_sets", i, "id"), f"code set '{code_set.id}' is defined twice")
            _check_overlap(checker, code_sets, code_set, ("code_sets", i, "applies_to"))
            code_sets.append(code_set)
        reasons_path: Path = ("not_ready_reasons",)
        for i, raw in enumerate(checker.sequence(top.get("not_ready_reasons", []),
                                                 reasons_path)):
            reason = checker.not_ready_reason(raw, (*reasons_path, i))
            if reason is None:
                continue
            if any(other.code == reason.code for other in reasons):
                checker.fail((*reasons_path, i, "code"),
                             f"reason '{reason.code}' is defined twice")
            reasons.append(reason)
    checker.raise_if_any(source, positions)
    return CodeFile(tuple(code_sets), tuple(reasons))


def _check_overlap(checker: _Checker, earlier: Sequence[CodeSet], code_set: CodeSet,
                   path: Path) -> None:
    """Each queue, campaign (and the default) picks exactly one set."""
    for other in earlier:
        if code_set.applies_to.is_default and other.applies_to.is_default:
            checker.fail(path, f"'{other.id}' is already the default set (it names no "
                               f"queue or campaign)")
        for queue in set(code_set.applies_to.queues) & set(other.applies_to.queues):
            checker.fail((*path, "queues"), f"queue '{queue}' already uses set '{other.id}'")
        for campaign in set(code_set.applies_to.campaigns) & set(other.applies_to.campaigns):
            checker.fail((*path, "campaigns"),
                         f"campaign '{campaign}' already uses set '{other.id}'")


# --- choosing and filtering -----------------------------------------------------------


def select_code_set(code_sets: Iterable[CodeSet], *, queue: str | None = None,
                    campaign_id: str | None = None) -> CodeSet | None:
    """The set for a call: its campaign's, else its queue's, else the default set."""
    ordered = sorted(code_sets, key=lambda s: s.id)
    if campaign_id:
        for code_set in ordered:
            if campaign_id in code_set.applies_to.campaigns:
                return code_set
    if queue:
        for code_set in ordered:
            if queue in code_set.applies_to.queues:
                return code_set
    for code_set in ordered:
        if code_set.applies_to.is_default:
            return code_set
    return None


def filter_codes(code_set: CodeSet, typed: str) -> list[WrapUpCode]:
    """The codes matching what the agent typed, best first.

    Every word must appear (case-insensitive) in the code, a label in any language or
    the category's label, so an agent in the Chinese UI can still type "refund", and
    "账单" finds the billing codes. Exact code, then prefix matches come first; the
    set's order is kept among equals.
    """
    words = typed.casefold().split()
    if not words:
        return list(code_set.codes)
    ranked: list[tuple[int, int, WrapUpCode]] = []
    for position, code in enumerate(code_set.codes):
        category = code_set.category(code.category)
        own = [code.code.casefold(), *(t.casefold() for t in code.label.all_texts())]
        haystack = own + ([t.casefold() for t in category.label.all_texts()]
                          if category else [])
        if not all(any(word in text for text in haystack) for word in words):
            continue
        whole = " ".join(words)
        if code.code.casefold() == whole:
            rank = 0
        elif any(text.startswith(words[0]) for text in own):
            rank = 1
        else:
            rank = 2
        ranked.append((rank, position, code))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [code for _, _, code in ranked]


# --- validating and building a wrap-up ------------------------------------------------


@dataclass(frozen=True, slots=True)
class WrapUpEntry:
    """What the agent entered in the wrap-up form."""

    codes: tuple[str, ...]
    note: str = ""
    amount: Decimal | None = None
    callback_at: datetime | None = None  # an instant (aware); shown in the customer's zone
    callback_timezone: str = ""  # the customer's IANA zone, e.g. "Asia/Shanghai"
    callback_owner: CallbackOwner = CallbackOwner.ME
    callback_note: str = ""


class WrapUpField(Enum):
    CODES = "codes"
    NOTE = "note"
    AMOUNT = "amount"
    CALLBACK_AT = "callback_at"
    CALLBACK_TIMEZONE = "callback_timezone"
    CALLBACK_NOTE = "callback_note"
    REOPEN = "reopen"


@dataclass(frozen=True, slots=True)
class WrapUpProblem:
    field: WrapUpField
    kind: str  # a stable id the UI translates, e.g. "note_required"
    message: str  # English, for logs and tests
    code: str | None = None  # the code whose flag asks for it


class WrapUpInvalidError(ValueError):
    def __init__(self, problems: Sequence[WrapUpProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = tuple(problems)


def flags_of(code_set: CodeSet, codes: Iterable[str]) -> frozenset[CodeFlag]:
    flags: set[CodeFlag] = set()
    for code in codes:
        found = code_set.code(code)
        if found is not None:
            flags |= found.flags
    return frozenset(flags)


def _first_with(code_set: CodeSet, codes: Sequence[str], flag: CodeFlag) -> str | None:
    for code in codes:
        found = code_set.code(code)
        if found is not None and found.has(flag):
            return code
    return None


def callback_wanted(code_set: CodeSet, entry: WrapUpEntry) -> bool:
    """A callback is booked when a code requires one or the agent set a time anyway."""
    return (entry.callback_at is not None
            or _first_with(code_set, entry.codes, CodeFlag.CALLBACK_REQUIRED) is not None)


def validate_wrapup(code_set: CodeSet, entry: WrapUpEntry, now: datetime, *,
                    customer_id: str | None = None,
                    callback_number: str | None = None) -> list[WrapUpProblem]:
    """Every problem of the entry, in form order; empty when it may be saved.

    A callback needs someone to call back: the identified customer or, for a caller
    with no customer file, the call's own number (E.164)."""
    problems: list[WrapUpProblem] = []
    codes = entry.codes

    def add(where: WrapUpField, kind: str, message: str, code: str | None = None) -> None:
        problems.append(WrapUpProblem(where, kind, message, code))

    if not codes:
        add(WrapUpField.CODES, "code_required", "choose a wrap-up code")
    for code in codes:
        if code == AUTO_WRAP_CODE:
            add(WrapUpField.CODES, "code_reserved",
                f"{AUTO_WRAP_CODE} is set only by the ACW timeout", code)
        elif code_set.code(code) is None:
            add(WrapUpField.CODES, "code_unknown", f"'{code}' is not in set '{code_set.id}'",
                code)
    if len(set(codes)) != len(codes):
        add(WrapUpField.CODES, "code_repeated", "a code is chosen twice")
    if len(codes) > 1 and not code_set.multiple:
        add(WrapUpField.CODES, "codes_single", "this code set allows one code per call")

    needs_note = _first_with(code_set, codes, CodeFlag.REQUIRES_NOTE)
    if needs_note and not entry.note.strip():
        add(WrapUpField.NOTE, "note_required", f"'{needs_note}' needs a note", needs_note)

    needs_amount = _first_with(code_set, codes, CodeFlag.REQUIRES_AMOUNT)
    if entry.amount is not None and (not entry.amount.is_finite() or entry.amount <= 0):
        add(WrapUpField.AMOUNT, "amount_not_positive", "the amount must be above 0",
            needs_amount)
    elif needs_amount and entry.amount is None:
        add(WrapUpField.AMOUNT, "amount_required", f"'{needs_amount}' needs an amount",
            needs_amount)

    if callback_wanted(code_set, entry):
        problems.extend(_callback_problems(code_set, entry, now, customer_id,
                                           callback_number))
    return problems


def callback_reachable(customer_id: str | None, callback_number: str | None) -> bool:
    """Whom a callback would call: a customer, else a dialable E.164 number."""
    return bool(customer_id) or (callback_number is not None
                                 and E164.fullmatch(callback_number) is not None)


def _callback_problems(code_set: CodeSet, entry: WrapUpEntry, now: datetime,
                       customer_id: str | None,
                       callback_number: str | None) -> list[WrapUpProblem]:
    code = _first_with(code_set, entry.codes, CodeFlag.CALLBACK_REQUIRED)
    problems = []
    if not callback_reachable(customer_id, callback_number):
        problems.append(WrapUpProblem(
            WrapUpField.CALLBACK_AT, "callback_customer_unknown",
            "a callback needs an identified customer or the caller's number", code))
    if entry.callback_at is None:
        problems.append(WrapUpProblem(WrapUpField.CALLBACK_AT, "callback_time_required",
                                      "a callback needs a time", code))
    elif entry.callback_at.tzinfo is None:
        problems.append(WrapUpProblem(WrapUpField.CALLBACK_AT, "callback_time_naive",
                                      "the callback time needs a time zone", code))
    elif entry.callback_at <= now:
        problems.append(WrapUpProblem(WrapUpField.CALLBACK_AT, "callback_time_past",
                                      "the callback time must be in the future", code))
    if not entry.callback_timezone:
        problems.append(WrapUpProblem(WrapUpField.CALLBACK_TIMEZONE,
                                      "callback_timezone_required",
                                      "a callback needs the customer's time zone", code))
    elif not _known_zone(entry.callback_timezone):
        problems.append(WrapUpProblem(WrapUpField.CALLBACK_TIMEZONE,
                                      "callback_timezone_unknown",
                                      f"unknown time zone '{entry.callback_timezone}'", code))
    if not entry.callback_note.strip():
        problems.append(WrapUpProblem(WrapUpField.CALLBACK_NOTE, "callback_note_required",
                                      "a callback needs a note: what was promised", code))
    return problems


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def reopen_deadline(code_set: CodeSet, original: WrapUp) -> datetime | None:
    """Until when `original` may be re-opened; None when the set allows no re-open."""
    if code_set.reopen_minutes <= 0:
        return None
    return original.saved_at + timedelta(minutes=code_set.reopen_minutes)


def may_reopen(code_set: CodeSet, original: WrapUp, now: datetime) -> bool:
    deadline = reopen_deadline(code_set, original)
    return deadline is not None and now <= deadline


class ReopenRefusal(Enum):
    """Why a call's wrap-up cannot be changed now (the UI translates each)."""

    NOT_WRAPPED_UP = "not_wrapped_up"  # nothing saved yet: finish it, don't re-open it
    NO_CODE_SET = "no_code_set"  # no code set reaches this call any more
    NOT_ALLOWED = "not_allowed"  # the call's set allows no re-open (reopen_minutes 0)
    WINDOW_OVER = "window_over"  # the set's re-open window has passed


@dataclass(frozen=True, slots=True)
class ReopenStatus:
    deadline: datetime | None  # until when the current wrap-up may be changed
    refusal: ReopenRefusal | None  # None: it may be re-opened now

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def reopen_status(code_set: CodeSet | None, current: WrapUp | None,
                  now: datetime) -> ReopenStatus:
    """Whether the call's current wrap-up may be re-opened now, and until when.

    The window runs from the current (newest) wrap-up's save: a change re-opens the
    window for the change, as the wrap-up it supersedes stays recorded anyway."""
    if current is None:
        return ReopenStatus(None, ReopenRefusal.NOT_WRAPPED_UP)
    if code_set is None:
        return ReopenStatus(None, ReopenRefusal.NO_CODE_SET)
    deadline = reopen_deadline(code_set, current)
    if deadline is None:
        return ReopenStatus(None, ReopenRefusal.NOT_ALLOWED)
    if now > deadline:
        return ReopenStatus(deadline, ReopenRefusal.WINDOW_OVER)
    return ReopenStatus(deadline, None)


@dataclass(frozen=True, slots=True)
class WrapUpResult:
    wrapup: WrapUp
    callback: Callback | None
    flags: frozenset[CodeFlag] = field(default_factory=frozenset)

    @property
    def dnc_requested(self) -> bool:
        """The customer asked not to be called: the caller marks the customer DNC."""
        return CodeFlag.DNC_REQUEST in self.flags


def build_wrapup(code_set: CodeSet, entry: WrapUpEntry, *, call_record_id: UUID,
                 customer_id: str | None, now: datetime,
                 reopens: WrapUp | None = None,
                 callback_number: str | None = None) -> WrapUpResult:
    """The wrap-up (and its callback) to save; raises WrapUpInvalidError listing problems.

    With `reopens`, the result is a new wrap-up that supersedes it (never an edit),
    allowed only within the set's re-open window. `callback_number` is the call's
    remote number (E.164): a callback promised to a caller with no customer file is
    made to it.
    """
    problems = validate_wrapup(code_set, entry, now, customer_id=customer_id,
                               callback_number=callback_number)
    if reopens is not None:
        if reopens.call_record_id != call_record_id:
            problems.insert(0, WrapUpProblem(WrapUpField.REOPEN, "reopen_other_call",
                                             "the re-opened wrap-up belongs to another call"))
        elif not may_reopen(code_set, reopens, now):
            problems.insert(0, WrapUpProblem(
                WrapUpField.REOPEN, "reopen_closed",
                f"a wrap-up can be re-opened only within {code_set.reopen_minutes} minutes"))
    if problems:
        raise WrapUpInvalidError(problems)
    callback = None
    if callback_wanted(code_set, entry):
        assert entry.callback_at is not None
        callback = Callback(customer_id or None, entry.callback_at, entry.callback_timezone,
                            entry.callback_owner, entry.callback_note.strip(), now,
                            call_record_id,
                            callback_number=None if customer_id else callback_number)
    wrapup = WrapUp(call_record_id, entry.codes, now, note=entry.note.strip(),
                    amount=entry.amount,
                    callback_at=callback.due_at if callback else None,
                    supersedes_id=reopens.id if reopens else None)
    return WrapUpResult(wrapup, callback, flags_of(code_set, entry.codes))
