"""Where a call's audio goes: the seam between the SIP adapter and the audio engine.

`PjsuaSoftphone` hands every call's conference-bridge port to a `CallAudio`. The
real one (sip/audio_bridge.py) carries it to the agent's headset through Qt
Multimedia; `NullDeviceAudio` ties calls to pjsua's null sound device, which keeps
the conference bridge clocked (RTP keeps flowing) in tests and headless runs.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Protocol

import pjsua2 as pj

log = logging.getLogger(__name__)


class CallAudio(Protocol):
    def start(self, endpoint: pj.Endpoint) -> None:
        """Called once, after libStart."""

    def connect_call(self, call_media: pj.AudioMedia) -> None:
        """The call's audio became active: play it and feed it the microphone."""

    def disconnect_call(self, call_media: pj.AudioMedia) -> None:
        """The call went on hold or its stream changed (its port may be gone)."""

    def forget_call(self, call_media: pj.AudioMedia) -> None:
        """The call ended. pjsua has already taken its port out of the conference
        bridge with every connection (before onCallState(DISCONNECTED)); drop what
        refers to it, and ask pjsua nothing: the slot is gone or about to be."""

    def capture_media(self) -> pj.AudioMedia | None:
        """The microphone side as a bridge port (for the recorder), if any."""

    def close(self) -> None:
        """Called once, before libDestroy."""


class NullDeviceAudio:
    """Connect calls to pjsua's null sound device (slot 0) both ways."""

    def __init__(self) -> None:
        self._endpoint: pj.Endpoint | None = None

    def start(self, endpoint: pj.Endpoint) -> None:
        self._endpoint = endpoint

    def _device(self) -> tuple[pj.AudioMedia, pj.AudioMedia] | None:
        if self._endpoint is None:
            return None
        manager = self._endpoint.audDevManager()
        return manager.getCaptureDevMedia(), manager.getPlaybackDevMedia()

    def connect_call(self, call_media: pj.AudioMedia) -> None:
        device = self._device()
        if device is None:
            return
        capture, playback = device
        capture.startTransmit(call_media)
        call_media.startTransmit(playback)

    def disconnect_call(self, call_media: pj.AudioMedia) -> None:
        device = self._device()
        if device is None or not self._still_bridged(call_media):
            return  # an ended call's port is removed with its connections
        capture, playback = device
        for source, sink in ((capture, call_media), (call_media, playback)):
            with contextlib.suppress(pj.Error):  # removed meanwhile by the clock thread
                source.stopTransmit(sink)

    def forget_call(self, call_media: pj.AudioMedia) -> None:
        pass  # nothing kept

    def _still_bridged(self, call_media: pj.AudioMedia) -> bool:
        assert self._endpoint is not None
        slot = call_media.getPortId()
        return any(port.getPortId() == slot for port in self._endpoint.mediaEnumPorts2())

    def capture_media(self) -> pj.AudioMedia | None:
        device = self._device()
        return device[0] if device else None

    def close(self) -> None:
        self._endpoint = None
