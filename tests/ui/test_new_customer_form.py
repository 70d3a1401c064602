"""The unknown caller's form: pre-filled number, a duplicate check before saving."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from agentdesk.core.customer_directory import Customer
from agentdesk.core.customer_duplicates import NewCustomerDraft
from agentdesk.ui.new_customer_form import NewCustomerForm

LI_LEI = Customer(customer_id="C-1001", first_name="Lei", last_name="Li",
                  phone="+8613800138000", native_name="李雷")
WANG_FANG = Customer(customer_id="C-1004", first_name="芳", last_name="王",
                     phone="+8618612345678")


@pytest.fixture
def form(qtbot: QtBot) -> NewCustomerForm:
    widget = NewCustomerForm(region="CN")
    qtbot.addWidget(widget)
    widget.show()
    return widget


def type_name(qtbot: QtBot, form: NewCustomerForm, last: str, first: str) -> None:
    # QTest cannot type Chinese characters (no key codes): set those as an IME would
    for field, text in ((form.last_name_field, last), (form.first_name_field, first)):
        if text.isascii():
            qtbot.keyClicks(field, text)
        else:
            field.setText(text)


def click_save(qtbot: QtBot, form: NewCustomerForm) -> None:
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)


def test_prefilled_with_the_callers_number(form: NewCustomerForm) -> None:
    form.start("+8613600136000", caller_name="Zhang\u202e San")
    assert form.phone_field.text() == "136 0013 6000"
    assert form.draft().phone == "+8613600136000"
    assert "Zhang" in form.caller_hint.text() and "\u202e" not in form.caller_hint.text()
    assert form.last_name_field.text() == ""


def test_no_duplicate_saves_after_the_check(qtbot: QtBot, form: NewCustomerForm) -> None:
    form.start("+8613600136000")
    type_name(qtbot, form, "Zhao", "Min")
    with qtbot.waitSignal(form.sig_duplicate_check_requested) as asked:
        click_save(qtbot, form)
    draft = asked.args[0]
    assert draft == NewCustomerDraft(first_name="Min", last_name="Zhao",
                                     phone="+8613600136000", language="zh_CN")
    assert not form.save_button.isEnabled()  # one check at a time
    with qtbot.waitSignal(form.sig_customer_created) as created:
        form.show_duplicate_candidates(draft, [LI_LEI, WANG_FANG])
    assert created.args == [draft]


def test_duplicate_warning_then_open_existing(qtbot: QtBot, form: NewCustomerForm) -> None:
    form.start("+8613800138000")
    form.native_name_field.setText("李雷")
    with qtbot.waitSignal(form.sig_duplicate_check_requested) as asked:
        click_save(qtbot, form)
    with qtbot.assertNotEmitted(form.sig_customer_created):
        form.show_duplicate_candidates(asked.args[0], [WANG_FANG, LI_LEI])
    assert form.duplicates_tree.isVisible()
    assert form.duplicates_tree.topLevelItemCount() == 1
    row = form.duplicates_tree.topLevelItem(0)
    assert row.text(0) == "李雷 (C-1001)"
    assert row.text(2) == "same number, same name"
    assert form.save_button.text() == "Save as new anyway"
    with qtbot.waitSignal(form.sig_customer_chosen) as chosen:
        qtbot.mouseClick(form.open_existing_button, Qt.MouseButton.LeftButton)
    assert chosen.args == ["C-1001"]


def test_save_anyway_after_the_warning(qtbot: QtBot, form: NewCustomerForm) -> None:
    form.start("+8613900000000")
    type_name(qtbot, form, "王", "芳")
    with qtbot.waitSignal(form.sig_duplicate_check_requested) as asked:
        click_save(qtbot, form)
    form.show_duplicate_candidates(asked.args[0], [WANG_FANG])
    assert form.duplicates_tree.topLevelItem(0).text(2) == "same name"
    with qtbot.waitSignal(form.sig_customer_created) as created:
        click_save(qtbot, form)
    assert created.args[0].full_name == "王芳"


def test_editing_after_the_check_checks_again(qtbot: QtBot, form: NewCustomerForm) -> None:
    form.start("+8613800138000")
    type_name(qtbot, form, "Li", "Lei")
    with qtbot.waitSignal(form.sig_duplicate_check_requested) as asked:
        click_save(qtbot, form)
    form.show_duplicate_candidates(asked.args[0], [LI_LEI])
    qtbot.keyClicks(form.first_name_field, "la")
    assert not form.duplicates_tree.isVisible()
    with qtbot.waitSignal(form.sig_duplicate_check_requested):
        click_save(qtbot, form)


def test_a_stale_answer_is_ignored(qtbot: QtBot, form: NewCustomerForm) -> None:
    form.start("+8613800138000")
    type_name(qtbot, form, "Li", "Lei")
    with qtbot.waitSignal(form.sig_duplicate_check_requested) as asked:
        click_save(qtbot, form)
    qtbot.keyClicks(form.email_field, "x@example.cn")
    with qtbot.assertNotEmitted(form.sig_customer_created):
        form.show_duplicate_candidates(asked.args[0], [])
    assert form.save_button.isEnabled()


@pytest.mark.parametrize(("number", "last", "email", "message"), [
    ("+8613600136000", "", "", "Enter the customer's name."),
    ("12", "Zhao", "", "'12' is not a phone number."),
    ("+12", "Zhao", "", "'+12' is not a phone number."),  # a plus is not a number yet
    ("+8613600136000", "Zhao", "no-at-sign", "'no-at-sign' is not an e-mail address."),
])
def test_invalid_input_is_refused_with_a_reason(qtbot: QtBot, form: NewCustomerForm,
                                                number: str, last: str, email: str,
                                                message: str) -> None:
    form.start(number)
    qtbot.keyClicks(form.last_name_field, last)
    qtbot.keyClicks(form.email_field, email)
    with qtbot.assertNotEmitted(form.sig_duplicate_check_requested):
        click_save(qtbot, form)
    assert form.error_label.text() == message


def test_check_failure_is_shown(qtbot: QtBot, form: NewCustomerForm) -> None:
    form.start("+8613600136000")
    type_name(qtbot, form, "Zhao", "Min")
    with qtbot.waitSignal(form.sig_duplicate_check_requested):
        click_save(qtbot, form)
    form.show_check_failed("the server did not answer in time")
    assert form.error_label.text() == (
        "Could not check for duplicates: the server did not answer in time")
    assert form.save_button.isEnabled()


def test_saving_is_once_until_the_caller_answers(qtbot: QtBot, form: NewCustomerForm) -> None:
    form.start("+8613600136000")
    type_name(qtbot, form, "Zhao", "Min")
    with qtbot.waitSignal(form.sig_duplicate_check_requested) as asked:
        click_save(qtbot, form)
    with qtbot.waitSignal(form.sig_customer_created):
        form.show_duplicate_candidates(asked.args[0], [])
    assert not form.save_button.isEnabled()  # a double click creates no second customer
    with qtbot.assertNotEmitted(form.sig_customer_created):
        click_save(qtbot, form)
    form.show_save_failed("disk full")
    assert form.error_label.text() == "The customer could not be saved: disk full"
    assert form.save_button.isEnabled() and form.last_name_field.text() == "Zhao"
    with qtbot.waitSignal(form.sig_customer_created):  # checked already: saved at once
        click_save(qtbot, form)
