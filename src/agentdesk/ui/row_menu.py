"""The context menu of a list's row, from the mouse or from the Menu key."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu, QTreeWidget


def popup_row_menu(tree: QTreeWidget, position: QPoint, has_row: Callable[[], bool],
                   make_menu: Callable[[], QMenu]) -> None:
    """Make the row under `position` current (the Menu key gives no row: the current
    one stays), then pop the row's menu up there; nothing when no row is chosen."""
    under = tree.itemAt(position)
    if under is not None:
        tree.setCurrentItem(under)
    if not has_row():
        return
    menu = make_menu()
    menu.aboutToHide.connect(menu.deleteLater)
    menu.popup(tree.viewport().mapToGlobal(position))
