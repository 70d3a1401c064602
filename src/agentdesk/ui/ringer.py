"""The ringtone while an inbound call rings.

QSoundEffect plays a WAV from the settings, or a built-in tone generated at first
use. Qt Multimedia is touched only when a call rings, and nothing is played when
there is no output device (a seat without a headset, a CI machine): the ringer then
stays silent instead of making Qt complain; the tray and the window still signal
the call.
"""

from __future__ import annotations

import logging
import math
import struct
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QTemporaryDir, QUrl, Signal
from PySide6.QtMultimedia import QAudioDevice, QMediaDevices, QSoundEffect

from agentdesk.core.settings import AudioSettings

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
QUIET_VOLUME = 0.3  # call waiting: the agent is talking, a soft ring is enough


def write_builtin_ringtone(path: Path) -> Path:
    """A 3 s 'ring-ring' (two 0.4 s bursts of 440+480 Hz, then silence), 16-bit mono."""
    frames = bytearray()
    fade = int(0.01 * SAMPLE_RATE)  # 10 ms ramps: no clicks at the edges

    def burst(seconds: float) -> None:
        count = int(seconds * SAMPLE_RATE)
        for i in range(count):
            envelope = min(1.0, i / fade, (count - i) / fade)
            value = 0.5 * (math.sin(2 * math.pi * 440 * i / SAMPLE_RATE)
                           + math.sin(2 * math.pi * 480 * i / SAMPLE_RATE))
            frames.extend(struct.pack("<h", int(12_000 * envelope * value)))

    def silence(seconds: float) -> None:
        frames.extend(b"\x00\x00" * int(seconds * SAMPLE_RATE))

    burst(0.4)
    silence(0.2)
    burst(0.4)
    silence(2.0)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(bytes(frames))
    return path


def is_playable_wav(path: Path) -> bool:
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() > 0 and wav.getsampwidth() in (1, 2, 3, 4)
    except (OSError, EOFError, wave.Error):
        return False


class Ringer(QObject):
    sig_ringing_changed = Signal(bool)

    def __init__(self, audio: AudioSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._audio = audio
        self._ringing = False
        self._effect: QSoundEffect | None = None
        self._effect_key: tuple[str, str] | None = None
        self._temp_dir: QTemporaryDir | None = None

    @property
    def is_ringing(self) -> bool:
        return self._ringing

    @property
    def audible(self) -> bool:
        return self._effect is not None and self._effect.isPlaying()

    def update_settings(self, audio: AudioSettings) -> None:
        self._audio = audio
        if self._ringing:  # pick up a new device or tone at once
            self._stop_sound()
            self._start_sound(quiet=False)

    def set_ringing(self, ringing: bool, quiet: bool = False) -> None:
        if ringing == self._ringing:
            if ringing and self._effect is not None:
                self._effect.setVolume(QUIET_VOLUME if quiet else 1.0)
            return
        self._ringing = ringing
        if ringing:
            self._start_sound(quiet)
        else:
            self._stop_sound()
        self.sig_ringing_changed.emit(ringing)

    def stop(self) -> None:
        self.set_ringing(False)

    def ringtone_path(self) -> Path:
        """The WAV to play: the configured one if it is a readable WAV, else built-in."""
        if self._audio.ringtone:
            custom = Path(self._audio.ringtone).expanduser()
            if is_playable_wav(custom):
                return custom
            log.warning("ringtone %s is not a readable WAV file; using the built-in tone",
                        custom)
        if self._temp_dir is None:
            self._temp_dir = QTemporaryDir()
        path = Path(self._temp_dir.path()) / "ring.wav"
        if not path.exists():
            write_builtin_ringtone(path)
        return path

    def _output_device(self) -> QAudioDevice | None:
        outputs = QMediaDevices.audioOutputs()
        if not outputs:
            return None
        wanted = self._audio.ringer_device or self._audio.output_device
        for device in outputs:
            if wanted and device.description() == wanted:
                return device
        default = QMediaDevices.defaultAudioOutput()
        return None if default.isNull() else default

    def _start_sound(self, quiet: bool) -> None:
        device = self._output_device()
        if device is None:
            log.info("no audio output device: the ringtone stays silent")
            return
        source = self.ringtone_path()
        key = (device.id().data().hex(), str(source))
        if self._effect is None or self._effect_key != key:
            self._drop_effect()
            self._effect = QSoundEffect(device, self)
            self._effect.setSource(QUrl.fromLocalFile(str(source)))
            self._effect.setLoopCount(QSoundEffect.Loop.Infinite.value)
            self._effect_key = key
        self._effect.setVolume(QUIET_VOLUME if quiet else 1.0)
        self._effect.play()

    def _stop_sound(self) -> None:
        if self._effect is not None:
            self._effect.stop()

    def _drop_effect(self) -> None:
        if self._effect is not None:
            self._effect.stop()
            self._effect.deleteLater()
            self._effect = None
            self._effect_key = None
