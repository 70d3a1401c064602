"""The Qt Multimedia side: device choice and hot-plug fallback (pure, and through a
fake device backend), the QIODevices between Qt and the ring buffers, and the real
backend on a machine that may have no audio device at all."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pjsua2 as pj
import pytest
from PySide6.QtCore import QIODevice
from PySide6.QtMultimedia import QAudioFormat
from pytestqt.qtbot import QtBot

from agentdesk.core.phone_events import AudioDeviceChanged
from agentdesk.core.settings import AudioSettings
from agentdesk.sip.audio_bridge import PcmRingBuffer, detach_from_conference
from agentdesk.sip.qt_audio import (
    INPUT,
    OUTPUT,
    DeviceSwitch,
    QtCallAudio,
    SpeakerStream,
    list_audio_devices,
    pcm_format,
    plan_device,
)
from agentdesk.sip.tone import detect_tone
from tests.sip.media.conftest import PEER_TONE_HZ, MediaEndpoint

# --- the decision, as a pure function -----------------------------------------------------

H, S, U = "Jabra Headset", "Built-in Speakers", "USB Speakerphone"


@pytest.mark.parametrize(("wanted", "current", "available", "default", "expected"), [
    # first open
    ("", None, [S, H], S, DeviceSwitch(S, False)),
    (H, None, [S, H], S, DeviceSwitch(H, False)),
    (H, None, [S], S, DeviceSwitch(S, True, H)),  # chosen headset absent at start
    ("", None, [], "", DeviceSwitch("", False)),  # no device at all: nothing to open
    (H, None, [], "", DeviceSwitch("", True, H)),
    # the chosen device is unplugged mid-call, and comes back
    (H, H, [S], S, DeviceSwitch(S, True, H)),
    (H, S, [S], S, None),  # still on the fallback: nothing new to say
    (H, S, [S, H], S, DeviceSwitch(H, False)),
    # following the system default
    ("", S, [S, U], U, DeviceSwitch(U, False)),  # the default moved to a new device
    ("", S, [U], U, DeviceSwitch(U, True, S)),  # the device in use vanished
    ("", S, [S, H], S, None),  # something else was plugged in
    # everything gone, then back
    (H, H, [], "", DeviceSwitch("", True, H)),
    (H, "", [], "", None),
    (H, "", [H], H, DeviceSwitch(H, False)),
    # a default the backend reports but cannot list is not used
    ("", None, [S], U, DeviceSwitch("", False)),
])
def test_plan_device(wanted: str, current: str | None, available: list[str], default: str,
                     expected: DeviceSwitch | None) -> None:
    assert plan_device(wanted, current, available, default) == expected


# --- QtCallAudio over a fake backend -----------------------------------------------------


class FakeStream:
    def __init__(self, direction: str, description: str) -> None:
        self.direction = direction
        self.description = description
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


class FakeBackend:
    """Devices that tests plug and unplug; records what was opened."""

    def __init__(self, outputs: list[str], inputs: list[str]) -> None:
        self._devices = {OUTPUT: list(outputs), INPUT: list(inputs)}
        self._defaults = {OUTPUT: outputs[0] if outputs else "",
                          INPUT: inputs[0] if inputs else ""}
        self.opened: list[FakeStream] = []
        self.formats: list[QAudioFormat] = []
        self.on_changed: Callable[[], None] | None = None
        self.microphone: Callable[[bytes], None] | None = None

    def outputs(self) -> list[str]:
        return list(self._devices[OUTPUT])

    def inputs(self) -> list[str]:
        return list(self._devices[INPUT])

    def default_output(self) -> str:
        return self._defaults[OUTPUT]

    def default_input(self) -> str:
        return self._defaults[INPUT]

    def open_output(self, description: str, fmt: QAudioFormat,
                    stream: QIODevice) -> FakeStream:
        return self._open(OUTPUT, description, fmt)

    def open_input(self, description: str, fmt: QAudioFormat,
                   on_audio: Callable[[bytes], None]) -> FakeStream:
        self.microphone = on_audio
        return self._open(INPUT, description, fmt)

    def _open(self, direction: str, description: str, fmt: QAudioFormat) -> FakeStream:
        assert description in self._devices[direction]
        stream = FakeStream(direction, description)
        self.opened.append(stream)
        self.formats.append(fmt)
        return stream

    def watch(self, on_changed: Callable[[], None]) -> None:
        self.on_changed = on_changed

    def unwatch(self) -> None:
        self.on_changed = None

    def live(self, direction: str) -> list[str]:
        return [s.description for s in self.opened if s.direction == direction
                and not s.stopped]

    def unplug(self, direction: str, description: str) -> None:
        self._devices[direction].remove(description)
        if self._defaults[direction] == description:
            remaining = self._devices[direction]
            self._defaults[direction] = remaining[0] if remaining else ""
        self._notify()

    def plug(self, direction: str, description: str, make_default: bool = False) -> None:
        self._devices[direction].append(description)
        if make_default or not self._defaults[direction]:
            self._defaults[direction] = description
        self._notify()

    def _notify(self) -> None:
        if self.on_changed is not None:
            self.on_changed()


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend(outputs=[S, H], inputs=["Built-in Microphone", "Jabra Microphone"])


def _audio(backend: FakeBackend, **settings: str) -> QtCallAudio:
    return QtCallAudio(AudioSettings(**settings), backend=backend)


def test_start_opens_the_chosen_devices_quietly(qtbot: QtBot, backend: FakeBackend) -> None:
    audio = _audio(backend, output_device=H, input_device="Jabra Microphone")
    with qtbot.assertNotEmitted(audio.sig_device_changed):
        audio.start()
    assert backend.live(OUTPUT) == [H]
    assert backend.live(INPUT) == ["Jabra Microphone"]
    assert (audio.output_device, audio.input_device) == (H, "Jabra Microphone")
    fmt = backend.formats[0]
    assert (fmt.sampleRate(), fmt.channelCount(), fmt.sampleFormat()) == (
        16000, 1, QAudioFormat.SampleFormat.Int16)
    audio.stop()
    assert backend.live(OUTPUT) == [] and backend.live(INPUT) == []
    assert backend.on_changed is None


def test_unplugged_headset_falls_back_and_comes_back(qtbot: QtBot,
                                                     backend: FakeBackend) -> None:
    audio = _audio(backend, output_device=H)
    audio.start()
    with qtbot.waitSignal(audio.sig_device_changed) as unplugged:
        backend.unplug(OUTPUT, H)
    assert unplugged.args == [AudioDeviceChanged(OUTPUT, S, True, H)]
    assert backend.live(OUTPUT) == [S]

    with qtbot.waitSignal(audio.sig_device_changed) as replugged:
        backend.plug(OUTPUT, H)
    assert replugged.args == [AudioDeviceChanged(OUTPUT, H, False, "")]
    assert backend.live(OUTPUT) == [H]
    audio.stop()


def test_unplugged_microphone_falls_back(qtbot: QtBot, backend: FakeBackend) -> None:
    audio = _audio(backend, input_device="Jabra Microphone")
    audio.start()
    with qtbot.assertNotEmitted(audio.sig_device_changed):
        backend.unplug(OUTPUT, H)  # not in use: no news for the agent
    with qtbot.waitSignal(audio.sig_device_changed) as unplugged:
        backend.unplug(INPUT, "Jabra Microphone")
    assert unplugged.args == [
        AudioDeviceChanged(INPUT, "Built-in Microphone", True, "Jabra Microphone")]
    audio.stop()


def test_a_chosen_device_missing_at_start_is_reported(qtbot: QtBot,
                                                      backend: FakeBackend) -> None:
    audio = _audio(backend, output_device="Headset left at home")
    with qtbot.waitSignal(audio.sig_device_changed) as started:
        audio.start()
    assert started.args == [AudioDeviceChanged(OUTPUT, S, True, "Headset left at home")]
    audio.stop()


def test_following_the_system_default(qtbot: QtBot, backend: FakeBackend) -> None:
    audio = _audio(backend)  # no choice: the default device
    audio.start()
    assert backend.live(OUTPUT) == [S]
    with qtbot.waitSignal(audio.sig_device_changed) as moved:
        backend.plug(OUTPUT, U, make_default=True)
    assert moved.args == [AudioDeviceChanged(OUTPUT, U, False, "")]
    assert backend.live(OUTPUT) == [U]
    audio.stop()


def test_losing_every_device_keeps_running_without_one(qtbot: QtBot,
                                                       backend: FakeBackend) -> None:
    audio = _audio(backend, output_device=H)
    audio.start()
    backend.unplug(OUTPUT, S)
    with qtbot.waitSignal(audio.sig_device_changed) as gone:
        backend.unplug(OUTPUT, H)
    assert gone.args == [AudioDeviceChanged(OUTPUT, "", True, H)]
    assert backend.live(OUTPUT) == [] and audio.output_device == ""
    audio.speaker_buffer.write_frame(bytes(640))  # the bridge keeps writing: harmless
    with qtbot.waitSignal(audio.sig_device_changed) as back:
        backend.plug(OUTPUT, H)
    assert back.args == [AudioDeviceChanged(OUTPUT, H, False, "")]
    audio.stop()


def test_a_settings_change_moves_audio_without_a_notice(qtbot: QtBot,
                                                        backend: FakeBackend) -> None:
    audio = _audio(backend)
    audio.start()
    with qtbot.assertNotEmitted(audio.sig_device_changed):
        audio.apply_settings(AudioSettings(output_device=H))
    assert backend.live(OUTPUT) == [H]
    audio.stop()
    audio.apply_settings(AudioSettings(output_device=S))  # stopped: nothing opens
    assert backend.live(OUTPUT) == []


def test_device_changes_while_stopped_are_ignored(qtbot: QtBot, backend: FakeBackend) -> None:
    audio = _audio(backend, output_device=H)
    with qtbot.assertNotEmitted(audio.sig_device_changed):
        audio.on_devices_changed()
    assert backend.opened == []


# --- the QIODevices ------------------------------------------------------------------------


def test_speaker_stream_prefills_then_plays_and_pads_with_short_silence(qtbot: QtBot) -> None:
    ring = PcmRingBuffer.for_duration(0.3, 16000)
    stream = SpeakerStream(ring, 16000, prefill_ms=40)
    assert stream.open(QIODevice.OpenModeFlag.ReadOnly)
    assert stream.isSequential()
    assert stream.read(4000) == bytes(320)  # starved: 10 ms of silence, not a stall
    ring.write(b"\x01\x02" * 320)  # 20 ms: below the prefill
    assert stream.read(4000) == bytes(320)
    ring.write(b"\x01\x02" * 320)  # 40 ms: play
    assert stream.read(4000) == b"\x01\x02" * 640
    assert stream.read(4000) == bytes(320)  # drained: silence again, prefill again
    assert stream.silence_bytes == 3 * 320
    ring.write(bytes(range(256)) * 25)  # 200 ms piled up: more than the 150 ms allowed
    assert len(stream.read(8000)) == 640 * 2  # caught up to the prefill, the rest skipped
    assert stream.skipped_bytes == 6400 - 1280
    stream.close()


def test_captured_audio_goes_into_the_microphone_ring(qtbot: QtBot,
                                                     backend: FakeBackend) -> None:
    audio = _audio(backend)
    audio.start()
    assert backend.microphone is not None
    backend.microphone(b"\x05\x06" * 400)  # what Qt's capture device delivered
    assert audio.microphone_buffer.read_frame(640) == b"\x05\x06" * 320
    assert len(audio.microphone_buffer) == 160
    audio.stop()
    assert len(audio.microphone_buffer) == 0


def test_pcm_format() -> None:
    fmt = pcm_format(8000)
    assert (fmt.sampleRate(), fmt.channelCount(), fmt.bytesPerFrame()) == (8000, 1, 2)


# --- the real Qt Multimedia backend ----------------------------------------------------------


def test_real_device_lists(qtbot: QtBot) -> None:
    lists = list_audio_devices()
    assert all(isinstance(name, str) and name for name in lists.outputs + lists.inputs)
    assert lists.default_output in lists.outputs or lists.default_output == ""
    assert lists.default_input in lists.inputs or lists.default_input == ""


def test_no_qt_warning_reaches_the_application(tmp_path: Path) -> None:
    """Loading Qt Multimedia and using it without any device must not warn (the
    application's handler, installed first, would see it). Run in a fresh process:
    in this one the library is loaded already."""
    script = tmp_path / "probe.py"
    script.write_text(
        "from PySide6.QtCore import QtMsgType, qInstallMessageHandler\n"
        "seen = []\n"
        "def handler(kind, context, message):\n"
        "    if kind != QtMsgType.QtDebugMsg and kind != QtMsgType.QtInfoMsg:\n"
        "        seen.append(message)\n"
        "qInstallMessageHandler(handler)\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from agentdesk.sip.qt_audio import QtCallAudio, list_audio_devices\n"
        "lists = list_audio_devices()\n"
        "audio = QtCallAudio()\n"
        "audio.start()\n"
        "app.processEvents()\n"
        "audio.stop()\n"
        "print(repr(seen))\n"
        "print('devices' if lists.outputs or lists.inputs else 'none')\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, check=False,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    warnings, devices = done.stdout.splitlines()[-2:]
    assert warnings == "[]"
    if devices == "none":  # a CI machine: nothing was opened, nothing complained
        assert "No audio device detected" not in done.stderr


@pytest.mark.sip
def test_bridge_without_devices_still_carries_audio(qtbot: QtBot, endpoint: MediaEndpoint,
                                                    tone_wav: Path) -> None:
    """With Qt Multimedia's devices absent, frames still reach the speaker buffer."""
    audio = QtCallAudio(AudioSettings(), backend=FakeBackend(outputs=[], inputs=[]))
    audio.attach(endpoint.bridge)
    assert endpoint.bridge.speaker is audio.speaker_buffer
    assert endpoint.bridge.microphone is audio.microphone_buffer
    audio.start()
    assert (audio.output_device, audio.input_device) == ("", "")
    holder = [pj.AudioMediaPlayer()]
    holder[0].createPlayer(str(tone_wav), 0)
    endpoint.bridge.connect_call(holder[0])
    try:
        endpoint.wait_until(lambda: len(audio.speaker_buffer) >= 6400, "200 ms of audio")
        assert detect_tone(audio.speaker_buffer.read(6400), 16000, PEER_TONE_HZ)
    finally:
        endpoint.bridge.disconnect_call(holder[0])
        detach_from_conference(holder.pop())
        audio.stop()
