"""New-customer duplicate detection: same normalized number, same or similar name."""

from __future__ import annotations

import pytest

from agentdesk.core.customer_directory import Customer
from agentdesk.core.customer_duplicates import (
    DuplicateReason,
    NewCustomerDraft,
    find_duplicates,
    name_key,
    names_similarity,
)

EXISTING = [
    Customer(customer_id="C-1001", first_name="Lei", last_name="Li", phone="+8613800138000",
             native_name="李雷"),
    Customer(customer_id="C-1004", first_name="芳", last_name="王", phone="+8618612345678"),
    Customer(customer_id="C-1007", first_name="María", last_name="García",
             phone="+14155550123"),
    Customer(customer_id="C-1008", first_name="Jonathan", last_name="Smith",
             phone="+442079460958", other_phones=("+442079460000",)),
]


def hits(draft: NewCustomerDraft, region: str = "CN") -> list[tuple[str, tuple[str, ...]]]:
    return [(h.customer.customer_id, tuple(r.value for r in h.reasons))
            for h in find_duplicates(draft, EXISTING, region)]


@pytest.mark.parametrize(("draft", "region", "expected"), [
    (NewCustomerDraft("Zhang", "San", "138 0013 8000"), "CN",
     [("C-1001", ("same_number",))]),
    (NewCustomerDraft("Lei", "Li", "+8613800138000"), "CN",
     [("C-1001", ("same_number", "same_name"))]),
    (NewCustomerDraft("LI", "LEI", "+8613900000000"), "CN", [("C-1001", ("same_name",))]),
    (NewCustomerDraft("", "", "+8613900000000", native_name="李雷"), "CN",
     [("C-1001", ("same_name",))]),
    (NewCustomerDraft("芳", "王", "+8613900000000"), "CN", [("C-1004", ("same_name",))]),
    (NewCustomerDraft("", "", "+8613900000000", native_name="王 芳"), "CN",
     [("C-1004", ("same_name",))]),
    (NewCustomerDraft("Maria", "Garcia", "+8613900000000"), "CN",
     [("C-1007", ("same_name",))]),  # accents folded
    (NewCustomerDraft("Jonathon", "Smith", "+8613900000000"), "CN",
     [("C-1008", ("similar_name",))]),  # one letter off
    (NewCustomerDraft("Anna", "Smith", "020 7946 0000"), "GB",
     [("C-1008", ("same_number",))]),  # a second number of the customer
    (NewCustomerDraft("Wei", "Zhang", "+8613900000000"), "CN", []),
    (NewCustomerDraft("芳", "黄", "+8613900000000"), "CN", []),  # two characters, one differs
])
def test_duplicates(draft: NewCustomerDraft, region: str,
                    expected: list[tuple[str, tuple[str, ...]]]) -> None:
    assert hits(draft, region) == expected


def test_number_matches_come_before_name_matches() -> None:
    found = find_duplicates(NewCustomerDraft("Lei", "Li", "+8618612345678"), EXISTING, "CN")
    assert [h.customer.customer_id for h in found] == ["C-1004", "C-1001"]
    assert found[0].reasons == (DuplicateReason.SAME_NUMBER,)


@pytest.mark.parametrize(("a", "b", "same", "similar"), [
    ("王小明", "王晓明", False, True),  # one character of three misheard
    ("王小明", "李小红", False, False),
    ("ＬＩ　Ｌｅｉ", "li lei", True, True),  # full-width forms
    ("Jean-Luc Picard", "jean luc picard", True, True),
    ("Smith", "Smyth", False, False),  # too short to call similar at 0.85
    ("", "Li Lei", False, False),
])
def test_name_similarity(a: str, b: str, same: bool, similar: bool) -> None:
    assert names_similarity(a, b) == (same, similar)


def test_name_key_folds_case_accents_and_spaces() -> None:
    assert name_key("  José   ÁLVAREZ ") == "jose alvarez"
    assert name_key("欧阳 · 娜娜") == "欧阳娜娜"
