"""The wrap-up form: codes, note, amount and callback, entered in seconds and never lost.

Built once and reused for every call (`start()` only refills it), so it is on screen
within the 50 ms budget after hang-up; the code tree is rebuilt only when the code
set changes. The agent types in the filter box to narrow the codes, moves with
Up/Down, picks with Enter, or presses a code's hotkey; Ctrl+S saves.

The flags of the chosen codes are enforced with messages next to the field they
concern. Every change is offered as a draft (`sig_draft_changed`, debounced) for the
integrator to store locally, so a crash during ACW loses nothing. A timeboxed ACW
counts down here (one extension), and when it runs out the call is auto-wrapped
with its own visible outcome.

Re-open mode (a context with `reopens`) changes an earlier call's saved wrap-up: the
save is a new wrap-up superseding it, Cancel (or Escape) leaves the saved one as it
is. When the call may keep an open callback of the customer (or the caller's number),
a box offers to mark it done with the save, ticked when it is due.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, Qt, QTime, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.acw import AcwMode, AfterCallWork
from agentdesk.core.callbacks import CallbackStatus, callback_status
from agentdesk.core.records import Callback, CallbackOwner, CallbackState, CallbackUpdate
from agentdesk.core.wrapup_codes import (
    CodeFlag,
    CodeSet,
    WrapUpCode,
    WrapUpField,
    WrapUpInvalidError,
    WrapUpProblem,
    build_wrapup,
    filter_codes,
    may_reopen,
    validate_wrapup,
)
from agentdesk.core.wrapup_form_model import (
    FormFields,
    WrapUpContext,
    WrapUpPrefill,
    prefill_from_wrapup,
)

CODE_ROLE = Qt.ItemDataRole.UserRole
COMMON_ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore",
                "Asia/Tokyo", "Europe/London", "Europe/Berlin", "America/New_York",
                "America/Los_Angeles", "UTC")


def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def countdown_text(seconds: float) -> str:
    whole = max(0, int(seconds + 0.999))  # 0.2 s left still shows 0:01
    return f"{whole // 60}:{whole % 60:02d}"


class WrapUpForm(QWidget):
    sig_saved = Signal(object, object)  # WrapUp, Callback | None (auto-wrap too)
    sig_draft_changed = Signal(dict)  # FormFields.to_draft(), debounced
    sig_dnc_requested = Signal(str)  # customer id: mark the customer do-not-call
    sig_skipped = Signal()  # optional ACW: the agent moves on without a wrap-up
    sig_reopen_cancelled = Signal()  # re-open mode: the saved wrap-up stays as it was
    sig_callback_kept = Signal(object)  # CallbackUpdate (done), after sig_saved
    sig_acw_extended = Signal()

    def __init__(self, parent: QWidget | None = None, *,
                 clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
                 agent_timezone: tzinfo | None = None, language: str = "en",
                 tick_interval_ms: int = 250, draft_debounce_ms: int = 400) -> None:
        super().__init__(parent)
        self.setObjectName("wrapUpForm")
        self._clock = clock
        self._agent_zone = agent_timezone or datetime.now().astimezone().tzinfo
        self._language = language
        self._context: WrapUpContext | None = None
        self._acw: AfterCallWork | None = None
        self._built_set: CodeSet | None = None
        self._items: dict[str, QTreeWidgetItem] = {}
        self._hotkeys: list[QShortcut] = []
        self._filling = False  # programmatic changes are neither drafts nor edits
        self._show_problems = False  # after a failed save, messages follow each edit
        self._finished = True
        self._build()
        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(tick_interval_ms)
        self._tick_timer.timeout.connect(self.on_tick_timer_timeout)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(draft_debounce_ms)
        self._draft_timer.timeout.connect(self.on_draft_timer_timeout)
        self.setEnabled(False)

    # --- building (once) ------------------------------------------------------------

    def _build(self) -> None:
        self.acw_label = QLabel(self)
        self.acw_label.setObjectName("acwTimer")
        self.extend_button = QPushButton(self.tr("Extend"), self)
        self.extend_button.setObjectName("acwExtend")
        self.extend_button.clicked.connect(self.on_extend_button_clicked)
        self.banner = QLabel(self)  # re-open mode, auto-wrapped, saved
        self.banner.setObjectName("wrapUpBanner")
        self.banner.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(self.acw_label)
        header.addStretch(1)
        header.addWidget(self.extend_button)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("wrapUpFilter")
        self.filter_edit.setPlaceholderText(self.tr("Type to find a code (Up/Down, Enter)"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.on_filter_edit_text_changed)
        self.filter_edit.installEventFilter(self)
        self.code_tree = QTreeWidget(self)
        self.code_tree.setObjectName("wrapUpCodes")
        self.code_tree.setColumnCount(3)
        self.code_tree.setHeaderLabels([self.tr("Code"), self.tr("Id"), self.tr("Key")])
        self.code_tree.setRootIsDecorated(False)
        self.code_tree.itemChanged.connect(self.on_code_tree_item_changed)
        self.chosen_label = QLabel(self)
        self.chosen_label.setObjectName("wrapUpChosen")
        self.chosen_label.setWordWrap(True)
        self.codes_message = self._message_label("codesMessage")

        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setObjectName("wrapUpNote")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.textChanged.connect(self.on_field_edited)
        self.note_message = self._message_label("noteMessage")
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setObjectName("wrapUpAmount")
        self.amount_edit.setPlaceholderText("0.00")
        self.amount_edit.textChanged.connect(self.on_field_edited)
        self.amount_message = self._message_label("amountMessage")

        self.callback_check = QCheckBox(self.tr("Book a callback"), self)
        self.callback_check.setObjectName("wrapUpCallback")
        self.callback_check.toggled.connect(self.on_callback_check_toggled)
        self.callback_panel = QWidget(self)
        self.callback_edit = QDateTimeEdit(self.callback_panel)
        self.callback_edit.setObjectName("callbackTime")
        self.callback_edit.setCalendarPopup(True)
        self.callback_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.callback_edit.dateTimeChanged.connect(self.on_field_edited)
        self.zone_combo = QComboBox(self.callback_panel)
        self.zone_combo.setObjectName("callbackZone")
        self.zone_combo.setEditable(True)
        self.zone_combo.currentTextChanged.connect(self.on_field_edited)
        self.agent_time_label = QLabel(self.callback_panel)
        self.agent_time_label.setObjectName("callbackAgentTime")
        self.owner_combo = QComboBox(self.callback_panel)
        self.owner_combo.setObjectName("callbackOwner")
        for owner, text in ((CallbackOwner.ME, self.tr("Me")),
                            (CallbackOwner.TEAM, self.tr("My team")),
                            (CallbackOwner.ANYONE, self.tr("Anyone"))):
            self.owner_combo.addItem(text, owner)
        self.owner_combo.currentIndexChanged.connect(self.on_field_edited)
        self.callback_note_edit = QLineEdit(self.callback_panel)
        self.callback_note_edit.setObjectName("callbackNote")
        self.callback_note_edit.setPlaceholderText(self.tr("What was promised"))
        self.callback_note_edit.textChanged.connect(self.on_field_edited)
        self.callback_message = self._message_label("callbackMessage")
        when = QHBoxLayout()
        when.addWidget(self.callback_edit)
        when.addWidget(self.zone_combo, 1)
        callback_form = QFormLayout(self.callback_panel)
        callback_form.setContentsMargins(0, 0, 0, 0)
        callback_form.addRow(self.tr("Customer's time"), when)
        callback_form.addRow(self.tr("Your time"), self.agent_time_label)
        callback_form.addRow(self.tr("Owner"), self.owner_combo)
        callback_form.addRow(self.tr("Callback note"), self.callback_note_edit)

        self.keep_callback_check = QCheckBox(self)
        self.keep_callback_check.setObjectName("wrapUpKeepCallback")
        self.keep_callback_check.hide()

        self.save_button = QPushButton(self.tr("Save wrap-up"), self)
        self.save_button.setObjectName("wrapUpSave")
        self.save_button.setToolTip(self.tr("Save (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.skip_button = QPushButton(self.tr("Skip"), self)
        self.skip_button.setObjectName("wrapUpSkip")
        self.skip_button.clicked.connect(self.on_skip_button_clicked)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setObjectName("wrapUpCancel")
        self.cancel_button.setToolTip(self.tr("Keep the saved wrap-up as it is (Esc)"))
        self.cancel_button.clicked.connect(self.cancel_reopen)
        self.cancel_button.hide()
        self.cancel_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.cancel_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.cancel_shortcut.activated.connect(self.cancel_reopen)
        self.save_shortcut = QShortcut(QKeySequence("Ctrl+S"), self)
        self.save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_shortcut.activated.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.code_tree, 1)
        layout.addWidget(self.chosen_label)
        layout.addWidget(self.codes_message)
        fields = QFormLayout()
        fields.addRow(self.tr("Note"), self.note_edit)
        fields.addRow("", self.note_message)
        fields.addRow(self.tr("Amount"), self.amount_edit)
        fields.addRow("", self.amount_message)
        layout.addLayout(fields)
        layout.addWidget(self.callback_check)
        layout.addWidget(self.callback_panel)
        layout.addWidget(self.callback_message)
        layout.addWidget(self.keep_callback_check)
        layout.addLayout(buttons)

    def _message_label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setProperty("role", "error")
        label.setStyleSheet("color: #b00020;")
        label.setWordWrap(True)
        label.hide()
        return label

    def _set_code_set(self, code_set: CodeSet) -> None:
        if code_set == self._built_set:
            return
        self._built_set = code_set
        self.code_tree.blockSignals(True)
        self.code_tree.clear()
        self._items.clear()
        for shortcut in self._hotkeys:
            shortcut.setEnabled(False)
            shortcut.deleteLater()
        self._hotkeys.clear()
        for category in code_set.categories:
            parent = QTreeWidgetItem(self.code_tree, [category.label.text(self._language)])
            parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
            parent.setFirstColumnSpanned(True)
            for code in code_set.codes_in(category.id):
                item = QTreeWidgetItem(parent, [code.label.text(self._language), code.code,
                                                code.hotkey or ""])
                item.setData(0, CODE_ROLE, code.code)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Unchecked)
                self._items[code.code] = item
                if code.hotkey:
                    self._add_hotkey(code)
        self.code_tree.expandAll()
        self.code_tree.resizeColumnToContents(0)
        self.code_tree.blockSignals(False)

    def _add_hotkey(self, code: WrapUpCode) -> None:
        assert code.hotkey is not None
        shortcut = QShortcut(QKeySequence(code.hotkey), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda c=code.code: self.toggle_code(c))
        self._hotkeys.append(shortcut)

    # --- one call -------------------------------------------------------------------

    def start(self, context: WrapUpContext, *, acw: AfterCallWork | None = None,
              prefill: WrapUpPrefill | None = None,
              draft: Mapping[str, Any] | None = None) -> None:
        """Show the form for a call; a draft (after a restart) wins over the prefill."""
        self._context = context
        self._acw = acw
        self._finished = False
        self._show_problems = False
        self._set_code_set(context.code_set)
        if context.reopens is not None and prefill is None:
            prefill = prefill_from_wrapup(context.reopens)
        prefill = prefill or WrapUpPrefill()
        zone = prefill.callback_timezone or context.customer_timezone or ""
        fields = FormFields(
            codes=prefill.codes, note=prefill.note,
            amount_text=str(prefill.amount) if prefill.amount is not None else "",
            callback_wanted=prefill.callback_at is not None,
            callback_at=prefill.callback_at, callback_timezone=zone)
        self._fill(fields)
        if draft is not None:
            self.restore_draft(draft)
        self._show_banner()
        self.setEnabled(True)
        self.save_button.setEnabled(True)
        self.skip_button.setVisible(acw is not None and acw.may_skip_wrapup()
                                    and context.reopens is None)
        self.cancel_button.setVisible(context.reopens is not None)
        self.cancel_button.setEnabled(True)
        self.cancel_shortcut.setEnabled(context.reopens is not None)
        self.keep_callback_check.setEnabled(True)
        self._show_open_callback()
        self._refresh_acw()
        if acw is not None:  # a countdown, or the elapsed ACW time
            self._tick_timer.start()
        else:
            self._tick_timer.stop()
        self.filter_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def offer_callback(self, callback: Callback | None) -> None:
        """The open callback this call may keep, found after the form opened."""
        if self._context is None or self._finished:
            return
        self._context = replace(self._context, open_callback=callback)
        self._show_open_callback()

    def _show_open_callback(self) -> None:
        callback = self._context.open_callback if self._context else None
        self.keep_callback_check.setVisible(callback is not None)
        if callback is None:
            self.keep_callback_check.setChecked(False)
            return
        local = callback.due_at.astimezone(self._agent_zone)
        self.keep_callback_check.setText(self.tr(
            "This call keeps the callback promised for {time}: mark it done").format(
                time=local.strftime("%Y-%m-%d %H:%M")))
        self.keep_callback_check.setToolTip(callback.note)
        # ticked when it is due: an early call may be a different matter
        due = callback_status(callback, self._clock()) is not CallbackStatus.UPCOMING
        self.keep_callback_check.setChecked(due)

    def restore_draft(self, draft: Mapping[str, Any]) -> None:
        """Put back what the agent had typed (e.g. after the app was killed in ACW)."""
        self._fill(FormFields.from_draft(draft))

    def fields(self) -> FormFields:
        owner = self.owner_combo.currentData()
        return FormFields(
            codes=self.chosen_codes(), note=self.note_edit.toPlainText(),
            amount_text=self.amount_edit.text(),
            callback_wanted=self.callback_check.isChecked(),
            callback_at=self._callback_instant(),
            callback_timezone=self.zone_combo.currentText().strip(),
            callback_owner=owner if isinstance(owner, CallbackOwner) else CallbackOwner.ME,
            callback_note=self.callback_note_edit.text(),
            filter_text=self.filter_edit.text())

    def draft(self) -> dict[str, Any]:
        return self.fields().to_draft()

    @property
    def call_record_id(self) -> UUID | None:
        return self._context.call_record_id if self._context else None

    @property
    def finished(self) -> bool:
        return self._finished

    def chosen_codes(self) -> tuple[str, ...]:
        return tuple(code for code, item in self._items.items()
                     if item.checkState(0) == Qt.CheckState.Checked)

    def _fill(self, fields: FormFields) -> None:
        self._filling = True
        try:
            self.filter_edit.setText(fields.filter_text)
            self.code_tree.blockSignals(True)
            for code, item in self._items.items():
                checked = code in fields.codes
                item.setCheckState(0, Qt.CheckState.Checked if checked
                                   else Qt.CheckState.Unchecked)
            self.code_tree.blockSignals(False)
            self.note_edit.setPlainText(fields.note)
            self.amount_edit.setText(fields.amount_text)
            self._fill_zones(fields.callback_timezone)
            when = fields.callback_at or self._clock()
            zone = _zone(fields.callback_timezone) or self._agent_zone
            local = when.astimezone(zone)
            # the edit shows wall-clock time in the chosen zone; only its fields are read
            self.callback_edit.setDateTime(QDateTime(
                QDate(local.year, local.month, local.day), QTime(local.hour, local.minute)))
            self.owner_combo.setCurrentIndex(max(0, self.owner_combo.findData(
                fields.callback_owner)))
            self.callback_note_edit.setText(fields.callback_note)
            self.callback_check.setChecked(fields.callback_wanted)
            self._apply_filter()
            self._codes_changed()
        finally:
            self._filling = False

    def _fill_zones(self, selected: str) -> None:
        names = list(dict.fromkeys(
            [n for n in (selected, self._customer_zone(), self._agent_zone_name()) if n]
            + list(COMMON_ZONES)))
        self.zone_combo.blockSignals(True)
        self.zone_combo.clear()
        self.zone_combo.addItems(names)
        self.zone_combo.setCurrentText(selected)
        self.zone_combo.blockSignals(False)

    def _customer_zone(self) -> str:
        return (self._context.customer_timezone or "") if self._context else ""

    def _agent_zone_name(self) -> str:
        key = getattr(self._agent_zone, "key", None)
        return key if isinstance(key, str) else ""

    # --- codes ------------------------------------------------------------------------

    def toggle_code(self, code: str) -> None:
        item = self._items.get(code)
        if item is None or self._finished:
            return
        if item.isHidden():
            self.filter_edit.clear()
        checked = item.checkState(0) == Qt.CheckState.Checked
        item.setCheckState(0, Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
        self.code_tree.setCurrentItem(item)

    @Slot(QTreeWidgetItem, int)
    def on_code_tree_item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        code = item.data(0, CODE_ROLE)
        if not code:
            return
        set_ = self._built_set
        if (item.checkState(0) == Qt.CheckState.Checked and set_ is not None
                and not set_.multiple):
            self.code_tree.blockSignals(True)
            for other_code, other in self._items.items():
                if other_code != code:
                    other.setCheckState(0, Qt.CheckState.Unchecked)
            self.code_tree.blockSignals(False)
        self._codes_changed()
        self.on_field_edited()

    def _codes_changed(self) -> None:
        codes = self.chosen_codes()
        set_ = self._built_set
        labels = []
        needs_callback = False
        for code in codes:
            found = set_.code(code) if set_ else None
            if found is not None:
                labels.append(found.label.text(self._language))
                needs_callback |= found.has(CodeFlag.CALLBACK_REQUIRED)
        self.chosen_label.setText(self.tr("Chosen: {codes}").format(codes=", ".join(labels))
                                  if labels else self.tr("No code chosen yet"))
        if needs_callback:
            self.callback_check.setChecked(True)
        # a code that requires a callback keeps the box ticked
        self.callback_check.setEnabled(not needs_callback)
        self.callback_panel.setEnabled(self.callback_check.isChecked())

    @Slot(str)
    def on_filter_edit_text_changed(self, _text: str) -> None:
        self._apply_filter()
        self.on_field_edited()

    def _apply_filter(self) -> None:
        set_ = self._built_set
        if set_ is None:
            return
        matching = [c.code for c in filter_codes(set_, self.filter_edit.text())]
        shown = set(matching)
        for code, item in self._items.items():
            item.setHidden(code not in shown)
        for index in range(self.code_tree.topLevelItemCount()):
            category = self.code_tree.topLevelItem(index)
            category.setHidden(all(category.child(i).isHidden()
                                   for i in range(category.childCount())))
        current = self.code_tree.currentItem()
        if matching and (current is None or current.isHidden()
                         or not current.data(0, CODE_ROLE)):
            self.code_tree.setCurrentItem(self._items[matching[0]])

    def visible_codes(self) -> list[str]:
        """The codes shown, top to bottom (the order Up/Down walks)."""
        codes = []
        for index in range(self.code_tree.topLevelItemCount()):
            category = self.code_tree.topLevelItem(index)
            for i in range(category.childCount()):
                child = category.child(i)
                if not child.isHidden() and not category.isHidden():
                    codes.append(child.data(0, CODE_ROLE))
        return codes

    def current_code(self) -> str | None:
        item = self.code_tree.currentItem()
        code = item.data(0, CODE_ROLE) if item is not None else None
        return code if isinstance(code, str) and not item.isHidden() else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.filter_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self._move_current(1 if key == Qt.Key.Key_Down else -1)
                return True
            if (key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                    and event.modifiers() == Qt.KeyboardModifier.NoModifier):
                code = self.current_code()
                if code is not None:
                    self.toggle_code(code)
                    self.filter_edit.clear()
                return True
        return super().eventFilter(watched, event)

    def _move_current(self, step: int) -> None:
        visible = self.visible_codes()
        if not visible:
            return
        current = self.current_code()
        index = visible.index(current) + step if current in visible else 0
        index = max(0, min(len(visible) - 1, index))
        self.code_tree.setCurrentItem(self._items[visible[index]])

    # --- callback ---------------------------------------------------------------------

    def _callback_instant(self) -> datetime | None:
        zone = _zone(self.zone_combo.currentText().strip())
        if zone is None:
            return None
        value = self.callback_edit.dateTime()
        date, time = value.date(), value.time()
        return datetime(date.year(), date.month(), date.day(), time.hour(), time.minute(),
                        tzinfo=zone)

    def _refresh_agent_time(self) -> None:
        instant = self._callback_instant()
        if instant is None:
            self.agent_time_label.setText(self.tr("Choose the customer's time zone"))
            return
        mine = instant.astimezone(self._agent_zone)
        self.agent_time_label.setText(self.tr("{time} ({zone})").format(
            time=mine.strftime("%Y-%m-%d %H:%M"),
            zone=self._agent_zone_name() or mine.tzname() or ""))

    @Slot(bool)
    def on_callback_check_toggled(self, checked: bool) -> None:
        self.callback_panel.setEnabled(checked)
        self.on_field_edited()

    # --- edits, drafts, problems --------------------------------------------------------

    @Slot()
    def on_field_edited(self) -> None:
        self._refresh_agent_time()
        if self._filling or self._finished:
            return
        self._draft_timer.start()
        if self._show_problems:
            self._show(self._problems())

    @Slot()
    def on_draft_timer_timeout(self) -> None:
        if not self._finished:
            self.sig_draft_changed.emit(self.draft())

    def _problems(self) -> list[WrapUpProblem]:
        context = self._context
        if context is None:
            return []
        entry, problems = self.fields().entry()
        problems += validate_wrapup(context.code_set, entry, self._clock(),
                                    customer_id=context.customer_id,
                                    callback_number=context.callback_number)
        if context.reopens is not None and not may_reopen(context.code_set, context.reopens,
                                                          self._clock()):
            problems.append(WrapUpProblem(WrapUpField.REOPEN, "reopen_closed",
                                          "the re-open window is over"))
        return problems

    def _show(self, problems: list[WrapUpProblem]) -> None:
        places = {
            WrapUpField.CODES: self.codes_message, WrapUpField.NOTE: self.note_message,
            WrapUpField.AMOUNT: self.amount_message,
            WrapUpField.CALLBACK_AT: self.callback_message,
            WrapUpField.CALLBACK_TIMEZONE: self.callback_message,
            WrapUpField.CALLBACK_NOTE: self.callback_message,
            WrapUpField.REOPEN: self.codes_message,
        }
        texts: dict[QLabel, list[str]] = {label: [] for label in places.values()}
        for problem in problems:
            texts[places[problem.field]].append(self.problem_text(problem))
        for label, lines in texts.items():
            label.setText("\n".join(dict.fromkeys(lines)))
            label.setVisible(bool(lines))

    def problem_text(self, problem: WrapUpProblem) -> str:
        code = self._code_label(problem.code)
        messages = {
            "code_required": self.tr("Choose a wrap-up code."),
            "code_unknown": self.tr("This code is not in the code set."),
            "code_reserved": self.tr("The auto-wrap code is set only by the timer."),
            "code_repeated": self.tr("A code is chosen twice."),
            "codes_single": self.tr("Choose one code only for this queue."),
            "note_required": self.tr("“{code}” needs a note.").format(code=code),
            "amount_required": self.tr("“{code}” needs an amount.").format(code=code),
            "amount_not_positive": self.tr("The amount must be above 0."),
            "amount_invalid": self.tr("Enter the amount as a number, e.g. 199.00."),
            "callback_customer_unknown": self.tr(
                "A callback needs a customer, or a caller's number to call back."),
            "callback_time_required": self.tr("Choose the callback time."),
            "callback_time_naive": self.tr("The callback time needs a time zone."),
            "callback_time_past": self.tr("The callback time must be in the future."),
            "callback_timezone_required": self.tr("Choose the customer's time zone."),
            "callback_timezone_unknown": self.tr("Unknown time zone."),
            "callback_note_required": self.tr("Write what was promised."),
            "reopen_closed": self.tr("The time to change this wrap-up is over."),
            "reopen_other_call": self.tr("This wrap-up belongs to another call."),
        }
        return messages.get(problem.kind, problem.message)

    def _code_label(self, code: str | None) -> str:
        found = self._built_set.code(code) if (self._built_set and code) else None
        return found.label.text(self._language) if found else (code or "")

    # --- saving -----------------------------------------------------------------------

    @Slot()
    def save(self) -> bool:
        """Validate and emit sig_saved; on problems show them inline and keep editing."""
        context = self._context
        if context is None or self._finished:
            return False
        now = self._clock()
        entry, problems = self.fields().entry()
        if not problems:
            try:
                result = build_wrapup(context.code_set, entry,
                                      call_record_id=context.call_record_id,
                                      customer_id=context.customer_id, now=now,
                                      reopens=context.reopens,
                                      callback_number=context.callback_number)
            except WrapUpInvalidError as exc:
                problems = list(exc.problems)
        if problems:
            self._show_problems = True
            self._show(problems)
            return False
        self._show([])
        if self._acw is not None and not self._acw.finished:
            self._acw.wrapped_up(result.wrapup)
        kept = context.open_callback if self.keep_callback_check.isChecked() else None
        self._finish(self.tr("Saved."))
        self.sig_saved.emit(result.wrapup, result.callback)
        if kept is not None:
            self.sig_callback_kept.emit(CallbackUpdate(
                kept.id, CallbackState.DONE, now, note=self.tr("Kept on a call"),
                call_record_id=result.wrapup.call_record_id))
        if result.dnc_requested and context.customer_id:
            self.sig_dnc_requested.emit(context.customer_id)
        return True

    @Slot()
    def on_skip_button_clicked(self) -> None:
        if self._acw is None or not self._acw.may_skip_wrapup() or self._finished:
            return
        self._finish(self.tr("Skipped."))
        self.sig_skipped.emit()

    @Slot()
    def cancel_reopen(self) -> None:
        """Re-open mode only: leave the saved wrap-up as it is."""
        if self._context is None or self._context.reopens is None or self._finished:
            return
        self._finish(self.tr("Not changed."))
        self.sig_reopen_cancelled.emit()

    @property
    def reopening(self) -> bool:
        """The form is changing an earlier call's saved wrap-up (and is not done)."""
        return (self._context is not None and self._context.reopens is not None
                and not self._finished)

    def _finish(self, banner: str) -> None:
        self._finished = True
        self._tick_timer.stop()
        self._draft_timer.stop()
        self.save_button.setEnabled(False)
        self.skip_button.hide()
        self.cancel_button.setEnabled(False)
        self.cancel_shortcut.setEnabled(False)
        self.keep_callback_check.setEnabled(False)
        self.extend_button.setEnabled(False)
        self.banner.setText(banner)
        self.banner.show()

    def show_notice(self, text: str) -> None:
        """A line above the codes saying which call this is, when it is not obvious
        (a wrap-up restored after a restart is not the call that just ended)."""
        if not self._finished:
            self.banner.setText(text)
            self.banner.show()

    def _show_banner(self) -> None:
        context = self._context
        if context is not None and context.reopens is not None:
            local = context.reopens.saved_at.astimezone(self._agent_zone)
            self.banner.setText(self.tr(
                "Changing the wrap-up saved at {time}: the change is recorded as a new "
                "wrap-up.").format(time=local.strftime("%H:%M")))
            self.banner.show()
        else:
            self.banner.hide()

    # --- ACW ----------------------------------------------------------------------------

    @Slot()
    def on_tick_timer_timeout(self) -> None:
        acw = self._acw
        if acw is None or self._finished:
            self._tick_timer.stop()
            return
        wrapup = acw.tick(self._clock(), note=self.note_edit.toPlainText().strip())
        if wrapup is not None:
            self._finish(self.tr("Auto-wrapped: the ACW time ran out. It is reported "
                                 "apart; you can re-open it to add the real outcome."))
            self.acw_label.setText(self.tr("ACW over"))
            self.sig_saved.emit(wrapup, None)
            return
        self._refresh_acw()

    @Slot()
    def on_extend_button_clicked(self) -> None:
        acw = self._acw
        if acw is None or not acw.can_extend(self._clock()):
            return
        acw.extend(self._clock())
        self._refresh_acw()
        self.sig_acw_extended.emit()

    def _refresh_acw(self) -> None:
        acw = self._acw
        if acw is None:
            self.acw_label.hide()
            self.extend_button.hide()
            return
        now = self._clock()
        self.acw_label.show()
        remaining = acw.remaining(now)
        if remaining is not None:
            self.acw_label.setText(self.tr("ACW {time} left").format(
                time=countdown_text(remaining)))
        elif acw.mode is AcwMode.MANDATORY:
            self.acw_label.setText(self.tr("ACW {time} · wrap up before the next call")
                                   .format(time=countdown_text(acw.elapsed(now))))
        else:
            self.acw_label.setText(self.tr("ACW {time}").format(
                time=countdown_text(acw.elapsed(now))))
        self.extend_button.setVisible(acw.has_countdown and acw.policy.extend_seconds > 0)
        self.extend_button.setEnabled(acw.can_extend(now))
