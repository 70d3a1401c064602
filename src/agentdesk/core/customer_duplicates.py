"""Before a new customer is saved: is this person already on file?

Two kinds of evidence: the same normalized number (certain enough to warn loudly),
and a similar name. Names are compared the way people write them: Latin names
case-, accent- and order-insensitively ("Li Lei" is "LEI LI"), with a little room for
a typo; Chinese names as the full name in native order, so "王芳" matches a customer
stored as first_name "芳" / last_name "王" or with native_name "王芳", and a name
that differs by one character of three is "similar" (a common mishearing on the
phone). Full-width forms and stray spaces are folded away first (NFKC).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import Enum

from agentdesk.core.caller_identity import normalize_number
from agentdesk.core.customer_directory import Customer

LATIN_SIMILARITY = 0.85  # SequenceMatcher ratio at or above which names are "similar"


class DuplicateReason(Enum):
    SAME_NUMBER = "same_number"
    SAME_NAME = "same_name"
    SIMILAR_NAME = "similar_name"


@dataclass(frozen=True, slots=True)
class NewCustomerDraft:
    """What the agent typed into the new-customer form."""

    first_name: str
    last_name: str
    phone: str  # as typed; normalized with the seat's region for comparison
    email: str = ""
    native_name: str = ""
    account: str = ""
    language: str = ""
    note: str = ""

    @property
    def full_name(self) -> str:
        if self.native_name:
            return self.native_name
        if is_cjk(self.last_name + self.first_name):
            return f"{self.last_name}{self.first_name}"
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class DuplicateHit:
    customer: Customer
    reasons: tuple[DuplicateReason, ...]  # strongest first


def is_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK") for ch in text)


def name_key(name: str) -> str:
    """Folded form for comparison: NFKC, no accents, lower case, single spaces."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    if is_cjk(plain):
        return "".join(ch for ch in plain if not ch.isspace() and ch not in "·・.")
    return " ".join(plain.replace("-", " ").replace(".", " ").split())


def _latin_forms(name: str) -> set[str]:
    tokens = name_key(name).split()
    return {" ".join(tokens), " ".join(sorted(tokens))} if tokens else set()


def names_similarity(a: str, b: str) -> tuple[bool, bool]:
    """(same, similar) for two full names; same implies similar."""
    key_a, key_b = name_key(a), name_key(b)
    if not key_a or not key_b:
        return False, False
    if is_cjk(key_a) or is_cjk(key_b):
        if key_a == key_b:
            return True, True
        if len(key_a) == len(key_b) >= 3:
            differing = sum(1 for x, y in zip(key_a, key_b, strict=True) if x != y)
            return False, differing == 1
        return False, False
    forms_a, forms_b = _latin_forms(a), _latin_forms(b)
    if forms_a & forms_b:
        return True, True
    best = max(SequenceMatcher(None, x, y).ratio() for x in forms_a for y in forms_b)
    return False, best >= LATIN_SIMILARITY


def _customer_names(customer: Customer) -> list[str]:
    names = [f"{customer.first_name} {customer.last_name}",
             f"{customer.last_name}{customer.first_name}" if is_cjk(
                 customer.last_name + customer.first_name) else ""]
    if customer.native_name:
        names.append(customer.native_name)
    return [n for n in names if n.strip()]


def find_duplicates(draft: NewCustomerDraft, existing: Sequence[Customer],
                    region: str) -> list[DuplicateHit]:
    """Customers the draft may duplicate, number matches first, then by name."""
    number = normalize_number(draft.phone, region)
    draft_names = [n for n in (draft.full_name, f"{draft.first_name} {draft.last_name}")
                   if n.strip()]
    hits: list[DuplicateHit] = []
    seen: set[str] = set()
    for customer in existing:
        if customer.customer_id in seen:
            continue
        seen.add(customer.customer_id)
        reasons: list[DuplicateReason] = []
        if number and number in customer.phones:
            reasons.append(DuplicateReason.SAME_NUMBER)
        same = similar = False
        for mine in draft_names:
            for theirs in _customer_names(customer):
                s, sim = names_similarity(mine, theirs)
                same, similar = same or s, similar or sim
        if same:
            reasons.append(DuplicateReason.SAME_NAME)
        elif similar:
            reasons.append(DuplicateReason.SIMILAR_NAME)
        if reasons:
            hits.append(DuplicateHit(customer, tuple(reasons)))
    order = list(DuplicateReason)
    hits.sort(key=lambda h: (order.index(h.reasons[0]), len(h.reasons) * -1,
                             h.customer.customer_id))
    return hits
