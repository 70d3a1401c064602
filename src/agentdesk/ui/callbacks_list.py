""""My callbacks": the promises this agent has to keep, soonest first.

Each row shows the time on the agent's clock and on the customer's (with the zone),
the customer, the owner (me / my team / anyone), the note and whether it is
upcoming, due or overdue. A timer re-checks the statuses; when a callback becomes
due, `sig_callback_due` fires once for it (the integrator shows a tray notification).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, tzinfo

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from agentdesk.core.callbacks import (
    CallbackReminders,
    CallbackStatus,
    CallbackTiming,
    by_due_time,
    callback_status,
    customer_time,
)
from agentdesk.core.records import Callback, CallbackOwner

CALLBACK_ROLE = Qt.ItemDataRole.UserRole
COLUMN_AGENT_TIME, COLUMN_CUSTOMER_TIME, COLUMN_CUSTOMER, COLUMN_OWNER, COLUMN_NOTE, \
    COLUMN_STATUS = range(6)
STATUS_COLOURS = {CallbackStatus.DUE: "#a15c00", CallbackStatus.OVERDUE: "#b00020"}


class CallbacksList(QWidget):
    sig_callback_due = Signal(object)  # Callback: remind the agent (tray notification)
    sig_callback_activated = Signal(object)  # Callback: the agent opened it (double-click)

    def __init__(self, parent: QWidget | None = None, *,
                 clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
                 agent_timezone: tzinfo | None = None,
                 timing: CallbackTiming | None = None,
                 check_interval_ms: int = 15_000) -> None:
        super().__init__(parent)
        self.setObjectName("callbacksList")
        self._clock = clock
        self._agent_zone = agent_timezone or datetime.now().astimezone().tzinfo
        self._timing = timing or CallbackTiming()
        self._reminders = CallbackReminders(self._timing)
        self._callbacks: list[Callback] = []
        self._names: Mapping[str, str] = {}
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("callbacksTree")
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels([self.tr("Your time"), self.tr("Customer's time"),
                                   self.tr("Customer"), self.tr("Owner"), self.tr("Note"),
                                   self.tr("Status")])
        self.tree.itemActivated.connect(self.on_tree_item_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        self._timer = QTimer(self)
        self._timer.setInterval(check_interval_ms)
        self._timer.timeout.connect(self.on_check_timer_timeout)
        self._timer.start()

    def set_callbacks(self, callbacks: Iterable[Callback],
                      customer_names: Mapping[str, str] | None = None) -> None:
        """The open callbacks to list (done ones left out by the caller)."""
        self._callbacks = by_due_time(callbacks)
        self._names = dict(customer_names or {})
        self.tree.clear()
        for callback in self._callbacks:
            item = QTreeWidgetItem(self.tree)
            item.setData(0, CALLBACK_ROLE, callback)
            item.setText(COLUMN_CUSTOMER, self._names.get(callback.customer_id,
                                                          callback.customer_id))
            item.setText(COLUMN_OWNER, self.owner_text(callback.owner))
            item.setText(COLUMN_NOTE, callback.note)
            item.setToolTip(COLUMN_NOTE, callback.note)
        self.on_check_timer_timeout()

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
