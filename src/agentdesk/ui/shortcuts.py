"""Every keyboard shortcut of the desktop, in one table.

Call actions use Ctrl+Shift+letter (Ctrl+Return to answer): text fields use plain
letters, Ctrl+letter (Ctrl+A/C/V/X/Z/Y/K/U ...) and Ctrl+Shift+arrows/Home/End/Z, and
input methods take Ctrl+Shift+U and Ctrl+Shift+E, so none of these keys collide with
typing in the number field or, later, in notes. Hang-up is X, not H: H is hold, and a
destructive action should not sit on the key of the one agents press most.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QKeySequence


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks `text` for lupdate (which looks for this name); translated when shown."""
    return text


class Scope(Enum):
    WINDOW = "window"  # a QAction on the main window: works wherever the focus is
    DIAL_PAD = "dial_pad"  # while the dial pad has the focus
    NUMBER_FIELD = "number_field"  # while the number field has the focus
    TRANSFER_PANEL = "transfer_panel"  # while the transfer target field has the focus


@dataclass(frozen=True)
class Shortcut:
    action: str
    keys: tuple[str, ...]  # portable QKeySequence text; the first one is shown
    description: str  # source text; translated in context "Shortcuts"
    scope: Scope = Scope.WINDOW

    def sequences(self) -> list[QKeySequence]:
        return [QKeySequence(key) for key in self.keys]

    def native_text(self) -> str:
        """The keys as the platform writes them (Ctrl+Shift+H; ⌃⇧H on macOS)."""
        if self.action == "dtmf_digits":
            return "0–9  *  #"
        return QKeySequence(self.keys[0]).toString(QKeySequence.SequenceFormat.NativeText)

    def translated_description(self) -> str:
        return QCoreApplication.translate("Shortcuts", self.description)


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("answer", ("Ctrl+Return", "Ctrl+Enter"), QT_TRANSLATE_NOOP(
        "Shortcuts", "Answer the ringing call, or call the number typed")),
    Shortcut("reject", ("Ctrl+Shift+D",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Reject (decline) the ringing call")),
    Shortcut("hang_up", ("Ctrl+Shift+X",), QT_TRANSLATE_NOOP("Shortcuts", "Hang up")),
    Shortcut("hold", ("Ctrl+Shift+H",), QT_TRANSLATE_NOOP("Shortcuts", "Hold or resume")),
    Shortcut("mute", ("Ctrl+Shift+M",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Mute or unmute the microphone")),
    Shortcut("transfer", ("Ctrl+Shift+T",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Transfer; during a consultation, complete the transfer")),
    Shortcut("cancel_transfer", ("Ctrl+Shift+B",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Cancel the transfer and go back to the caller")),
    Shortcut("record", ("Ctrl+Shift+R",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Start, pause or resume recording")),
    Shortcut("dial_pad", ("Ctrl+Shift+P",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Show or hide the dial pad")),
    Shortcut("focus_number", ("Ctrl+L",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Go to the number field")),
    Shortcut("dtmf_digits", ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"),
             QT_TRANSLATE_NOOP("Shortcuts", "Send a digit during a call (type a digit "
                               "into the number field otherwise)"), Scope.DIAL_PAD),
    Shortcut("dial", ("Return",), QT_TRANSLATE_NOOP("Shortcuts", "Call the number typed"),
             Scope.NUMBER_FIELD),
    Shortcut("transfer_now", ("Return",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Transfer now (blind transfer)"), Scope.TRANSFER_PANEL),
    Shortcut("consult", ("Shift+Return",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Call the target first (consult, then complete or cancel)"),
             Scope.TRANSFER_PANEL),
    Shortcut("close_transfer", ("Esc",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Close the transfer panel"), Scope.TRANSFER_PANEL),
    Shortcut("customer_search", ("Ctrl+F",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Search customers by id, account, phone or name")),
    Shortcut("my_day", ("F8",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Show or hide My day (figures and callbacks)")),
    Shortcut("settings", ("Ctrl+,",), QT_TRANSLATE_NOOP("Shortcuts", "Settings")),
    Shortcut("shortcuts_help", ("F1",), QT_TRANSLATE_NOOP("Shortcuts", "Keyboard shortcuts")),
    Shortcut("quit", ("Ctrl+Q",), QT_TRANSLATE_NOOP("Shortcuts", "Quit")),
    Shortcut("simulate_inbound", ("F9",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Demo: simulate an inbound call")),
    Shortcut("demo_campaign_call", ("Shift+F9",), QT_TRANSLATE_NOOP(
        "Shortcuts", "Demo: call a telesales lead")),
)

_BY_ACTION = {shortcut.action: shortcut for shortcut in SHORTCUTS}


def shortcut(action: str) -> Shortcut:
    return _BY_ACTION[action]


def scope_title(scope: Scope) -> str:
    return {
        Scope.WINDOW: QCoreApplication.translate("Shortcuts", "Anywhere in the window"),
        Scope.DIAL_PAD: QCoreApplication.translate("Shortcuts", "In the dial pad"),
        Scope.NUMBER_FIELD: QCoreApplication.translate("Shortcuts", "In the number field"),
        Scope.TRANSFER_PANEL: QCoreApplication.translate("Shortcuts", "In the transfer panel"),
    }[scope]


def with_shortcut(text: str, action: str) -> str:
    """A tooltip that names its shortcut: 'Hold (Ctrl+Shift+H)'."""
    return f"{text} ({shortcut(action).native_text()})"
