"""Audio proven both ways through a real SIP call on 127.0.0.1.

Our side: a pjsua2 endpoint with the AudioBridge (conftest). The peer: the simulated
caller in its own process, playing a 1 kHz tone. The tone must show up in the frames
the bridge hands to the speaker sink; a 600 Hz tone injected as microphone must show
up in what the simulated caller records.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentdesk.sip.endpoint import PREFERRED_CODECS, prefer_codecs
from agentdesk.sip.simulated_caller import SimulatedCallerProcess
from agentdesk.sip.tone import ToneGenerator, detect_tone, read_wav, tone_windows
from tests.sip.media.conftest import (
    MIC_TONE_HZ,
    PEER_TONE_HZ,
    RATE,
    FrameCollector,
    MediaEndpoint,
    MiniCall,
)

pytestmark = pytest.mark.sip


def _incoming(endpoint: MediaEndpoint) -> MiniCall:
    endpoint.wait_until(lambda: bool(endpoint.calls), "the INVITE")
    return endpoint.calls[-1]


def test_peer_tone_reaches_the_speaker_sink(endpoint: MediaEndpoint,
                                            caller: SimulatedCallerProcess) -> None:
    sink = FrameCollector()
    endpoint.bridge.speaker = sink
    caller.send({"cmd": "call", "uri": endpoint.uri, "from_user": "+8613800138000",
                 "from_name": "Li Lei", "headers": {"X-Customer-Id": "C-1001"}})
    call = _incoming(endpoint)
    # The per-call identity and headers the demo relies on arrive in the INVITE.
    assert re.search(r'^From: "Li Lei" <sip:\+8613800138000@127\.0\.0\.1',
                     call.invite, re.MULTILINE)
    assert re.search(r"^X-Customer-Id: C-1001\r?$", call.invite, re.MULTILINE)
    caller.wait_for(lambda e: e.get("event") == "media", pump=endpoint.pump)
    endpoint.wait_until(lambda: call.media is not None, "our media")

    endpoint.wait_until(lambda: detect_tone(sink.last_pcm(25), RATE, PEER_TONE_HZ),
                        f"{PEER_TONE_HZ} Hz in the speaker frames", timeout=10)
    # Audio keeps flowing at the clock's pace: a second of call, no gap over 100 ms.
    start = call.media_active_at or 0.0
    endpoint.wait_ticks(50)
    arrivals = [t for t, _ in sink.since(start)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert len(arrivals) >= 45
    assert max(gaps) < 0.1
    windows = tone_windows(sink.last_pcm(50), RATE, PEER_TONE_HZ, 0.1)
    assert all(w.present() for w in windows), windows

    # On hold / disconnected from the bridge: nothing more reaches the speaker.
    assert call.media is not None
    endpoint.bridge.disconnect_call(call.media)
    endpoint.wait_ticks(3)
    silent_from = sink.count()
    endpoint.wait_ticks(10)
    assert sink.count() == silent_from
    endpoint.bridge.connect_call(call.media)  # and back
    endpoint.wait_until(lambda: sink.count() >= silent_from + 10, "audio after resume")

    caller.send({"cmd": "hangup"})
    endpoint.wait_until(lambda: call.ended, "the BYE")
    assert endpoint.bridge.connected_calls == 0


@pytest.fixture
def narrowband_offer(endpoint: MediaEndpoint) -> Iterator[None]:
    """Offer G.711 A-law first: the 8 kHz codec meets the 16 kHz bridge."""
    prefer_codecs(endpoint.ep, ("PCMA/8000", "G722/16000", "PCMU/8000"))
    yield
    prefer_codecs(endpoint.ep, PREFERRED_CODECS)


def test_microphone_frames_reach_the_peer(endpoint: MediaEndpoint,
                                          caller: SimulatedCallerProcess, tmp_path: Path,
                                          narrowband_offer: None) -> None:
    endpoint.bridge.microphone = ToneGenerator(MIC_TONE_HZ, RATE)
    heard = tmp_path / "heard-by-peer.wav"
    caller.send({"cmd": "record", "path": str(heard)})
    # Outbound this time: the simulated caller answers the agent's call by itself.
    call = endpoint.dial(f"sip:customer@127.0.0.1:{caller.port}")
    caller.wait_for(lambda e: e.get("event") == "media", pump=endpoint.pump)
    endpoint.wait_until(lambda: call.confirmed and call.media is not None, "the answer")
    assert call.getStreamInfo(0).codecName == "PCMA"
    sent_from = endpoint.bridge.frames_sent
    endpoint.wait_until(lambda: endpoint.bridge.frames_sent >= sent_from + 50,
                        "a second of microphone audio")
    caller.send({"cmd": "stop_record", "tag": "rec"})
    recorded = caller.wait_for(lambda e: e.get("tag") == "rec", pump=endpoint.pump)
    assert recorded["event"] == "recorded" and recorded["path"] == str(heard)

    audio = read_wav(heard)
    assert audio.duration_s >= 0.8
    windows = tone_windows(audio.pcm, audio.sample_rate, MIC_TONE_HZ, 0.1)
    # The first windows may predate the media path; the last 0.8 s must be the tone,
    # and only ours (the peer's own 1 kHz prompt is not in what it receives).
    assert all(w.present() for w in windows[-8:]), windows[-8:]
    assert not detect_tone(audio.pcm[-3200:], audio.sample_rate, PEER_TONE_HZ, 0.1)

    endpoint.hang_up_all()
    caller.wait_for(lambda e: e.get("event") == "state" and e.get("state") == "DISCONNECTED",
                    pump=endpoint.pump)
