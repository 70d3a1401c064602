"""A one-line label that elides instead of growing: hostile names never widen a layout."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QSizePolicy, QWidget

from agentdesk.ui.display_text import MAX_TOOLTIP_CHARS, clean_display_text


class ElidedLabel(QFrame):
    def __init__(self, text: str = "", parent: QWidget | None = None,
                 elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        self._text = ""
        self._elide = elide
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        cleaned = clean_display_text(text)
        if cleaned == self._text:
            return
        self._text = cleaned
        full = clean_display_text(text, MAX_TOOLTIP_CHARS)
        self.setToolTip(full if len(full) > 24 else "")
        self.updateGeometry()
        self.update()

    def displayed_text(self) -> str:
        """What is painted at the current width (for tests and accessibility)."""
        return self.fontMetrics().elidedText(self._text, self._elide, self.contentsRect().width())

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        width = min(metrics.horizontalAdvance(self._text), metrics.averageCharWidth() * 40)
        return QSize(width, metrics.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().averageCharWidth() * 4, self.fontMetrics().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        rect = self.contentsRect()
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         self.displayed_text())
        painter.end()
