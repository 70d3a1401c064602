"""Per-call recording to WAV, with pause / resume, on pjsua2's AudioMediaRecorder.

The recorder is a conference-bridge port; the call's audio and the agent's microphone
(AudioBridge.capture_media()) are transmitted into it and mixed. Pausing stops those
transmissions: with nothing transmitted to it the bridge hands the recorder empty
frames and pjmedia's WAV writer writes nothing, so the paused span is simply absent
from the file and the file stays a valid WAV.

The audio goes to a temporary name beside the target (pjsua insists on a ".wav"
extension, hence "<stem>.partial.wav") and is renamed to `path` only once the WAV
writer has closed and fixed up its header. A crash therefore never leaves a file
under the final name; it leaves a recognisable "*.partial.wav".
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pjsua2 as pj

from agentdesk.sip.audio_bridge import detach_from_conference, in_conference

log = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial.wav"


def partial_path(path: str | os.PathLike[str]) -> Path:
    """Where the recording of `path` is written until it is complete."""
    target = Path(path)
    stem = target.name[:-4] if target.name.lower().endswith(".wav") else target.name
    return target.with_name(stem + PARTIAL_SUFFIX)


class RecorderError(RuntimeError):
    """The recording could not be started (bad path, disk, ...)."""


class CallRecorder:
    """One recording: start(sources) -> pause() / resume() ... -> stop()."""

    def __init__(self, path: str) -> None:
        if not path.lower().endswith(".wav"):
            raise ValueError(f"recordings are WAV files: {path!r} must end in .wav")
        self.path = path
        self.paused = False
        self._partial = partial_path(path)
        self._recorder: pj.AudioMediaRecorder | None = None
        self._sources: list[pj.AudioMedia] = []
        self._finished = False

    @property
    def recording(self) -> bool:
        return self._recorder is not None

    @property
    def partial_path(self) -> str:
        return str(self._partial)

    def start(self, sources: list[pj.AudioMedia]) -> None:
        """Create the file and start mixing `sources` into it (needs a running
        endpoint)."""
        if self._recorder is not None or self._finished:
            raise RecorderError(f"{self.path}: this recorder was already started")
        self._partial.parent.mkdir(parents=True, exist_ok=True)
        recorder = pj.AudioMediaRecorder()
        try:
            recorder.createRecorder(str(self._partial))
        except pj.Error as error:
            raise RecorderError(f"cannot record to {self.path}: {error.info()}") from None
        self._recorder = recorder
        self._sources = list(sources)
        self.paused = False
        self._connect()
        log.debug("recording to %s", self._partial)

    def pause(self) -> None:
        if self._recorder is None or self.paused:
            return
        self._disconnect()
        self.paused = True

    def resume(self) -> None:
        if self._recorder is None or not self.paused:
            return
        self._connect()
        self.paused = False

    def replace_sources(self, sources: list[pj.AudioMedia]) -> None:
        """The call's media changed (re-INVITE, new stream): record the new ones."""
        if self._recorder is None:
            self._sources = list(sources)
            return
        if not self.paused:
            self._disconnect()
        self._sources = list(sources)
        if not self.paused:
            self._connect()

    def stop(self) -> str | None:
        """Close the WAV and give it its final name; returns that path (None when the
        recorder never started). Idempotent."""
        recorder = self._recorder
        if recorder is None:
            return self.path if self._finished else None
        # No stopTransmit from the sources first: leaving the bridge ends every
        # connection to the recorder, and an ended call's port may be on its way out
        # (asking pjsua about it then races the clock thread).
        self._recorder = None
        self._sources = []
        self._finished = True
        # Leave the bridge first (it removes ports asynchronously); then
        # ~AudioMediaRecorder closes the writer at once, which writes the final RIFF
        # and data sizes into the header - run it now, before the rename, whoever else
        # may hold the Python object (SWIG disowns it, so it is freed once).
        if detach_from_conference(recorder):
            pj.AudioMediaRecorder.__swig_destroy__(recorder)
        else:  # the clock thread may still call it: never free it under its feet
            recorder.thisown = False
            log.warning("recorder of %s still in the conference: its WAV header may "
                        "be incomplete", self.path)
        del recorder
        try:
            os.replace(self._partial, self.path)
        except OSError as error:
            log.error("recording kept as %s: cannot rename to %s: %s", self._partial,
                      self.path, error)
            return str(self._partial)
        log.debug("recording saved as %s", self.path)
        return self.path

    def _connect(self) -> None:
        assert self._recorder is not None
        for source in self._sources:
            try:
                source.startTransmit(self._recorder)
            except pj.Error as error:
                log.warning("recorder: a source could not be connected: %s", error.info())

    def _disconnect(self) -> None:
        assert self._recorder is not None
        for source in self._sources:
            if not in_conference(source):
                continue  # gone with its connections (a call's old stream)
            try:
                source.stopTransmit(self._recorder)
            except pj.Error as error:  # e.g. the call's media went away first
                log.debug("recorder: %s", error.info())
