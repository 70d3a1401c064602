"""The agent's lines when two or more calls exist: pick one to act on it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from agentdesk.core.call_service import CallLine
from agentdesk.core.phone_events import CallDirection
from agentdesk.ui.display_text import call_state_text, caller_title, talk_time_text

CALL_ID_ROLE = Qt.ItemDataRole.UserRole


class LineList(QTreeWidget):
    sig_line_selected = Signal(str)  # call id the agent picked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lineList")
        self.setColumnCount(3)
        self.setHeaderLabels([self.tr("Caller"), self.tr("State"), self.tr("Time")])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.setAccessibleName(self.tr("Lines"))
        self.itemSelectionChanged.connect(self.on_list_selection_changed)

    def call_ids(self) -> list[str]:
        return [self._row(i).data(0, CALL_ID_ROLE) for i in range(self.topLevelItemCount())]

    def _row(self, row: int) -> QTreeWidgetItem:
        item = self.topLevelItem(row)
        assert item is not None
        return item

    def set_lines(self, lines: Sequence[CallLine], current_id: str | None, region: str,
                  now: float) -> None:
        self.blockSignals(True)  # re-rendering is not the agent picking a line
        try:
            while self.topLevelItemCount() > len(lines):
                self.takeTopLevelItem(self.topLevelItemCount() - 1)
            while self.topLevelItemCount() < len(lines):
                self.addTopLevelItem(QTreeWidgetItem())
            for row, line in enumerate(lines):
                item = self._row(row)
                title, number = caller_title(line, region)
                arrow = "↘" if line.direction is CallDirection.INBOUND else "↗"
                caller = f"{arrow} {title}" + (f"  {number}" if number else "")
                if line.consult_for:
                    caller += "  " + self.tr("(transfer consultation)")
                item.setText(0, caller)
                item.setToolTip(0, caller)
                item.setText(1, call_state_text(line))
                item.setText(2, talk_time_text(line, now))
                item.setData(0, CALL_ID_ROLE, line.call_id)
                item.setSelected(line.call_id == current_id)
        finally:
            self.blockSignals(False)

    def refresh_times(self, lines: Sequence[CallLine], now: float) -> None:
        by_id = {line.call_id: line for line in lines}
        for row in range(self.topLevelItemCount()):
            item = self._row(row)
            line = by_id.get(item.data(0, CALL_ID_ROLE))
            if line is not None:
                item.setText(2, talk_time_text(line, now))

    def select_call(self, call_id: str) -> None:
        """Select a line as the agent would (emits sig_line_selected)."""
        for row in range(self.topLevelItemCount()):
            item = self._row(row)
            if item.data(0, CALL_ID_ROLE) == call_id:
                self.setCurrentItem(item)
                item.setSelected(True)
                return
        raise KeyError(call_id)

    def on_list_selection_changed(self) -> None:
        items = self.selectedItems()
        if items:
            self.sig_line_selected.emit(items[0].data(0, CALL_ID_ROLE))
