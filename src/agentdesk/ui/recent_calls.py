""""Recent calls": today's calls of this desktop, newest first, and the way back into
a saved wrap-up.

Each row shows the time, the direction, the customer (or the formatted number when
no customer was identified), the duration, the call's current wrap-up codes (an
auto-wrapped call is marked: its real outcome is still missing) and until when the
wrap-up may be changed. "Change wrap-up" (button, context menu, Enter or
double-click) asks to re-open it - only while the code set's re-open window is open
and the agent is neither on a call nor in after-call work; otherwise the reason is
shown beside the button. A timer re-checks the windows as they close.

The integrator fills the list (`set_calls`) from the store, says when the agent is
busy (`set_busy`) and opens the wrap-up form in re-open mode on
`sig_reopen_requested`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from PySide6.QtCore import QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.agent_state import AgentState
from agentdesk.core.dial_numbers import format_for_region
from agentdesk.core.records import CallRecord, Direction, WrapUp
from agentdesk.core.wrapup_codes import CodeSet, ReopenRefusal, ReopenStatus, reopen_status
from agentdesk.ui.row_menu import popup_row_menu

CALL_ROLE = Qt.ItemDataRole.UserRole
COLUMN_TIME, COLUMN_DIRECTION, COLUMN_WHO, COLUMN_DURATION, COLUMN_CODES, \
    COLUMN_CHANGE_UNTIL = range(6)
AUTO_WRAPPED_COLOUR = "#a15c00"


@dataclass(frozen=True, slots=True)
class RecentCall:
    """One call of the list: its record, its current wrap-up and the set it uses."""

    record: CallRecord
    current: WrapUp | None  # the newest wrap-up no other supersedes; None: none yet
    code_set: CodeSet | None  # the set that reaches the call today; None: no set
    customer_name: str = ""  # empty: no customer, or none known on this desktop

    def reopen_status(self, now: datetime) -> ReopenStatus:
        return reopen_status(self.code_set, self.current, now)


class RecentCallsList(QWidget):
    sig_reopen_requested = Signal(object)  # RecentCall: open its wrap-up in re-open mode

    def __init__(self, parent: QWidget | None = None, *,
                 clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
                 agent_timezone: tzinfo | None = None, region: str = "CN",
                 language: str = "en", check_interval_ms: int = 15_000) -> None:
        super().__init__(parent)
        self.setObjectName("recentCalls")
        self._clock = clock
        self._agent_zone = agent_timezone or datetime.now().astimezone().tzinfo
        self._region = region
        self._language = language
        self._calls: list[RecentCall] = []
        self._busy: AgentState | None = None

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("recentCallsTree")
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels([self.tr("Time"), self.tr("Direction"),
                                   self.tr("Customer"), self.tr("Duration"),
                                   self.tr("Wrap-up"), self.tr("Change until")])
        self.tree.itemActivated.connect(self.on_tree_item_activated)
        self.tree.currentItemChanged.connect(self.on_tree_current_item_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self.on_tree_context_menu_requested)
        self.reopen_action = QAction(self.tr("Change wrap-up…"), self)
        self.reopen_action.triggered.connect(self.request_reopen)
        self.reopen_button = QPushButton(self.tr("Change wrap-up…"), self)
        self.reopen_button.setObjectName("recentCallsReopen")
        self.reopen_button.clicked.connect(self.request_reopen)
        self.reason_label = QLabel(self)
        self.reason_label.setObjectName("recentCallsReason")
        self.reason_label.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.reason_label, 1)
        actions.addWidget(self.reopen_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(actions)

        self._timer = QTimer(self)
        self._timer.setInterval(check_interval_ms)
        self._timer.timeout.connect(self.on_check_timer_timeout)
        self._timer.start()
        self._update_action()

    # --- what the list shows ----------------------------------------------------------

    def set_calls(self, calls: Iterable[RecentCall]) -> None:
        """Today's calls; shown newest first, the chosen row kept across refreshes."""
        chosen = self.current_call()
        self._calls = sorted(calls, key=lambda c: (c.record.started_at, str(c.record.id)),
                             reverse=True)
        self.tree.clear()
        for call in self._calls:
            item = QTreeWidgetItem(self.tree)
            item.setData(0, CALL_ROLE, call)
            self._fill_row(item, call)
            if chosen is not None and call.record.id == chosen.record.id:
                self.tree.setCurrentItem(item)
        self.on_check_timer_timeout()

    def calls(self) -> list[RecentCall]:
        return list(self._calls)

    def set_busy(self, state: AgentState | None) -> None:
        """The agent's state that keeps re-opening closed (a call, ACW); None: free."""
        self._busy = state
        self._update_action()

    def set_region(self, region: str) -> None:
        self._region = region
        self.set_calls(self._calls)

    def current_call(self) -> RecentCall | None:
        item = self.tree.currentItem()
        call = item.data(0, CALL_ROLE) if item is not None else None
        return call if isinstance(call, RecentCall) else None

    def row_texts(self, row: int) -> list[str]:
        item = self.tree.topLevelItem(row)
        return [item.text(column) for column in range(self.tree.columnCount())]

    def _fill_row(self, item: QTreeWidgetItem, call: RecentCall) -> None:
        record = call.record
        item.setText(COLUMN_TIME, self._local(record.started_at).strftime("%H:%M"))
        item.setText(COLUMN_DIRECTION, self.tr("In") if record.direction is Direction.INBOUND
                     else self.tr("Out"))
        item.setText(COLUMN_WHO, self.who_text(call))
        item.setText(COLUMN_DURATION, self.duration_text(record))
        item.setText(COLUMN_CODES, self.codes_text(call))
        if call.current is not None and call.current.auto_wrapped:
            font = QFont(item.font(COLUMN_CODES))
            font.setItalic(True)
            item.setFont(COLUMN_CODES, font)
            item.setForeground(COLUMN_CODES, QBrush(QColor(AUTO_WRAPPED_COLOUR)))
            item.setToolTip(COLUMN_CODES, self.tr(
                "The after-call work ran out before a wrap-up was saved: change it to "
                "record the real outcome."))
        elif call.current is not None and call.current.note:
            item.setToolTip(COLUMN_CODES, call.current.note)

    def who_text(self, call: RecentCall) -> str:
        if call.customer_name:
            return call.customer_name
        if call.record.customer_id:
            return call.record.customer_id
        number = call.record.remote_number
        return format_for_region(number, self._region) if number else self.tr("Unknown")

    def duration_text(self, record: CallRecord) -> str:
        if record.connected_at is None or record.ended_at is None:
            return self.tr("Not connected")
        seconds = max(0, int((record.ended_at - record.connected_at).total_seconds()))
        hours, rest = divmod(seconds, 3600)
        text = f"{rest // 60}:{rest % 60:02d}"
        return f"{hours}:{text.zfill(5)}" if hours else text

    def codes_text(self, call: RecentCall) -> str:
        wrapup = call.current
        if wrapup is None:
            return "" if call.record.connected_at is None else self.tr("Not wrapped up yet")
        if wrapup.auto_wrapped:
            return self.tr("Auto-wrapped")
        labels = []
        for code in wrapup.codes:
            found = call.code_set.code(code) if call.code_set is not None else None
            labels.append(found.label.text(self._language) if found is not None else code)
        text = ", ".join(labels)
        return self.tr("{codes} (changed)").format(codes=text) \
            if wrapup.supersedes_id is not None else text

    # --- re-opening ---------------------------------------------------------------------

    def refusal_text(self, call: RecentCall | None, now: datetime) -> str | None:
        """Why the chosen call's wrap-up cannot be changed now; None: it can."""
        if call is None:
            return self.tr("Choose a call to change its wrap-up.")
        if self._busy is AgentState.AFTER_CALL_WORK:
            return self.tr("Finish the current wrap-up first.")
        if self._busy is not None:
            return self.tr("Not during a call.")
        if call.record.connected_at is None:
            return self.tr("The call was not connected: there is nothing to wrap up.")
        status = call.reopen_status(now)
        messages = {
            ReopenRefusal.NOT_WRAPPED_UP: self.tr("This call has no saved wrap-up yet."),
            ReopenRefusal.NO_CODE_SET: self.tr("No wrap-up codes are set up for this call."),
            ReopenRefusal.NOT_ALLOWED: self.tr(
                "Wrap-ups of this queue cannot be changed once saved."),
        }
        if status.refusal is ReopenRefusal.WINDOW_OVER:
            assert status.deadline is not None
            return self.tr("The time to change it ended at {time}.").format(
                time=self._local(status.deadline).strftime("%H:%M"))
        if status.refusal is not None:
            return messages[status.refusal]
        return None

    @Slot()
    def request_reopen(self) -> None:
        call = self.current_call()
        if call is None or self.refusal_text(call, self._clock()) is not None:
            self._update_action()
            return
        self.sig_reopen_requested.emit(call)

    @Slot()
    def on_check_timer_timeout(self) -> None:
        now = self._clock()
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            call = item.data(0, CALL_ROLE)
            status = call.reopen_status(now)
            item.setText(COLUMN_CHANGE_UNTIL,
                         self._local(status.deadline).strftime("%H:%M")
                         if status.allowed and status.deadline is not None else "")
        self._update_action()

    def _update_action(self) -> None:
        now = self._clock()
        call = self.current_call()
        refusal = self.refusal_text(call, now)
        allowed = refusal is None
        self.reopen_button.setEnabled(allowed)
        self.reopen_action.setEnabled(allowed)
        if allowed:
            assert call is not None
            deadline = call.reopen_status(now).deadline
            assert deadline is not None
            self.reason_label.setText(self.tr("You can change it until {time}.").format(
                time=self._local(deadline).strftime("%H:%M")))
        else:
            self.reason_label.setText(refusal or "")
        self.reopen_button.setToolTip(self.reason_label.text())

    def _local(self, instant: datetime) -> datetime:
        return instant.astimezone(self._agent_zone)

    # --- the tree ---------------------------------------------------------------------

    @Slot(QTreeWidgetItem, int)
    def on_tree_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        self.tree.setCurrentItem(item)
        self.request_reopen()

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def on_tree_current_item_changed(self, _current: QTreeWidgetItem | None,
                                     _previous: QTreeWidgetItem | None) -> None:
        self._update_action()

    def context_menu(self) -> QMenu:
        menu = QMenu(self.tree)
        menu.addAction(self.reopen_action)
        return menu

    @Slot(QPoint)
    def on_tree_context_menu_requested(self, position: QPoint) -> None:
        popup_row_menu(self.tree, position, lambda: self.current_call() is not None,
                       self.context_menu)
