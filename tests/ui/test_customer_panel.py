"""The customer file panel: candidates with reasons and a one-click switch, overdue
promises highlighted, the offline banner, notes and contact edits as signals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from agentdesk.core.caller_identity import CallerIdentity
from agentdesk.core.customer_directory import (
    Complaint,
    Customer,
    CustomerFile,
    CustomerHistory,
    FieldChange,
    Promise,
    Provenance,
    TimelineEntry,
    TimelineKind,
)
from agentdesk.core.customer_match import rank_candidates
from agentdesk.ui.customer_panel import OVERDUE_COLOR, OVERDUE_ROLE, CustomerPanel

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ME = "demo-agent"
SHARED = "+8613700137000"

FATHER = Customer(customer_id="C-1101", first_name="Jianguo", last_name="Wang", phone=SHARED,
                  native_name="王建国", segment="gold", tier="2", lifecycle="active",
                  account="A-88101", consent=(("phone", True), ("sms", False)),
                  complaints=(Complaint("K1", "late delivery", "open",
                                        NOW - timedelta(days=12)),
                              Complaint("K0", "old", "closed", NOW - timedelta(days=90))))
DAUGHTER = Customer(customer_id="C-1102", first_name="Xiaoli", last_name="Wang", phone=SHARED,
                    native_name="王晓丽", dnc=True)
FATHER_HISTORY = CustomerHistory(
    timeline=(TimelineEntry(TimelineKind.CALL, NOW - timedelta(days=20), ME,
                            direction="inbound", duration_seconds=185.0, connected=True,
                            wrapup_codes=("billing_inquiry", "resolved"),
                            text="Explained the bill.", record_id="call-1"),
              TimelineEntry(TimelineKind.NOTE, NOW - timedelta(days=21), "demo-agent-2",
                            text="Prefers mornings.")),
    open_promises=(Promise("cb-late", "callback", NOW - timedelta(hours=2), ME,
                           note="refund status"),
                   Promise("cb-next", "callback", NOW + timedelta(hours=3), "team",
                           note="repair visit")),
    last_contact_at=NOW - timedelta(days=20))
DAUGHTER_HISTORY = CustomerHistory(last_contact_at=NOW - timedelta(days=2))


@pytest.fixture
def panel(qtbot: QtBot) -> CustomerPanel:
    widget = CustomerPanel(region="CN", agent=ME, clock=lambda: NOW)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def pop_shared_number(panel: CustomerPanel) -> None:
    result = rank_candidates(CallerIdentity(caller_number=SHARED), [DAUGHTER, FATHER],
                             {"C-1101": FATHER_HISTORY, "C-1102": DAUGHTER_HISTORY}, ME)
    best = result.best
    assert best is not None
    panel.show_candidates(result.candidates, best.customer.customer_id)
    panel.show_file(CustomerFile(FATHER, FATHER_HISTORY))


def test_ambiguous_number_shows_every_candidate_with_its_reason(panel: CustomerPanel) -> None:
    pop_shared_number(panel)
    assert panel.candidates_box.isVisible()
    texts = [b.text() for b in panel.candidate_buttons]
    assert texts[0].startswith("1. 王建国\nSame number; your open callback")
    assert texts[1].startswith("2. 王晓丽\nSame number; most recent contact")
    assert [b.isChecked() for b in panel.candidate_buttons] == [True, False]
    assert panel.name_label.text() == "王建国"


def test_one_click_switches_to_another_candidate(qtbot: QtBot, panel: CustomerPanel) -> None:
    pop_shared_number(panel)
    with qtbot.waitSignal(panel.sig_customer_chosen) as chosen:
        qtbot.mouseClick(panel.candidate_buttons[1], Qt.MouseButton.LeftButton)
    assert chosen.args == ["C-1102"]
    assert [b.isChecked() for b in panel.candidate_buttons] == [False, True]
    panel.show_file(CustomerFile(DAUGHTER, DAUGHTER_HISTORY))
    assert panel.name_label.text() == "王晓丽"
    assert panel.dnc_label.isVisible()
    with qtbot.assertNotEmitted(panel.sig_customer_chosen):  # already shown: nothing to do
        qtbot.mouseClick(panel.candidate_buttons[1], Qt.MouseButton.LeftButton)


def test_single_match_has_no_strip(panel: CustomerPanel) -> None:
    result = rank_candidates(CallerIdentity(customer_id="C-1101", customer_id_source="ivr"),
                             [FATHER], {}, ME)
    panel.show_candidates(result.candidates, "C-1101")
    panel.show_file(CustomerFile(FATHER, FATHER_HISTORY))
    assert not panel.candidates_box.isVisible() and panel.candidate_buttons == []


def test_overdue_promise_is_highlighted_and_owner_shown(panel: CustomerPanel) -> None:
    panel.show_file(CustomerFile(FATHER, FATHER_HISTORY))
    late, upcoming = (panel.promises_tree.topLevelItem(i) for i in range(2))
    assert late.data(0, OVERDUE_ROLE) is True and upcoming.data(0, OVERDUE_ROLE) is False
    assert late.text(0).startswith("Overdue: ") and late.font(0).bold()
    assert late.foreground(2).color() == OVERDUE_COLOR
    assert upcoming.foreground(2).color() != OVERDUE_COLOR
    assert (late.text(1), upcoming.text(1)) == ("You", "Team")
    assert late.text(2) == "refund status"


def test_file_shows_identity_contact_consent_complaints_and_timeline(
        panel: CustomerPanel) -> None:
    panel.show_file(CustomerFile(FATHER, FATHER_HISTORY))
    assert panel.phone_field.text() == "137 0013 7000"  # national format for a CN seat
    panel.set_region("US")
    assert panel.phone_field.text() == "+86 137 0013 7000"
    assert "Segment: gold" in panel.badges_label.text()
    assert "Tier 2" in panel.badges_label.text() and "Active" in panel.badges_label.text()
    assert panel.consent_label.text() == "Phone ✓, SMS ✗"
    assert not panel.dnc_label.isVisible()
    assert panel.complaints_tree.topLevelItemCount() == 1  # the closed one is not shown
    complaint = panel.complaints_tree.topLevelItem(0)
    assert (complaint.text(1), complaint.text(2)) == ("12 d", "late delivery")
    call = panel.timeline_tree.topLevelItem(0)
    assert [call.text(i) for i in range(1, 6)] == [
        "Inbound call", ME, "03:05", "billing_inquiry, resolved", "Explained the bill."]
    assert panel.timeline_tree.topLevelItem(1).text(1) == "Note"


def test_offline_banner_says_from_when(panel: CustomerPanel) -> None:
    copy_time = datetime(2026, 11, 19, 17, 45, tzinfo=UTC)
    panel.show_file(CustomerFile(FATHER, CustomerHistory(complete=False),
                                 Provenance(offline=True, copy_from=copy_time)))
    assert panel.offline_banner.isVisible()
    local = copy_time.astimezone().strftime("%Y-%m-%d %H:%M")
    assert panel.offline_banner.text().startswith(f"Offline copy from {local}")
    assert panel.history_label.text() == "History is not available offline."
    panel.show_file(CustomerFile(FATHER, FATHER_HISTORY))
    assert not panel.offline_banner.isVisible()


def test_saving_a_note_emits_it_and_clears_the_field(qtbot: QtBot,
                                                     panel: CustomerPanel) -> None:
    assert not panel.save_note_button.isEnabled()
    panel.show_file(CustomerFile(FATHER, FATHER_HISTORY))
    qtbot.keyClicks(panel.note_edit, "  Asked for a paper invoice ")
    with qtbot.waitSignal(panel.sig_note_saved) as saved:
        qtbot.mouseClick(panel.save_note_button, Qt.MouseButton.LeftButton)
    assert saved.args == ["C-1101", "Asked for a paper invoice"]
    assert panel.note_edit.toPlainText() == "" and not panel.save_note_button.isEnabled()


def test_contact_edit_is_validated_then_emitted(qtbot: QtBot, panel: CustomerPanel) -> None:
    panel.show_file(CustomerFile(FATHER, FATHER_HISTORY))
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    assert not panel.phone_field.isReadOnly()
    panel.phone_field.setText("not a number")
    with qtbot.assertNotEmitted(panel.sig_customer_edited):
        qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    assert panel.edit_error.text() == "'not a number' is not a phone number."
    assert panel.edit_button.isChecked()  # still editing
    panel.phone_field.setText("139 1111 2222")
    panel.email_field.setText("wang.jg@example.cn")
    with qtbot.waitSignal(panel.sig_customer_edited) as edited:
        qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    customer = edited.args[0]
    assert (customer.customer_id, customer.phone, customer.email) == (
        "C-1101", "+8613911112222", "wang.jg@example.cn")
    assert panel.phone_field.isReadOnly() and panel.phone_field.text() == "139 1111 2222"


def test_hostile_names_do_not_break_the_panel(panel: CustomerPanel) -> None:
    evil = Customer(customer_id="C-X", first_name="\u202eevil\n" * 500, last_name="x",
                    phone="+8613800138000")
    panel.show_file(CustomerFile(evil, CustomerHistory()))
    assert "\n" not in panel.name_label.text() and "\u202e" not in panel.name_label.text()
    assert len(panel.name_label.text()) <= 120


def test_clear_and_looking_up(panel: CustomerPanel) -> None:
    panel.show_file(CustomerFile(FATHER, FATHER_HISTORY))
    panel.show_looking_up("+8613800138000")
    assert panel.customer is None
    assert panel.status_label.text() == "Looking up 138 0013 8000…"
    assert panel.timeline_tree.topLevelItemCount() == 0


def test_file_shown_is_said_once_the_widgets_are_filled(qtbot: QtBot,
                                                         panel: CustomerPanel) -> None:
    seen: list[tuple[str, str, int]] = []

    def filled(customer_id: str) -> bool:  # what a listener reads at that moment
        seen.append((customer_id, panel.name_label.text(),
                     panel.timeline_tree.topLevelItemCount()))
        return True

    with qtbot.waitSignal(panel.sig_file_shown, check_params_cb=filled):
        panel.show_file(CustomerFile(FATHER, FATHER_HISTORY))
    assert seen == [("C-1101", "王建国", 2)]
    with qtbot.assertNotEmitted(panel.sig_file_shown):
        panel.show_looking_up("+8613700137000")
        panel.show_candidates((), "")


def test_show_history_refreshes_the_timeline_without_ending_an_edit(panel):
    from dataclasses import replace as replaced

    from agentdesk.core.customer_directory import Provenance
    file = CustomerFile(FATHER, FATHER_HISTORY)
    assert len(file.history.timeline) > 1
    panel.show_file(file)
    panel.edit_button.setChecked(True)
    shown = []
    panel.sig_file_shown.connect(shown.append)
    fewer = replaced(file.history, timeline=file.history.timeline[:1])
    panel.show_history(fewer, Provenance(offline=True, copy_from=NOW))
    assert panel.edit_button.isChecked()  # the contact edit goes on
    assert shown == []  # not a new file
    assert panel.timeline_tree.topLevelItemCount() == 1
    assert "this desktop's own records" in panel.history_label.text()


def test_a_change_of_the_customer_reads_as_fields_from_old_to_new(
        panel: CustomerPanel) -> None:
    """Issue #12: who changed which field of the file, from what to what."""
    change = TimelineEntry(TimelineKind.CHANGE, NOW - timedelta(days=1), "supervisor-1",
                           changes=(FieldChange("phone", "+8613700137000", "+8613900139000"),
                                    FieldChange("email", None, "wang@example.cn"),
                                    FieldChange("extra.tier", "2", None),
                                    FieldChange("extra.shoe_size", None, "42")))
    panel.show_file(CustomerFile(FATHER, CustomerHistory(timeline=(change,))))
    row = panel.timeline_tree.topLevelItem(0)
    assert (row.text(1), row.text(2)) == ("Customer data changed", "supervisor-1")
    assert row.text(5) == ("Phone: +8613700137000 → +8613900139000; "
                           "E-mail: (empty) → wang@example.cn; Tier: 2 → (empty); "
                           "shoe_size: (empty) → 42")
