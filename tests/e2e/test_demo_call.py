"""Demo mode for real: the seat's pjsua2 phone, the window, and the simulated caller
process on 127.0.0.1. What an agent does in `./scripts/demo`, driven through the
window's own actions."""

from __future__ import annotations

import array
import math
import wave

import pytest

from agentdesk.app import DemoController, Seat, demo_settings
from agentdesk.core.phone_events import CallState
from agentdesk.credentials import SessionSecretStore
from agentdesk.demo import SimulatedCaller
from agentdesk.paths import SeatPaths
from agentdesk.sip.tone import detect_tone
from agentdesk.ui.main_window import MainWindow

pytestmark = [pytest.mark.sip, pytest.mark.slow]

# Qt Multimedia says so when the test machine has no sound server; not our warning.
pytestmark.append(pytest.mark.qt_log_ignore(
    r"^PulseAudioService: pa_context_connect",
    r"^PipeWire audio backend requested", r"^This plugin does not support propagateSizeHints"))


@pytest.fixture
def caller(qtbot):
    process = SimulatedCaller()
    with qtbot.waitSignal(process.sig_ready, timeout=20000):
        process.start()
    yield process
    process.stop()


@pytest.fixture
def seat(qtbot, tmp_path, caller):
    paths = SeatPaths(tmp_path / "seat.toml", tmp_path / "data")
    seat = Seat(paths, demo_settings(caller.port), SessionSecretStore(None), settings_path=None)
    seat.start()
    yield seat
    seat.shutdown()


@pytest.fixture
def window(qtbot, seat, caller):
    window = MainWindow(seat.calls, seat.bridge, seat.settings,
                        quality_provider=seat.phone.quality,
                        demo=DemoController(caller, seat), tray_available=False)
    qtbot.addWidget(window)
    window.show()
    return window


def state_is(state: CallState):
    return lambda event: event.state is state


def rms(pcm: bytes) -> float:
    samples = array.array("h", pcm[: len(pcm) // 2 * 2])
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


def test_simulated_inbound_call_rings_answers_with_audio_and_every_control_works(
        qtbot, seat, window):
    actions = window.call_bar.call_actions
    with qtbot.waitSignal(seat.bridge.sig_incoming_call, timeout=10000) as ringing:
        window.simulate_action.trigger()
    call = ringing.args[0]
    assert call.remote_name == "Li Lei"
    assert call.headers.get("X-Customer-Id") == "C-1001"

    with qtbot.waitSignal(seat.bridge.sig_call_state_changed, timeout=10000,
                          check_params_cb=state_is(CallState.CONNECTED)):
        actions.answer.trigger()

    # The simulated customer's spoken prompt reaches the speaker side of the bridge.
    seat.call_audio.speaker_buffer.clear()
    qtbot.waitUntil(lambda: len(seat.call_audio.speaker_buffer) >= 6400, timeout=5000)
    assert rms(seat.call_audio.speaker_buffer.read(6400)) > 100

    with qtbot.waitSignal(seat.bridge.sig_hold_changed, timeout=5000,
                          check_params_cb=lambda e: e.on_hold):
        actions.hold.trigger()
    with qtbot.waitSignal(seat.bridge.sig_hold_changed, timeout=5000,
                          check_params_cb=lambda e: not e.on_hold):
        actions.hold.trigger()
    with qtbot.waitSignal(seat.bridge.sig_mute_changed, timeout=5000):
        actions.mute.trigger()
    assert seat.calls.line(call.call_id).muted
    with qtbot.waitSignal(seat.bridge.sig_recording_changed, timeout=5000):
        actions.record.trigger()
    seat.calls.send_dtmf(call.call_id, "5")
    # Let half a second of conversation reach the recorder (25 frames of 20 ms).
    frames = seat.audio_bridge.stats().frames_received
    qtbot.waitUntil(lambda: seat.audio_bridge.stats().frames_received >= frames + 25,
                    timeout=5000)

    with qtbot.waitSignal(seat.bridge.sig_call_state_changed, timeout=10000,
                          check_params_cb=state_is(CallState.DISCONNECTED)):
        actions.hang_up.trigger()
    assert seat.calls.lines == []
    # The call is on record locally (written off the GUI thread), waiting in the outbox
    # with the agent's states through it: ready, ringing, talking, on hold, talking.
    def calls_pending() -> list:
        return [i for i in seat.store.pending_outbox(100) if i.kind.value == "call_record"]

    qtbot.waitUntil(lambda: len(calls_pending()) == 1, timeout=5000)
    [item] = calls_pending()
    assert seat.store.get_call_record(item.record_id).customer_id == "C-1001"
    states = [i.payload["state"] for i in seat.store.pending_outbox(100)
              if i.kind.value == "agent_state"]
    assert states[-5:] == ["ready", "ringing", "talking", "on_hold", "talking"]
    assert seat.agent.state.value == "after_call_work"
    recordings = list(seat.paths.recordings_dir.glob("*.wav"))
    assert len(recordings) == 1
    with wave.open(str(recordings[0])) as recording:
        assert recording.getnframes() / recording.getframerate() >= 0.4


def test_dialing_any_number_reaches_the_simulated_customer(qtbot, seat, window):
    with qtbot.waitSignal(seat.bridge.sig_call_state_changed, timeout=10000,
                          check_params_cb=state_is(CallState.CONNECTED)):
        call_id = window.call_bar.call_actions.dial("138 0013 8000")
    assert call_id is not None
    with qtbot.waitSignal(seat.bridge.sig_call_state_changed, timeout=10000,
                          check_params_cb=state_is(CallState.DISCONNECTED)):
        seat.calls.hangup(call_id)


@pytest.fixture
def silent_caller(qtbot):
    """A simulated customer who lets the phone ring (180) and never answers."""
    process = SimulatedCaller(extra_args=["--no-auto-answer"])
    with qtbot.waitSignal(process.sig_ready, timeout=20000):
        process.start()
    yield process
    process.stop()


def test_a_ringing_outbound_call_plays_local_ringback_until_it_ends(qtbot, tmp_path,
                                                                     silent_caller):
    paths = SeatPaths(tmp_path / "seat.toml", tmp_path / "data")
    seat = Seat(paths, demo_settings(silent_caller.port), SessionSecretStore(None),
                settings_path=None)
    seat.start()
    try:
        with qtbot.waitSignal(seat.bridge.sig_call_state_changed, timeout=10000,
                              check_params_cb=lambda e: e.state is CallState.EARLY
                              and e.code == 180):
            call_id = seat.calls.dial("138 0013 8000")
        assert seat.ringback.active
        qtbot.waitUntil(lambda: len(seat.call_audio.speaker_buffer) >= 3200, timeout=2000)
        assert detect_tone(seat.call_audio.speaker_buffer.read(3200), 16000, 450.0)
        with qtbot.waitSignal(seat.bridge.sig_call_state_changed, timeout=10000,
                              check_params_cb=state_is(CallState.DISCONNECTED)):
            seat.calls.hangup(call_id)
        assert not seat.ringback.active
    finally:
        seat.shutdown()
