"""The simulated caller process: protocol, prompts, and clean exits (quit, end of stdin,
SIGTERM, a parent killed outright) with no process left behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pjsua2 as pj
import psutil
import pytest

from agentdesk.sip import simulated_caller
from agentdesk.sip.simulated_caller import SimulatedCallerError, SimulatedCallerProcess
from agentdesk.sip.tone import detect_tone, generate_tone, read_wav, write_wav
from tests.sip.media.conftest import (
    MIC_TONE_HZ,
    PEER_TONE_HZ,
    RATE,
    FrameCollector,
    MediaEndpoint,
    assert_gone,
)

pytestmark = pytest.mark.sip


def _events(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _run(tone_wav: Path, stdin: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentdesk.sip.simulated_caller", "--prompt", str(tone_wav)],
        input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


def test_stdout_carries_only_json_and_starts_with_ready(tone_wav: Path) -> None:
    done = _run(tone_wav, '{"cmd": "ping", "tag": 7}\n\nnot json\n[1]\n'
                          '{"cmd": "fly"}\n{"cmd": "quit"}\n')
    assert done.returncode == 0, done.stderr
    events = _events(done.stdout)  # every stdout line parses
    assert events[0]["event"] == "ready" and int(str(events[0]["port"])) > 0
    assert events[1] == {"event": "pong", "tag": 7}
    errors = [e for e in events if e["event"] == "error"]
    assert len(errors) == 3  # bad JSON, not an object, unknown command
    assert "unknown command 'fly'" in str(errors[-1]["message"])
    assert events[-1] == {"event": "bye"}
    assert "pjlib" in done.stderr  # pjsua's banner went to stderr, not the protocol


def test_end_of_stdin_means_exit(tone_wav: Path) -> None:
    done = _run(tone_wav, "")
    assert done.returncode == 0, done.stderr
    assert [e["event"] for e in _events(done.stdout)] == ["ready", "bye"]


def test_sigterm_mid_call_hangs_up_and_exits(endpoint: MediaEndpoint, tone_wav: Path) -> None:
    process = SimulatedCallerProcess(prompt=tone_wav)
    process.start()
    pid = process.pid
    assert pid is not None
    try:
        process.send({"cmd": "call", "uri": endpoint.uri})
        endpoint.wait_until(lambda: bool(endpoint.calls) and endpoint.calls[-1].confirmed,
                            "the call")
        assert psutil.Process(pid).children(recursive=True) == []
        os.kill(pid, signal.SIGTERM)
        process.wait_for(lambda e: e.get("event") == "bye", pump=endpoint.pump)
        endpoint.wait_until(lambda: endpoint.calls[-1].ended, "its BYE")
    finally:
        code = process.close()
    assert code == 0
    assert_gone(pid)


def test_a_killed_parent_leaves_no_caller_behind(tone_wav: Path, tmp_path: Path) -> None:
    """The caller notices its stdin closing when the parent dies without a word."""
    parent_code = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-m', 'agentdesk.sip.simulated_caller',"
        f" '--prompt', {str(tone_wav)!r}], stdin=subprocess.PIPE, stdout=subprocess.PIPE)\n"
        "print(child.pid, flush=True)\n"
        "child.stdout.readline()\n"  # its "ready"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"  # wait to be killed
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    try:
        child_pid = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == "ready"
        assert psutil.pid_exists(child_pid)
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        if parent.stdin is not None:
            parent.stdin.close()
    assert_gone(child_pid)


def test_wait_for_reports_an_exit(tone_wav: Path) -> None:
    process = SimulatedCallerProcess(prompt=tone_wav)
    process.start()
    process.send({"cmd": "quit"})
    with pytest.raises(SimulatedCallerError, match="exited"):
        process.wait_for(lambda e: e.get("event") == "never", timeout_s=10)
    with pytest.raises(SimulatedCallerError, match="exited"):  # and keeps saying so
        process.wait_for(lambda e: False, timeout_s=1)
    assert process.close() == 0
    with pytest.raises(SimulatedCallerError, match="not running"):
        process.send({"cmd": "ping"})


def test_manual_answer_and_a_new_prompt_mid_call(endpoint: MediaEndpoint, tone_wav: Path,
                                                 tmp_path: Path) -> None:
    sink = FrameCollector()
    endpoint.bridge.speaker = sink
    other = write_wav(tmp_path / "other.wav", generate_tone(MIC_TONE_HZ, 1.0, RATE), RATE)
    process = SimulatedCallerProcess(prompt=tone_wav, extra_args=["--no-auto-answer"])
    process.start()
    try:
        call = endpoint.dial(f"sip:customer@127.0.0.1:{process.port}")
        incoming = process.wait_for(lambda e: e["event"] == "incoming", pump=endpoint.pump)
        assert str(incoming["to"]).startswith("<sip:customer@127.0.0.1")
        endpoint.wait_until(lambda: pj.PJSIP_INV_STATE_EARLY in call.states, "ringing")
        assert not call.confirmed
        process.send({"cmd": "answer", "call": incoming["call"]})
        endpoint.wait_until(lambda: call.confirmed and call.media is not None, "the answer")
        endpoint.wait_until(lambda: detect_tone(sink.last_pcm(10), RATE, PEER_TONE_HZ),
                            "the first prompt")
        process.send({"cmd": "play", "path": str(other)})
        endpoint.wait_until(lambda: detect_tone(sink.last_pcm(10), RATE, MIC_TONE_HZ),
                            "the new prompt")
        process.send({"cmd": "hangup", "call": incoming["call"]})
        endpoint.wait_until(lambda: call.ended, "the BYE")
    finally:
        assert process.close() == 0


def test_a_taken_port_is_a_clear_error(tone_wav: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        process = SimulatedCallerProcess(port=taken.getsockname()[1], prompt=tone_wav)
        with pytest.raises(SimulatedCallerError, match="Address already in use"):
            process.start()
        assert process.close() == 2


def test_a_failed_call_is_reported(tone_wav: Path) -> None:
    with SimulatedCallerProcess(prompt=tone_wav) as process:
        process.send({"cmd": "call", "uri": "not a sip uri", "tag": "bad"})
        error = process.wait_for(lambda e: e.get("tag") == "bad" and e["event"] == "error")
        assert error["message"]


def test_the_shipped_prompt_is_a_small_valid_wav() -> None:
    path = simulated_caller.fallback_prompt()
    assert path.stat().st_size < 200_000
    audio = read_wav(path)
    assert (audio.channels, audio.sample_rate) == (1, 8000)
    assert 3.0 < audio.duration_s < 12.0


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_prompts_are_generated_with_espeak_and_cached(tmp_path: Path) -> None:
    texts = (("en-us", "Hello."), ("cmn", "您好。"))
    first = simulated_caller.generate_prompt(tmp_path, texts)
    assert first is not None
    audio = read_wav(first)
    assert audio.channels == 1
    expected_rate = 16000 if shutil.which("sox") else audio.sample_rate
    assert audio.sample_rate == expected_rate
    assert audio.duration_s > 0.6  # two utterances and the pause between them
    mtime = first.stat().st_mtime_ns
    assert simulated_caller.generate_prompt(tmp_path, texts) == first
    assert first.stat().st_mtime_ns == mtime  # served from the cache
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no work files left


def test_without_espeak_the_shipped_prompt_is_used(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulated_caller.shutil, "which", lambda name: None)
    assert simulated_caller.generate_prompt(tmp_path) is None
    assert simulated_caller.default_prompt(tmp_path) == simulated_caller.fallback_prompt()
