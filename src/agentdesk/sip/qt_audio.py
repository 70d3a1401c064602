"""The Qt Multimedia half of call audio: headset playback and capture, devices, hot-plug.

The AudioBridge (audio_bridge.py) exchanges PCM with pjmedia's clock thread through
two PcmRingBuffers. This module owns the other end of those buffers on the GUI
thread: a QAudioSink pulls call audio from the speaker buffer through a QIODevice,
and a QAudioSource pushes microphone audio into the microphone buffer. Neither side
ever waits for the other; the buffers absorb the jitter between the two clocks.

Devices are chosen by description (AudioSettings.input_device / output_device; empty
means the system default). When the chosen device disappears mid-call (a headset
unplugged) audio moves to the default device and `QtCallAudio.sig_device_changed`
carries a core `AudioDeviceChanged(fell_back=True, lost_device=...)`; when it comes
back audio returns to it (fell_back=False). Checked against a real PulseAudio server
with Qt 6.12: removing the *default* sink is reported at once; removing another
sink is not (Qt's PulseAudio backend drops it from its map without emitting
audioOutputsChanged, and QMediaDevices keeps listing it), while PulseAudio itself
moves the running stream to the default sink - so audio goes on but the agent is
told only at the next device change.

With no audio device at all (CI, a headless box) nothing is opened: the bridge keeps
running, call audio simply has nowhere to play. Creating a QAudioSink on a null
device makes Qt warn "No audio device detected", so that is never done. One warning
cannot be avoided there: Qt's PulseAudio backend logs "PulseAudioService:
pa_context_connect() failed" the first time devices are listed without a sound
server (once per process), and loading Qt Multimedia warns that PipeWire's library
is absent where only PulseAudio is installed. Both describe the machine, not a fault,
so `environment_messages_to_log()` turns exactly those messages into INFO records of
this module's logger while the library loads and while devices are first listed;
every other Qt message goes on to the handler that was installed before.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import (
    QIODevice,
    QMessageLogContext,
    QObject,
    QtMsgType,
    Signal,
    qFormatLogMessage,
    qInstallMessageHandler,
)

from agentdesk.core.phone_events import AudioDeviceChanged
from agentdesk.core.settings import AudioSettings
from agentdesk.sip.audio_bridge import SAMPLE_WIDTH, AudioBridge, PcmRingBuffer

log = logging.getLogger(__name__)

# Qt Multimedia messages that describe the machine rather than a fault.
ENVIRONMENT_MESSAGES = (
    "Couldn't load pipewire-0.3 library",  # PulseAudio is used instead
    "Couldn't resolve pipewire-0.3 symbols",
    "PulseAudioService: pa_context_connect() failed",  # no sound server: no devices
)


@contextlib.contextmanager
def environment_messages_to_log() -> Iterator[None]:
    """Route ENVIRONMENT_MESSAGES to this module's logger (INFO) for the duration;
    pass every other Qt message to the previously installed handler."""

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if message.startswith(ENVIRONMENT_MESSAGES):
            log.info("Qt Multimedia: %s", message)
        elif previous is not None:
            previous(kind, context, message)
        else:
            sys.stderr.write(qFormatLogMessage(kind, context, message) + "\n")

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


with environment_messages_to_log():
    from PySide6.QtMultimedia import (
        QAudioDevice,
        QAudioFormat,
        QAudioSink,
        QAudioSource,
        QMediaDevices,
        QtAudio,
    )


OUTPUT = "output"
INPUT = "input"


def pcm_format(clock_rate: int = 16000) -> QAudioFormat:
    """The bridge's format: 16-bit signed mono at `clock_rate`."""
    fmt = QAudioFormat()
    fmt.setSampleRate(clock_rate)
    fmt.setChannelCount(1)
    fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
    return fmt


# --- device choice (pure) ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceSwitch:
    """Move audio to `device` ("" = no device at all)."""

    device: str
    fell_back: bool  # the chosen (or in-use) device is missing: the default took over
    lost_device: str = ""


def plan_device(wanted: str, current: str | None, available: Sequence[str],
                default: str) -> DeviceSwitch | None:
    """Which device to use now, or None to keep `current`.

    `wanted` is the setting ("" = system default), `current` the device in use
    (None before anything was opened, "" when none is open), `available` the devices
    present and `default` the system default ("" when there is none).
    """
    wanted_present = bool(wanted) and wanted in available
    target = wanted if wanted_present else (default if default in available else "")
    if target == current:
        return None
    lost = ""
    if current and current not in available:
        lost = current  # the device in use went away
    elif wanted and not wanted_present:
        lost = wanted  # the chosen device is absent: using the default instead
    fell_back = bool(lost) and target != wanted
    return DeviceSwitch(target, fell_back, lost if fell_back else "")


# --- the QIODevices between Qt Multimedia and the ring buffers -------------------------


class SpeakerStream(QIODevice):
    """Read-only QIODevice a QAudioSink pulls call audio from (pull mode).

    Plays out of the ring buffer with a small prefill so that the jitter between
    pjmedia's clock and the sound card's does not turn into clicks; while starved it
    hands out short silence so the sink keeps running instead of going idle.
    """

    def __init__(self, buffer: PcmRingBuffer, clock_rate: int, prefill_ms: int = 40,
                 max_latency_ms: int = 150, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._buffer = buffer
        self._prefill = clock_rate * prefill_ms // 1000 * SAMPLE_WIDTH
        self._max_buffered = clock_rate * max_latency_ms // 1000 * SAMPLE_WIDTH
        self._silence_chunk = clock_rate // 100 * SAMPLE_WIDTH  # 10 ms
        self._starved = True
        self.silence_bytes = 0  # how much silence was played because no audio came
        self.skipped_bytes = 0  # audio dropped to keep the delay down

    def isSequential(self) -> bool:
        return True

    def bytesAvailable(self) -> int:
        return max(len(self._buffer), self._silence_chunk) + super().bytesAvailable()

    def readData(self, maxlen: int) -> bytes:
        if maxlen <= 0:
            return b""
        if len(self._buffer) > self._max_buffered:
            # The sound card runs slower than pjmedia's clock: catch up to the prefill.
            self.skipped_bytes += len(self._buffer.read(len(self._buffer) - self._prefill))
        if self._starved and len(self._buffer) >= self._prefill:
            self._starved = False
        data = b"" if self._starved else self._buffer.read(maxlen)
        if not data:
            self._starved = True
            size = min(maxlen, self._silence_chunk)
            size -= size % SAMPLE_WIDTH
            self.silence_bytes += size
            return bytes(size)
        return data

    def writeData(self, data: bytes, length: int) -> int:
        return -1


# --- device backends ---------------------------------------------------------------------


class AudioStream(Protocol):
    def stop(self) -> None: ...


class AudioBackend(Protocol):
    """Device listing, opening and change notification; Qt Multimedia or a test fake."""

    def outputs(self) -> list[str]: ...

    def inputs(self) -> list[str]: ...

    def default_output(self) -> str: ...

    def default_input(self) -> str: ...

    def open_output(self, description: str, fmt: QAudioFormat,
                    stream: QIODevice) -> AudioStream | None: ...

    def open_input(self, description: str, fmt: QAudioFormat,
                   on_audio: Callable[[bytes], None]) -> AudioStream | None:
        """Capture from `description`, handing each chunk of PCM to `on_audio`."""

    def watch(self, on_changed: Callable[[], None]) -> None:
        """Call `on_changed` (on the GUI thread) when devices come, go or fail."""

    def unwatch(self) -> None: ...


@dataclass(frozen=True, slots=True)
class AudioDeviceLists:
    inputs: list[str]
    outputs: list[str]
    default_input: str
    default_output: str


def list_audio_devices() -> AudioDeviceLists:
    """Descriptions of the audio devices, for the settings dialog."""
    return _device_lists(QtMultimediaBackend())


def _device_lists(backend: AudioBackend) -> AudioDeviceLists:
    return AudioDeviceLists(backend.inputs(), backend.outputs(), backend.default_input(),
                            backend.default_output())


def _description(device: QAudioDevice) -> str:
    return "" if device.isNull() else device.description()


class _QtStream:
    """A QAudioSink or QAudioSource that reports device failure as a device change."""

    def __init__(self, audio: QAudioSink | QAudioSource, stream: QIODevice | None,
                 on_failed: Callable[[], None] | None) -> None:
        self._audio = audio
        self._stream = stream
        self._on_failed = on_failed
        audio.stateChanged.connect(self._on_state_changed)

    def _on_state_changed(self) -> None:
        # No parameter on purpose: PySide 6.12 cannot convert the signal's
        # QAudio::State argument for a Python slot (TypeError at every change).
        state, error = self._audio.state(), self._audio.error()
        if state == QtAudio.State.StoppedState and error not in (
                QtAudio.Error.NoError, QtAudio.Error.UnderrunError):
            log.warning("audio device stopped: %s", error.name)
            if self._on_failed is not None:
                self._on_failed()

    def stop(self) -> None:
        self._on_failed = None
        self._audio.stop()
        if self._stream is not None:
            self._stream.close()
        self._audio.deleteLater()


_devices_probed = False


def _probe_devices_once() -> None:
    """Qt connects to the sound server on the first device query: do it quietly."""
    global _devices_probed
    if not _devices_probed:
        with environment_messages_to_log():
            QMediaDevices.audioOutputs()
        _devices_probed = True


class QtMultimediaBackend:
    """The real devices, through QMediaDevices. Touches Qt Multimedia only when used."""

    def __init__(self, buffer_ms: int = 60) -> None:
        self._buffer_ms = buffer_ms
        self._media_devices: QMediaDevices | None = None
        self._on_changed: Callable[[], None] | None = None

    def outputs(self) -> list[str]:
        _probe_devices_once()
        return [_description(d) for d in QMediaDevices.audioOutputs()]

    def inputs(self) -> list[str]:
        _probe_devices_once()
        return [_description(d) for d in QMediaDevices.audioInputs()]

    def default_output(self) -> str:
        _probe_devices_once()
        return _description(QMediaDevices.defaultAudioOutput())

    def default_input(self) -> str:
        _probe_devices_once()
        return _description(QMediaDevices.defaultAudioInput())

    def open_output(self, description: str, fmt: QAudioFormat,
                    stream: QIODevice) -> AudioStream | None:
        device = self._find(QMediaDevices.audioOutputs(), description, fmt)
        if device is None:
            return None
        sink = QAudioSink(device, fmt)
        sink.setBufferSize(fmt.bytesForDuration(self._buffer_ms * 1000))
        stream.open(QIODevice.OpenModeFlag.ReadOnly)
        sink.start(stream)
        return _QtStream(sink, stream, self._failed)

    def open_input(self, description: str, fmt: QAudioFormat,
                   on_audio: Callable[[bytes], None]) -> AudioStream | None:
        device = self._find(QMediaDevices.audioInputs(), description, fmt)
        if device is None:
            return None
        source = QAudioSource(device, fmt)
        source.setBufferSize(fmt.bytesForDuration(self._buffer_ms * 1000))
        captured = source.start()  # push mode: Qt fills this device, we drain it
        if captured is None:
            source.deleteLater()
            return None
        captured.readyRead.connect(lambda: on_audio(captured.readAll().data()))
        return _QtStream(source, None, self._failed)

    def watch(self, on_changed: Callable[[], None]) -> None:
        self._on_changed = on_changed
        _probe_devices_once()
        if self._media_devices is None:
            self._media_devices = QMediaDevices()
            self._media_devices.audioOutputsChanged.connect(self._changed)
            self._media_devices.audioInputsChanged.connect(self._changed)

    def unwatch(self) -> None:
        self._on_changed = None
        if self._media_devices is not None:
            self._media_devices.deleteLater()
            self._media_devices = None

    def _changed(self) -> None:
        if self._on_changed is not None:
            self._on_changed()

    def _failed(self) -> None:
        self._changed()

    @staticmethod
    def _find(devices: list[QAudioDevice], description: str,
              fmt: QAudioFormat) -> QAudioDevice | None:
        for device in devices:
            if not device.isNull() and device.description() == description:
                if not device.isFormatSupported(fmt):
                    log.warning("audio device %r does not take %d Hz mono 16-bit",
                                description, fmt.sampleRate())
                    return None
                return device
        return None


# --- the call audio controller ---------------------------------------------------------


class QtCallAudio(QObject):
    """Plays and captures call audio on the chosen devices; follows hot-plug.

    Create it on the GUI thread, `attach(bridge)`, then `start()` when a call's audio
    should be heard (and `stop()` when no call needs it). `sig_device_changed` carries
    a core AudioDeviceChanged whenever audio moves to another device on its own.
    """

    sig_device_changed = Signal(object)  # AudioDeviceChanged

    def __init__(self, settings: AudioSettings | None = None, clock_rate: int = 16000,
                 backend: AudioBackend | None = None, parent: QObject | None = None,
                 speaker_buffer_ms: int = 300, microphone_buffer_ms: int = 120) -> None:
        super().__init__(parent)
        self._settings = settings or AudioSettings()
        self.clock_rate = clock_rate
        self._format = pcm_format(clock_rate)
        self._backend: AudioBackend = backend or QtMultimediaBackend()
        self.speaker_buffer = PcmRingBuffer.for_duration(speaker_buffer_ms / 1000, clock_rate)
        self.microphone_buffer = PcmRingBuffer.for_duration(microphone_buffer_ms / 1000,
                                                            clock_rate)
        self._speaker_stream = SpeakerStream(self.speaker_buffer, clock_rate, parent=self)
        self._output: AudioStream | None = None
        self._input: AudioStream | None = None
        self.output_device: str | None = None  # description in use; "" none; None: stopped
        self.input_device: str | None = None
        self.running = False

    def attach(self, bridge: AudioBridge) -> None:
        """Route the bridge's speaker and microphone through this object's buffers."""
        bridge.speaker = self.speaker_buffer
        bridge.microphone = self.microphone_buffer

    def start(self) -> None:
        if self.running:
            return
        self.running = True
        self._backend.watch(self.on_devices_changed)
        self._apply(announce_moves=True)

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        self._backend.unwatch()
        self._close(OUTPUT)
        self._close(INPUT)
        self.output_device = self.input_device = None
        self.speaker_buffer.clear()
        self.microphone_buffer.clear()

    def apply_settings(self, settings: AudioSettings) -> None:
        """The agent picked other devices: move to them now if running."""
        self._settings = settings
        if self.running:
            self._apply(announce_moves=False)

    def on_devices_changed(self) -> None:
        """Devices came or went (or one failed): re-check both directions."""
        if self.running:
            self._apply(announce_moves=True)

    def _apply(self, announce_moves: bool) -> None:
        """Open the right device in each direction; report moves the agent did not ask
        for (a fallback always, other moves unless they follow a settings change)."""
        for direction in (OUTPUT, INPUT):
            if direction == OUTPUT:
                wanted, current = self._settings.output_device, self.output_device
                available = self._backend.outputs()
                default = self._backend.default_output()
            else:
                wanted, current = self._settings.input_device, self.input_device
                available = self._backend.inputs()
                default = self._backend.default_input()
            switch = plan_device(wanted, current, available, default)
            if switch is None:
                continue
            self._open(direction, switch.device)
            if switch.fell_back or (announce_moves and current is not None):
                self.sig_device_changed.emit(AudioDeviceChanged(
                    direction, switch.device, switch.fell_back, switch.lost_device))

    def _open(self, direction: str, description: str) -> None:
        self._close(direction)
        stream: AudioStream | None = None
        if description:
            if direction == OUTPUT:
                stream = self._backend.open_output(description, self._format,
                                                   self._speaker_stream)
            else:
                stream = self._backend.open_input(description, self._format,
                                                  self.microphone_buffer.write)
            if stream is None:
                log.warning("could not open audio %s %r", direction, description)
        log.info("audio %s: %s", direction, description or "none")
        if direction == OUTPUT:
            self._output, self.output_device = stream, description
        else:
            self._input, self.input_device = stream, description

    def _close(self, direction: str) -> None:
        stream = self._output if direction == OUTPUT else self._input
        if stream is not None:
            stream.stop()
        if direction == OUTPUT:
            self._output = None
        else:
            self._input = None
