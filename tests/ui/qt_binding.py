"""Detects the PySide6 build that corrupts the reference counts of None, True and False.

PySide6 6.12.0 on CPython 3.11 returns None (from every void call) and True/False
(e.g. from Signal.emit) without taking a reference, as if they were immortal (they
are only from CPython 3.12 on). Each call drops one reference; once a count reaches
zero the interpreter aborts ('bool_dealloc' / 'none_dealloc'). PySide6 6.11.3 is
not affected.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def binding_drops_references(calls: int = 50) -> bool:
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("probe")
    return sys.getrefcount(None) - before <= -calls // 2
