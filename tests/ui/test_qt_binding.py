import PySide6
import pytest

from tests.ui.qt_binding import binding_drops_references


def test_pyside_keeps_the_reference_counts_of_none_and_bools():
    if binding_drops_references():
        pytest.fail(f"PySide6 {PySide6.__version__} on this Python drops a reference to None "
                    "on every void call and to True/False on Signal.emit; the desktop would "
                    "abort after a while. Pin pyside6<6.12 (6.11.3 is fine) or use "
                    "CPython >= 3.12.")
