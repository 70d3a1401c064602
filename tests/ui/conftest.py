"""Fixtures for the UI tests: a FakeSoftphone behind the real CallService and bridge.

Settings are fresh dataclasses that are never saved; recordings go to tmp_path; no
fixture reads or writes the real user's configuration or keyring.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from agentdesk.core.call_service import CallService
from agentdesk.core.settings import Settings
from agentdesk.core.softphone import CallQuality
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.main_window import MainWindow
from agentdesk.ui.qt_scheduler import QtScheduler
from tests.fakes.softphone import FakeSoftphone
from tests.ui.qt_binding import binding_drops_references

# On the broken binding (see qt_binding.py) every Qt call drops a reference to None
# or a bool, and the test process would abort part-way with no report at all. Extra
# references keep it alive long enough for every test to report; test_qt_binding.py
# still fails and says why: the application itself must not run on that binding.
REFCOUNT_BALLAST = [None, True, False] * 500_000 if binding_drops_references() else []

# Messages that describe the test machine, not agentdesk; every other Qt warning
# still fails a test. On a CI machine without a sound server, Qt Multimedia's
# PulseAudio backend says so at warning level the first time devices are listed.
# (The libraries Qt Multimedia loads, PipeWire's and libva among them, are installed
# by the scripts: their absence is a missing install step, never filtered here.)
# Qt 6.12's offscreen platform warns whenever a top-level window with a layout gets
# size constraints, because the plugin does not implement propagateSizeHints().
MACHINE_MESSAGES = (
    r"^PulseAudioService: pa_context_connect\(\) failed",
    r"^PipeWire audio backend requested",
    r"^This plugin does not support propagateSizeHints\(\)$",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(*MACHINE_MESSAGES))


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def settings() -> Settings:
    fresh = Settings()
    fresh.sip.registrar = "pbx.test"
    fresh.sip.username = "1001"
    fresh.phone.default_region = "CN"
    return fresh


@pytest.fixture
def phone(clock: FakeClock) -> FakeSoftphone:
    return FakeSoftphone(clock=clock)


@pytest.fixture
def scheduler(qtbot: QtBot) -> Iterator[QtScheduler]:
    scheduler = QtScheduler()
    yield scheduler
    scheduler.cancel_all()


@pytest.fixture
def service(phone: FakeSoftphone, settings: Settings, scheduler: QtScheduler,
            tmp_path: Path) -> CallService:
    return CallService(phone, settings.phone, scheduler.schedule, tmp_path / "recordings")


@pytest.fixture
def bridge(service: CallService) -> PhoneBridge:
    return PhoneBridge(service)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def qualities() -> dict[str, CallQuality]:
    return {}


@pytest.fixture
def window(qtbot: QtBot, service: CallService, bridge: PhoneBridge, settings: Settings,
           clock: FakeClock, phone: FakeSoftphone) -> MainWindow:
    win = MainWindow(service, bridge, settings, quality_provider=phone.quality, clock=clock,
                     quality_interval_ms=50)
    qtbot.addWidget(win)
    with qtbot.waitExposed(win):
        win.show()
    with qtbot.waitActive(win):
        win.activateWindow()
    return win


def press_shortcut(qtbot: QtBot, window: MainWindow, action: str) -> None:
    """Type the shortcut of `action` as the agent would, into the focused widget."""
    from agentdesk.ui.shortcuts import shortcut

    combination = shortcut(action).sequences()[0][0]
    target = window.focusWidget() or window
    qtbot.keyClick(target, combination.key(), combination.keyboardModifiers())


def answer_incoming(phone: FakeSoftphone, number: str = "+8613800138000",
                    name: str = "Wang Fang") -> str:
    call_id = phone.incoming_call(number, name)
    phone.answer(call_id)
    return call_id
