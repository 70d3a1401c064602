"""The window's composition: menus, demo mode, settings, errors, closing."""

import logging

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from agentdesk.core.call_service import CallService
from agentdesk.core.phone_events import CallState
from agentdesk.core.settings import Settings
from agentdesk.core.softphone import PhoneActionError
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.demo import DemoControls
from agentdesk.ui.errors import install_exception_hook, show_exception
from agentdesk.ui.main_window import MainWindow
from agentdesk.ui.qt_scheduler import QtScheduler
from tests.fakes.softphone import FakeSoftphone
from tests.ui.conftest import press_shortcut


class FakeDemo:
    def __init__(self, phone: FakeSoftphone, refuse: str = "") -> None:
        self.phone = phone
        self.refuse = refuse

    def simulate_inbound_call(self) -> None:
        if self.refuse:
            raise PhoneActionError(self.refuse)
        self.phone.incoming_call("+8613800138000", "Simulated customer")

    def call_campaign_lead(self) -> None:
        self.phone.dial("+8613912345678")


def make_window(qtbot, service, bridge, settings, **kwargs) -> MainWindow:
    win = MainWindow(service, bridge, settings, **kwargs)
    qtbot.addWidget(win)
    with qtbot.waitExposed(win):
        win.show()
    with qtbot.waitActive(win):
        win.activateWindow()
    return win


def test_no_demo_menu_without_demo_controls(window: MainWindow):
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&View", "&Call", "&Help"]
    assert window.demo_menu is None


def test_demo_menu_simulates_an_inbound_call(qtbot, service, bridge, settings, phone):
    demo = FakeDemo(phone)
    assert isinstance(demo, DemoControls)
    win = make_window(qtbot, service, bridge, settings, demo=demo)
    assert [a.text() for a in win.menuBar().actions()] == [
        "&File", "&View", "&Call", "&Demo", "&Help"]
    with qtbot.waitSignal(bridge.sig_incoming_call):
        press_shortcut(qtbot, win, "simulate_inbound")
    assert win.call_bar.call_info.name_label.text() == "Simulated customer"


def test_a_demo_failure_goes_to_the_status_bar(qtbot, service, bridge, settings, phone):
    win = make_window(qtbot, service, bridge, settings,
                      demo=FakeDemo(phone, refuse="The simulated caller is not running."))
    win.simulate_action.trigger()
    assert win.status_bar.currentMessage() == "The simulated caller is not running."


def test_settings_action_asks_the_app(qtbot, window: MainWindow):
    with qtbot.waitSignal(window.sig_settings_requested):
        window.settings_action.trigger()


def test_apply_settings_changes_how_numbers_read(qtbot, window: MainWindow,
                                                 settings: Settings, phone: FakeSoftphone):
    phone.incoming_call("+861065529988", "")
    assert window.call_bar.call_info.name_label.text() == "010 6552 9988"
    settings.phone.default_region = "US"
    window.apply_settings(settings)
    assert window.call_bar.call_info.name_label.text() == "+86 10 6552 9988"


def test_closing_the_window_stops_the_ring(qtbot, window: MainWindow, phone: FakeSoftphone):
    phone.incoming_call()
    assert window.ringer.is_ringing
    with qtbot.waitSignal(window.sig_closed):
        window.close()
    assert not window.ringer.is_ringing


def test_window_title_tells_a_ringing_call_on_the_taskbar(window: MainWindow,
                                                          phone: FakeSoftphone):
    call_id = phone.incoming_call()
    assert window.windowTitle() == "Incoming call — agentdesk"
    phone.answer(call_id)
    assert window.windowTitle() == "On a call — agentdesk"
    phone.remote_hangup(call_id)
    assert window.windowTitle() == "agentdesk"


def test_show_exception_logs_and_does_not_block(qtbot, window: MainWindow, caplog):
    try:
        raise KeyError("customer_id")
    except KeyError as exc:
        with caplog.at_level(logging.ERROR):
            box = show_exception(exc, window, "opening the customer file")
    assert box.parent() is window  # deleted with the window, or when closed
    assert box.isVisible() and not box.isModal()
    assert "KeyError" in box.informativeText()
    assert "while opening the customer file" in caplog.text
    assert "Traceback" in caplog.text
    box.close()


def test_an_unexpected_error_in_an_action_reaches_show_exception(qtbot, window: MainWindow,
                                                                 service: CallService,
                                                                 monkeypatch, caplog):
    def broken(_text: str) -> str:
        raise RuntimeError("bug in dial")

    monkeypatch.setattr(service, "dial", broken)
    window.call_bar.call_actions.dial("1001")
    boxes = window.findChildren(QMessageBox)
    assert len(boxes) == 1 and "bug in dial" in boxes[0].informativeText()
    assert "bug in dial" in caplog.text
    boxes[0].close()


def test_exception_hook_installs_and_uninstalls(qapp):
    import sys

    before = sys.excepthook
    uninstall = install_exception_hook()
    assert sys.excepthook is not before
    uninstall()
    assert sys.excepthook is before


def test_events_delivered_later_by_poll_render_the_same(qtbot, settings, clock):
    """pjsua2 reports most changes from its event pump; the UI must not care when."""
    phone = FakeSoftphone(deferred=True, clock=clock)
    scheduler = QtScheduler()
    service = CallService(phone, settings.phone, scheduler.schedule)
    bridge = PhoneBridge(service)
    win = make_window(qtbot, service, bridge, settings)
    pump = QTimer(win)
    pump.timeout.connect(phone.poll)
    pump.start(5)
    with qtbot.waitSignal(bridge.sig_incoming_call):
        call_id = phone.incoming_call("+8613800138000", "Li Lei")
    with qtbot.waitSignal(bridge.sig_call_state_changed):
        win.call_bar.call_actions.answer.trigger()
    qtbot.waitUntil(lambda: win.call_bar.call_info.state_label.text() == "Connected")
    with qtbot.waitSignal(bridge.sig_hold_changed):
        win.call_bar.call_actions.hold.trigger()
    assert win.call_bar.hold_button.text() == "Resume"
    assert phone.calls[call_id].state is CallState.CONNECTED
    pump.stop()
    scheduler.cancel_all()
