"""The one entry point for errors nobody expected (the Anki `show_exception`).

Expected failures have their own places: a PhoneActionError goes to the status bar,
an InvalidNumberError next to the number field. Anything else is a bug: it is logged
with its traceback and the agent gets a non-blocking message box, so a call in
progress keeps running while the box is open.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

log = logging.getLogger(__name__)


def show_exception(exc: BaseException, parent: QWidget | None = None,
                   context: str = "") -> QMessageBox:
    """Log `exc` with its traceback and tell the agent, without blocking."""
    log.error("unexpected error%s", f" while {context}" if context else "",
              exc_info=(type(exc), exc, exc.__traceback__))
    box = QMessageBox(parent or QApplication.activeWindow())
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(QCoreApplication.translate("Errors", "Something went wrong"))
    box.setText(QCoreApplication.translate(
        "Errors", "agentdesk hit an unexpected error. Your calls are not affected; "
        "the details are in the log file."))
    box.setInformativeText(f"{type(exc).__name__}: {exc}"[:500])
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.show()
    return box


def install_exception_hook() -> Callable[[], None]:
    """Route exceptions escaping Qt slots to show_exception; returns the uninstaller."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException,
             tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt) or QApplication.instance() is None:
            previous(kind, exc, tb)
            return
        show_exception(exc.with_traceback(tb))

    sys.excepthook = hook

    def uninstall() -> None:
        sys.excepthook = previous

    return uninstall
