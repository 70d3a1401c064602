"""The ringtone and the tray notification degrade quietly without audio or a tray."""

import wave
from pathlib import Path

from PySide6.QtCore import QtMsgType

from agentdesk.core.phone_events import IncomingCall
from agentdesk.core.settings import AudioSettings
from agentdesk.core.sip_headers import SipHeaders
from agentdesk.ui.main_window import MainWindow
from agentdesk.ui.ringer import Ringer, is_playable_wav, write_builtin_ringtone
from agentdesk.ui.tray import TrayNotifier, incoming_call_message
from tests.fakes.softphone import FakeSoftphone

SERIOUS = (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)


def test_the_builtin_ringtone_is_a_valid_wav(tmp_path: Path):
    path = write_builtin_ringtone(tmp_path / "ring.wav")
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        assert wav.getnframes() / wav.getframerate() == 3.0
    assert is_playable_wav(path)


def test_a_broken_custom_ringtone_falls_back_to_the_builtin(qtbot, tmp_path: Path, caplog):
    broken = tmp_path / "ring.wav"
    broken.write_bytes(b"not a wav")
    ringer = Ringer(AudioSettings(ringtone=str(broken)))
    path = ringer.ringtone_path()
    assert path != broken and is_playable_wav(path)
    assert "not a readable WAV" in caplog.text


def test_a_custom_ringtone_is_used(qtbot, tmp_path: Path):
    custom = write_builtin_ringtone(tmp_path / "mine.wav")
    assert Ringer(AudioSettings(ringtone=str(custom))).ringtone_path() == custom


def test_ringing_without_an_audio_device_is_silent_not_noisy(qtbot, qtlog):
    ringer = Ringer(AudioSettings())
    with qtbot.waitSignal(ringer.sig_ringing_changed) as started:
        ringer.set_ringing(True)
    assert started.args == [True] and ringer.is_ringing
    with qtbot.waitSignal(ringer.sig_ringing_changed) as stopped:
        ringer.stop()
    assert stopped.args == [False] and not ringer.is_ringing
    ours = [r for r in qtlog.records if not r.ignored and r.type in SERIOUS]
    assert ours == []  # only the machine's "no sound server" lines, which are ignored


def test_the_window_rings_while_an_inbound_call_rings(qtbot, window: MainWindow,
                                                      phone: FakeSoftphone):
    call_id = phone.incoming_call()
    assert window.ringer.is_ringing
    phone.remote_hangup(call_id)  # the caller gave up
    assert not window.ringer.is_ringing


def test_an_outbound_call_does_not_ring(qtbot, window: MainWindow, phone: FakeSoftphone):
    window.call_bar.call_actions.dial("1002")
    assert not window.ringer.is_ringing


def test_tray_message_text_is_short_and_clean(qapp):
    event = IncomingCall("c1", "+861065529988", "Wang\nFang\u202e" + "x" * 500, SipHeaders())
    title, body = incoming_call_message(event, "CN")
    assert title == "Incoming call"
    assert "\n" not in body and "\u202e" not in body
    assert body.endswith("(010 6552 9988)") and len(body) < 100
    anonymous = IncomingCall("c2", "", "", SipHeaders())
    assert incoming_call_message(anonymous, "CN")[1] == "Unknown caller"


def test_no_tray_means_no_icon_and_no_warning(qtbot, qtlog):
    notifier = TrayNotifier()  # the offscreen platform has no system tray
    assert not notifier.available
    notifier.notify_incoming_call(IncomingCall("c1", "1001", "Li", SipHeaders()), "CN")
    notifier.clear()
    notifier.hide()
    assert notifier.last_message == ("Incoming call", "Li (1001)")
    assert [r for r in qtlog.records if not r.ignored and r.type in SERIOUS] == []
