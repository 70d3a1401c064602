""""My callbacks": the promises this agent has to keep, soonest first.

Each row shows the time on the agent's clock and on the customer's (with the zone),
the customer, the owner (me / my team / anyone), the note and whether it is
upcoming, due or overdue. A timer re-checks the statuses; when a callback becomes
due, `sig_callback_due` fires once for it (the integrator shows a tray notification).
A promise to a caller with no customer file shows the number to call instead.

A callback ends here: "Done" (the promise was kept) or "Cancel" (with a short reason)
- buttons, the context menu (also on the Menu key) - emit `sig_callback_closed` with
the `CallbackUpdate` to record, and the row leaves the list and its reminder stops.
Activating a row (double-click, Enter) hands its callback over: the integrator opens
the customer file or puts the number in the dial box.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, tzinfo
from uuid import UUID

from PySide6.QtCore import QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.callbacks import (
    CallbackReminders,
    CallbackStatus,
    CallbackTiming,
    by_due_time,
    callback_status,
    customer_time,
)
from agentdesk.core.dial_numbers import format_for_region
from agentdesk.core.records import Callback, CallbackOwner, CallbackState, CallbackUpdate
from agentdesk.ui.row_menu import popup_row_menu

CALLBACK_ROLE = Qt.ItemDataRole.UserRole
COLUMN_AGENT_TIME, COLUMN_CUSTOMER_TIME, COLUMN_CUSTOMER, COLUMN_OWNER, COLUMN_NOTE, \
    COLUMN_STATUS = range(6)
STATUS_COLOURS = {CallbackStatus.DUE: "#a15c00", CallbackStatus.OVERDUE: "#b00020"}


class CallbacksList(QWidget):
    sig_callback_due = Signal(object)  # Callback: remind the agent (tray notification)
    sig_callback_activated = Signal(object)  # Callback: the agent opened it (double-click)
    sig_callback_closed = Signal(object)  # CallbackUpdate: marked done or cancelled

    def __init__(self, parent: QWidget | None = None, *,
                 clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
                 agent_timezone: tzinfo | None = None,
                 timing: CallbackTiming | None = None,
                 check_interval_ms: int = 15_000, region: str = "CN") -> None:
        super().__init__(parent)
        self.setObjectName("callbacksList")
        self._clock = clock
        self._agent_zone = agent_timezone or datetime.now().astimezone().tzinfo
        self._timing = timing or CallbackTiming()
        self._reminders = CallbackReminders(self._timing)
        self._callbacks: list[Callback] = []
        self._names: Mapping[str, str] = {}
        self._region = region
        self._cancelling: Callback | None = None
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("callbacksTree")
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels([self.tr("Your time"), self.tr("Customer's time"),
                                   self.tr("Customer"), self.tr("Owner"), self.tr("Note"),
                                   self.tr("Status")])
        self.tree.itemActivated.connect(self.on_tree_item_activated)
        self.tree.currentItemChanged.connect(self.on_tree_current_item_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self.on_tree_context_menu_requested)
        self.done_action = QAction(self.tr("Done: the customer was called back"), self)
        self.done_action.triggered.connect(self.mark_current_done)
        self.cancel_action = QAction(self.tr("Cancel the callback…"), self)
        self.cancel_action.triggered.connect(self.ask_cancel_reason)

        self.done_button = QPushButton(self.tr("Done"), self)
        self.done_button.setObjectName("callbackDone")
        self.done_button.setToolTip(self.done_action.text())
        self.done_button.clicked.connect(self.mark_current_done)
        self.cancel_button = QPushButton(self.tr("Cancel…"), self)
        self.cancel_button.setObjectName("callbackCancel")
        self.cancel_button.setToolTip(self.cancel_action.text())
        self.cancel_button.clicked.connect(self.ask_cancel_reason)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.done_button)
        actions.addWidget(self.cancel_button)

        # Cancelling asks why, inline: no modal dialog in the agent's way mid-shift.
        self.reason_panel = QWidget(self)
        self.reason_label = QLabel(self.tr("Why is it cancelled?"), self.reason_panel)
        self.reason_edit = QLineEdit(self.reason_panel)
        self.reason_edit.setObjectName("callbackCancelReason")
        self.reason_edit.setPlaceholderText(self.tr("e.g. the customer no longer wants it"))
        self.reason_edit.setMaxLength(200)
        self.reason_edit.returnPressed.connect(self.confirm_cancel)
        self.reason_edit.textChanged.connect(self.on_reason_edit_text_changed)
        self.reason_label.setBuddy(self.reason_edit)
        self.confirm_cancel_button = QPushButton(self.tr("Cancel the callback"),
                                                 self.reason_panel)
        self.confirm_cancel_button.setObjectName("callbackConfirmCancel")
        self.confirm_cancel_button.clicked.connect(self.confirm_cancel)
        self.keep_button = QPushButton(self.tr("Keep it"), self.reason_panel)
        self.keep_button.clicked.connect(self.close_reason_panel)
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.reason_panel)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self.close_reason_panel)
        reason = QHBoxLayout(self.reason_panel)
        reason.setContentsMargins(0, 0, 0, 0)
        reason.addWidget(self.reason_label)
        reason.addWidget(self.reason_edit, 1)
        reason.addWidget(self.confirm_cancel_button)
        reason.addWidget(self.keep_button)
        self.reason_panel.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        layout.addWidget(self.reason_panel)
        layout.addLayout(actions)
        self._timer = QTimer(self)
        self._timer.setInterval(check_interval_ms)
        self._timer.timeout.connect(self.on_check_timer_timeout)
        self._timer.start()

    def set_callbacks(self, callbacks: Iterable[Callback],
                      customer_names: Mapping[str, str] | None = None) -> None:
        """The open callbacks to list (done ones left out by the caller)."""
        self._callbacks = by_due_time(callbacks)
        self._names = dict(customer_names or {})
        current = self.current_callback()
        self.tree.clear()
        for callback in self._callbacks:
            item = QTreeWidgetItem(self.tree)
            item.setData(0, CALLBACK_ROLE, callback)
            item.setText(COLUMN_CUSTOMER, self.customer_text(callback))
            item.setText(COLUMN_OWNER, self.owner_text(callback.owner))
            item.setText(COLUMN_NOTE, callback.note)
            item.setToolTip(COLUMN_NOTE, callback.note)
            if current is not None and callback.id == current.id:
                self.tree.setCurrentItem(item)
        if self._cancelling is not None and all(c.id != self._cancelling.id
                                                for c in self._callbacks):
            self.close_reason_panel()
        self._update_actions()
        self.on_check_timer_timeout()

    def customer_text(self, callback: Callback) -> str:
        """The customer's name (or id); for an unknown caller, the number to call."""
        if callback.customer_id:
            return self._names.get(callback.customer_id, callback.customer_id)
        number = callback.callback_number or ""
        return self.tr("Caller {number}").format(
            number=format_for_region(number, self._region))

    def set_region(self, region: str) -> None:
        self._region = region
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            item.setText(COLUMN_CUSTOMER, self.customer_text(item.data(0, CALLBACK_ROLE)))

    def current_callback(self) -> Callback | None:
        item = self.tree.currentItem()
        callback = item.data(0, CALLBACK_ROLE) if item is not None else None
        return callback if isinstance(callback, Callback) else None

    def remove_callback(self, callback_id: UUID) -> None:
        """The callback is closed: off the list, and no reminder for it any more."""
        self._reminders.forget(callback_id)
        self._callbacks = [c for c in self._callbacks if c.id != callback_id]
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            if item.data(0, CALLBACK_ROLE).id == callback_id:
                self.tree.takeTopLevelItem(row)
                break
        if self._cancelling is not None and self._cancelling.id == callback_id:
            self.close_reason_panel()
        self._update_actions()

    # --- closing a callback -----------------------------------------------------------

    @Slot()
    def mark_current_done(self) -> None:
        callback = self.current_callback()
        if callback is not None:
            self._close(CallbackUpdate(callback.id, CallbackState.DONE, self._clock()))

    @Slot()
    def ask_cancel_reason(self) -> None:
        callback = self.current_callback()
        if callback is None:
            return
        self._cancelling = callback
        self.reason_label.setText(self.tr("Why is the callback for {customer} cancelled?")
                                  .format(customer=self.customer_text(callback)))
        self.reason_edit.clear()
        self.confirm_cancel_button.setEnabled(False)
        self.reason_panel.show()
        self.reason_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def confirm_cancel(self) -> None:
        callback = self._cancelling
        reason = self.reason_edit.text().strip()
        if callback is None or not reason:
            return  # a cancelled promise needs its reason, for the customer file
        self.close_reason_panel()
        self._close(CallbackUpdate(callback.id, CallbackState.CANCELLED, self._clock(),
                                   note=reason))

    @Slot()
    def close_reason_panel(self) -> None:
        self._cancelling = None
        self.reason_panel.hide()
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(str)
    def on_reason_edit_text_changed(self, text: str) -> None:
        self.confirm_cancel_button.setEnabled(bool(text.strip()))

    def _close(self, update: CallbackUpdate) -> None:
        self.remove_callback(update.callback_id)
        self.sig_callback_closed.emit(update)

    def context_menu(self) -> QMenu:
        menu = QMenu(self.tree)
        menu.addAction(self.done_action)
        menu.addAction(self.cancel_action)
        return menu

    @Slot(QPoint)
    def on_tree_context_menu_requested(self, position: QPoint) -> None:
        popup_row_menu(self.tree, position, lambda: self.current_callback() is not None,
                       self.context_menu)

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def on_tree_current_item_changed(self, _current: QTreeWidgetItem | None,
                                     _previous: QTreeWidgetItem | None) -> None:
        self._update_actions()

    def _update_actions(self) -> None:
        chosen = self.current_callback() is not None
        for widget in (self.done_button, self.cancel_button):
            widget.setEnabled(chosen)
        self.done_action.setEnabled(chosen)
        self.cancel_action.setEnabled(chosen)

    def callbacks(self) -> list[Callback]:
        return list(self._callbacks)

    def owner_text(self, owner: CallbackOwner) -> str:
        return {CallbackOwner.ME: self.tr("Me"), CallbackOwner.TEAM: self.tr("My team"),
                CallbackOwner.ANYONE: self.tr("Anyone")}[owner]

    def status_text(self, status: CallbackStatus) -> str:
        return {CallbackStatus.UPCOMING: self.tr("Upcoming"), CallbackStatus.DUE: self.tr("Due"),
                CallbackStatus.OVERDUE: self.tr("Overdue")}[status]

    def status_of(self, row: int) -> str:
        item = self.tree.topLevelItem(row)
        return item.text(COLUMN_STATUS) if item is not None else ""

    @Slot()
    def on_check_timer_timeout(self) -> None:
        now = self._clock()
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            callback = item.data(0, CALLBACK_ROLE)
            status = callback_status(callback, now, self._timing)
            item.setText(COLUMN_AGENT_TIME, self._agent_time_text(callback, now))
            item.setText(COLUMN_CUSTOMER_TIME, self._customer_time_text(callback))
            item.setText(COLUMN_STATUS, self.status_text(status))
            colour = STATUS_COLOURS.get(status)
            brush = QBrush(QColor(colour)) if colour else QBrush()
            for column in (COLUMN_AGENT_TIME, COLUMN_STATUS):
                item.setForeground(column, brush)
        for callback in self._reminders.newly_due(self._callbacks, now):
            self.sig_callback_due.emit(callback)

    def _agent_time_text(self, callback: Callback, now: datetime) -> str:
        mine = callback.due_at.astimezone(self._agent_zone)
        today = now.astimezone(self._agent_zone).date()
        return mine.strftime("%H:%M") if mine.date() == today else mine.strftime(
            "%Y-%m-%d %H:%M")

    def _customer_time_text(self, callback: Callback) -> str:
        theirs = customer_time(callback)
        if theirs is None:
            return self.tr("{zone} (unknown zone)").format(zone=callback.customer_timezone)
        return f"{theirs.strftime('%Y-%m-%d %H:%M')} {callback.customer_timezone}"

    @Slot(QTreeWidgetItem, int)
    def on_tree_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        self.sig_callback_activated.emit(item.data(0, CALLBACK_ROLE))
