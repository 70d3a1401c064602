"""A simulated customer: a second pjsua2 user agent in its own process on 127.0.0.1.

    python -m agentdesk.sip.simulated_caller --port 0 [--prompt WAV]

It places calls to the agent on demand, answers the agent's calls, and plays a short
spoken prompt in a loop into every call. It is driven by one JSON object per line on
stdin and reports one JSON object per line on stdout (nothing else is ever written
to stdout: pjsua's own log goes to stderr).

Commands ("tag" may be added to any command and is echoed in its reply):
    {"cmd":"call","uri":"sip:agent@127.0.0.1:5070","headers":{"X-Customer-Id":"C-1"},
     "from_user":"+8613800138000","from_name":"Li Wei"}   -> {"event":"calling",...}
    {"cmd":"hangup"} / {"cmd":"hangup","call":N}
    {"cmd":"answer","call":N}           when started with --no-auto-answer
    {"cmd":"dtmf","digits":"12#"[,"call":N]}
    {"cmd":"play","path":"prompt.wav"}  the prompt for current and later calls
    {"cmd":"record","path":"out.wav"}   record what the calls send us (all of them)
    {"cmd":"stop_record"}               -> {"event":"recorded","path":...,"seconds":...}
    {"cmd":"ping"}                      -> {"event":"pong"}
    {"cmd":"quit"}                      -> {"event":"bye"}, exit 0
Events: ready {port, prompt}, calling {call}, incoming {call, from, to}, state {call, state,
code, reason}, media {call, active}, dtmf {call, digit}, recorded, error {message},
pong, bye. The first line is {"event":"ready","port":N,...}, or an error and exit
code 2 when the user agent cannot start (e.g. the port is taken).

The process exits cleanly (calls hung up, pjsua destroyed) on "quit", on end of
stdin (the parent died) and on SIGTERM / SIGINT. `SimulatedCallerProcess` below is the
parent's side: it starts the process, sends commands and waits for events.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import IO, Any

import pjsua2 as pj

from agentdesk.sip.audio_bridge import detach_from_conference
from agentdesk.sip.endpoint import prefer_codecs

log = logging.getLogger(__name__)

PROMPT_TEXTS = (
    ("en-us", "Hello, this is a simulated customer calling about my order."),
    ("cmn", "您好，我想咨询一下我的订单。"),
)
FALLBACK_PROMPT = "simulated_customer.wav"

# --- prompts -----------------------------------------------------------------------------


def fallback_prompt() -> Path:
    """The prompt shipped with the package (8 kHz, English then Chinese)."""
    resource = resources.files("agentdesk") / "resources" / "sounds" / FALLBACK_PROMPT
    return Path(str(resource))


def generate_prompt(cache_dir: Path, texts: tuple[tuple[str, str], ...] = PROMPT_TEXTS,
                    rate: int = 16000) -> Path | None:
    """Speak `texts` with espeak-ng into one WAV (resampled with sox when present).

    Returns None when espeak-ng is missing or fails. Results are cached by content.
    """
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return None
    key = hashlib.sha256(repr((texts, rate)).encode()).hexdigest()[:16]
    target = cache_dir / f"prompt-{key}.wav"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as work:
        parts = []
        for index, (voice, text) in enumerate(texts):
            part = Path(work) / f"part{index}.wav"
            result = subprocess.run([espeak, "-v", voice, "-s", "150", "-w", str(part), text],
                                    capture_output=True, timeout=30, check=False)
            if result.returncode != 0 or not part.exists():
                log.warning("espeak-ng failed for voice %s: %s", voice,
                            result.stderr.decode(errors="replace").strip())
                return None
            parts.append(part)
        joined = Path(work) / "joined.wav"
        _join_wavs(parts, joined, pause_s=0.6)
        sox = shutil.which("sox")
        staged = Path(work) / "final.wav"
        if sox is not None:
            result = subprocess.run([sox, str(joined), "-r", str(rate), "-c", "1", "-b", "16",
                                     str(staged)], capture_output=True, timeout=30, check=False)
            if result.returncode != 0:
                shutil.copyfile(joined, staged)  # pjmedia resamples it instead
        else:
            shutil.copyfile(joined, staged)
        os.replace(staged, target)
    return target


def _join_wavs(parts: list[Path], target: Path, pause_s: float) -> None:
    params = None
    with wave.open(str(target), "wb") as out:
        for part in parts:
            with wave.open(str(part), "rb") as source:
                if params is None:
                    params = (source.getnchannels(), source.getsampwidth(),
                              source.getframerate())
                    out.setnchannels(params[0])
                    out.setsampwidth(params[1])
                    out.setframerate(params[2])
                elif (source.getnchannels(), source.getsampwidth(),
                      source.getframerate()) != params:
                    raise ValueError(f"{part}: format differs from the first part")
                out.writeframes(source.readframes(source.getnframes()))
            out.writeframes(bytes(round(pause_s * params[2]) * params[0] * params[1]))


def default_prompt(cache_dir: Path | None = None) -> Path:
    cache = cache_dir or Path(tempfile.gettempdir()) / f"agentdesk-prompts-{os.getuid()}"
    try:
        generated = generate_prompt(cache)
    except (OSError, subprocess.SubprocessError, wave.Error, ValueError) as error:
        log.warning("could not generate the prompt: %s", error)
        generated = None
    return generated or fallback_prompt()


# --- the user agent (child process) --------------------------------------------------------


def _sip_quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Agent:
    """The pjsua2 side of the simulated caller. Everything runs on the main thread."""

    def __init__(self, emit: Callable[[dict[str, Any]], None], host: str, port: int,
                 user: str, prompt: Path, auto_answer: bool, pj_log_level: int) -> None:
        self.emit = emit
        self.host = host
        self.user = user
        self.auto_answer = auto_answer
        self.calls: dict[int, _Call] = {}
        self._next_call = 1
        self._accounts: dict[tuple[str, str], _Account] = {}
        self._recorder: pj.AudioMediaRecorder | None = None
        self._record_path = ""
        self._record_started = 0.0

        self.ep: pj.Endpoint | None = pj.Endpoint()
        self.ep.libCreate()
        try:
            self._start_library(host, port, pj_log_level)
        except BaseException:
            self._destroy_library()
            raise
        self._default_account: _Account | None = self._account("", user)
        self._default_account.setDefault()
        self._player: pj.AudioMediaPlayer | None = None
        self.prompt = ""
        try:
            self.play(prompt)
        except pj.Error as error:  # a broken prompt should not stop the demo
            log.error("cannot play %s: %s", prompt, error.info())

    def _start_library(self, host: str, port: int, pj_log_level: int) -> None:
        assert self.ep is not None
        config = pj.EpConfig()
        config.uaConfig.threadCnt = 0
        config.uaConfig.mainThreadOnly = True
        config.uaConfig.userAgent = "agentdesk-simulated-caller"
        self._log_writer = _StderrLogWriter()
        config.logConfig.writer = self._log_writer
        config.logConfig.level = pj_log_level
        config.logConfig.consoleLevel = pj_log_level
        config.logConfig.decor = 0
        config.medConfig.sndAutoCloseTime = -1
        config.medConfig.clockRate = 16000
        self.ep.libInit(config)
        prefer_codecs(self.ep)  # as the seat does
        self.ep.audDevManager().setNullDev()
        transport = pj.TransportConfig()
        transport.boundAddress = host
        transport.port = port
        transport_id = self.ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        self.ep.libStart()
        self.port = int(self.ep.transportGetInfo(transport_id).localName.rsplit(":", 1)[1])

    def _destroy_library(self) -> None:
        ep, self.ep = self.ep, None
        if ep is not None:
            # Calls are over and nothing is registered: nothing left to say.
            ep.libDestroy(pj.PJSUA_DESTROY_NO_NETWORK)
            del ep  # the Endpoint object goes with the library

    # -- accounts / calls --------------------------------------------------------------

    def _account(self, name: str, user: str) -> _Account:
        key = (name, user)
        account = self._accounts.get(key)
        if account is None:
            config = pj.AccountConfig()
            uri = f"sip:{user}@{self.host}:{self.port}"
            config.idUri = f"{_sip_quote(name)} <{uri}>" if name else uri
            config.mediaConfig.transportConfig.boundAddress = self.host
            config.mediaConfig.transportConfig.port = 0  # any free RTP port: the agent's
            # softphone on the same host may well sit on pjsua's default of 4000
            account = _Account(self)
            account.create(config)
            self._accounts[key] = account
        return account

    def new_call(self, account: _Account, call_id: int | None = None) -> _Call:
        number = self._next_call
        self._next_call += 1
        call = _Call(self, account, number, call_id)
        self.calls[number] = call
        return call

    def call_state(self, call: _Call, state: str, code: int, reason: str) -> None:
        self.emit({"event": "state", "call": call.number, "state": state, "code": code,
                   "reason": reason})

    def media_active(self, call: _Call, media: pj.AudioMedia) -> None:
        if self._player is not None:
            self._player.startTransmit(media)
        if self._recorder is not None:
            media.startTransmit(self._recorder)
        self.emit({"event": "media", "call": call.number, "active": True})

    def pump(self) -> None:
        if self.ep is not None:
            self.ep.libHandleEvents(10)
        self.reap()

    def _hang_up_all(self) -> None:
        for call in self.calls.values():
            call.hangup_quietly()

    def reap(self) -> None:
        """Drop calls that ended (never inside their own callbacks)."""
        for number in [n for n, c in self.calls.items() if c.ended]:
            del self.calls[number]

    def _active_media(self) -> Iterator[pj.AudioMedia]:
        for call in self.calls.values():
            yield from call.audio_media()

    # -- commands -------------------------------------------------------------------------

    def handle(self, command: dict[str, Any]) -> bool:
        """Run one command; returns False when the process should exit."""
        name = command.get("cmd")
        tag = {"tag": command["tag"]} if "tag" in command else {}
        if name == "quit":
            return False
        if name == "ping":
            self.emit({"event": "pong", **tag})
        elif name == "call":
            self._call(command, tag)
        elif name == "hangup":
            for call in self._select(command):
                call.hangup_quietly()
        elif name == "answer":
            for call in self._select(command):
                call.answer_now()
        elif name == "dtmf":
            for call in self._select(command):
                call.dialDtmf(str(command["digits"]))
        elif name == "play":
            self.play(Path(command["path"]))
        elif name == "record":
            self.record(str(command["path"]))
        elif name == "stop_record":
            self.emit({"event": "recorded", **self.stop_record(), **tag})
        else:
            self.emit({"event": "error", "message": f"unknown command {name!r}", **tag})
        return True

    def _select(self, command: dict[str, Any]) -> list[_Call]:
        if "call" in command:
            call = self.calls.get(int(command["call"]))
            return [call] if call is not None and not call.ended else []
        return [c for c in self.calls.values() if not c.ended]

    def _call(self, command: dict[str, Any], tag: dict[str, Any]) -> None:
        account = self._account(str(command.get("from_name", "")),
                                str(command.get("from_user") or self.user))
        call = self.new_call(account)
        prm = pj.CallOpParam(True)
        for name, value in (command.get("headers") or {}).items():
            header = pj.SipHeader()
            header.hName = str(name)
            header.hValue = str(value)
            prm.txOption.headers.append(header)
        self.emit({"event": "calling", "call": call.number, **tag})
        try:
            call.makeCall(str(command["uri"]), prm)
        except pj.Error as error:
            call.ended = True
            self.emit({"event": "error", "call": call.number, "message": error.info(), **tag})

    def play(self, path: Path) -> None:
        player = pj.AudioMediaPlayer()
        player.createPlayer(str(path), 0)  # loops until destroyed
        for media in self._active_media():
            if self._player is not None:
                with contextlib.suppress(pj.Error):
                    self._player.stopTransmit(media)
            player.startTransmit(media)
        self._release("_player")
        self._player = player
        self.prompt = str(path)

    def record(self, path: str) -> None:
        if self._recorder is not None:
            self.stop_record()
        recorder = pj.AudioMediaRecorder()
        recorder.createRecorder(path)
        self._recorder, self._record_path = recorder, path
        self._record_started = time.monotonic()
        for media in self._active_media():
            media.startTransmit(recorder)

    def stop_record(self) -> dict[str, Any]:
        if self._recorder is None:
            return {"path": "", "seconds": 0.0}
        for media in self._active_media():
            with contextlib.suppress(pj.Error):
                media.stopTransmit(self._recorder)
        self._release("_recorder")  # closes the WAV
        return {"path": self._record_path,
                "seconds": round(time.monotonic() - self._record_started, 3)}

    def _shut_down_accounts(self) -> None:
        for account in self._accounts.values():
            account.shutdown()
        self._accounts.clear()
        self._default_account = None

    def _release(self, attribute: str) -> None:
        """Destroy the player or recorder held in `attribute`, safely and now.

        Its last reference must go before libDestroy (pjsua asserts otherwise), so no
        caller may keep one in a local variable.
        """
        media = getattr(self, attribute)
        setattr(self, attribute, None)
        if media is not None:
            detach_from_conference(media)

    # -- shutdown ---------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Hang up, release every pjsua2 object, destroy the library.

        No pjsua2 object may outlive libDestroy (pjsua asserts when a Call or a media
        port is destroyed afterwards), so none is ever kept in a local variable here.
        """
        self._hang_up_all()
        deadline = time.monotonic() + 2.0
        while any(not c.ended for c in self.calls.values()) and time.monotonic() < deadline:
            self.pump()
        self.stop_record()
        self._release("_player")
        self.calls.clear()
        self._shut_down_accounts()
        gc.collect()
        self._destroy_library()


_STATE_NAMES = {
    pj.PJSIP_INV_STATE_CALLING: "CALLING",
    pj.PJSIP_INV_STATE_INCOMING: "INCOMING",
    pj.PJSIP_INV_STATE_EARLY: "EARLY",
    pj.PJSIP_INV_STATE_CONNECTING: "CONNECTING",
    pj.PJSIP_INV_STATE_CONFIRMED: "CONFIRMED",
    pj.PJSIP_INV_STATE_DISCONNECTED: "DISCONNECTED",
}


class _StderrLogWriter(pj.LogWriter):
    """pjsua's log goes to stderr: stdout carries the protocol only."""

    def write(self, entry: pj.LogEntry) -> None:
        sys.stderr.write(entry.msg if entry.msg.endswith("\n") else entry.msg + "\n")


class _Account(pj.Account):
    def __init__(self, agent: _Agent) -> None:
        super().__init__()
        self.agent = agent

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        try:
            agent = self.agent
            call = agent.new_call(self, prm.callId)
            info = call.getInfo()
            agent.emit({"event": "incoming", "call": call.number, "from": info.remoteUri,
                        "to": info.localUri})
            ringing = pj.CallOpParam()
            ringing.statusCode = 180
            call.answer(ringing)
            if agent.auto_answer:
                call.answer_now()
        except Exception as error:  # never into C++
            log.exception("incoming call")
            self.agent.emit({"event": "error", "message": f"incoming call: {error}"})


class _Call(pj.Call):
    def __init__(self, agent: _Agent, account: _Account, number: int,
                 call_id: int | None) -> None:
        if call_id is None:
            super().__init__(account)
        else:
            super().__init__(account, call_id)
        self.agent = agent
        self.number = number
        self.ended = False

    def answer_now(self) -> None:
        ok = pj.CallOpParam()
        ok.statusCode = 200
        self.answer(ok)

    def hangup_quietly(self) -> None:
        if self.ended:
            return
        try:
            self.hangup(pj.CallOpParam())
        except pj.Error as error:
            log.debug("hangup: %s", error.info())

    def audio_media(self) -> Iterator[pj.AudioMedia]:
        if self.ended:
            return
        try:
            info = self.getInfo()
        except pj.Error:
            return
        for media in info.media:
            if (media.type == pj.PJMEDIA_TYPE_AUDIO
                    and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE):
                yield self.getAudioMedia(media.index)

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        try:
            info = self.getInfo()
            if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
                self.ended = True
            self.agent.call_state(self, _STATE_NAMES.get(info.state, str(info.state)),
                                  info.lastStatusCode, info.lastReason)
        except Exception:  # never into C++
            log.exception("call state")

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        try:
            for media in self.audio_media():
                self.agent.media_active(self, media)
        except Exception:  # never into C++
            log.exception("call media")

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        self.agent.emit({"event": "dtmf", "call": self.number, "digit": prm.digit})


def _stdin_lines(source: IO[str], sink: queue.Queue[str | None]) -> None:
    for line in source:
        sink.put(line)
    sink.put(None)  # end of input: the parent is gone or done


def run(args: argparse.Namespace) -> int:
    # The protocol owns stdout. C code (pjlib prints a banner before any log config
    # applies) writes to fd 1, so fd 1 becomes stderr and the protocol keeps a copy.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def emit(event: dict[str, Any]) -> None:
        if protocol.closed:
            return
        try:
            protocol.write(json.dumps(event, ensure_ascii=False) + "\n")
            protocol.flush()
        except OSError:  # nobody reads us any more (the parent died): just finish
            with contextlib.suppress(OSError):
                protocol.close()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    prompt = Path(args.prompt) if args.prompt else default_prompt(
        Path(args.cache_dir) if args.cache_dir else None)
    try:
        agent = _Agent(emit, args.host, args.port, args.user, prompt,
                       not args.no_auto_answer, args.pj_log_level)
    except pj.Error as error:  # e.g. the port is taken
        emit({"event": "error", "message": f"cannot start: {error.info()}"})
        return 2
    commands: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_stdin_lines, args=(sys.stdin, commands), daemon=True,
                     name="stdin").start()
    emit({"event": "ready", "port": agent.port, "prompt": agent.prompt})
    try:
        while not stop.is_set():
            agent.pump()
            try:
                line = commands.get_nowait()
            except queue.Empty:
                continue
            if line is None:
                break
            if not line.strip():
                continue
            try:
                command = json.loads(line)
                if not isinstance(command, dict):
                    raise ValueError("a command is a JSON object")
                if not agent.handle(command):
                    break
            except Exception as error:  # report and keep serving
                emit({"event": "error", "message": f"{type(error).__name__}: {error}"})
    finally:
        agent.shutdown()
        emit({"event": "bye"})
        with contextlib.suppress(OSError):
            protocol.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agentdesk.sip.simulated_caller",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="UDP port (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="customer", help="our SIP user name")
    parser.add_argument("--prompt", help="WAV played into every call (default: spoken)")
    parser.add_argument("--cache-dir", help="where generated prompts are kept")
    parser.add_argument("--no-auto-answer", action="store_true",
                        help="ring inbound calls until an 'answer' command")
    parser.add_argument("--pj-log-level", type=int, default=1, help="pjsua log level")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="simulated_caller: %(levelname)s %(message)s")
    return run(args)


# --- the parent's side --------------------------------------------------------------------


class SimulatedCallerError(RuntimeError):
    pass


class SimulatedCallerProcess:
    """Starts the simulated caller process and talks to it.

    Events are read on a background thread into a queue; `events()` drains it without
    blocking (for a Qt timer) and `wait_for()` blocks with a deadline while calling
    `pump` (e.g. your endpoint's libHandleEvents) so your own SIP stack keeps running.
    """

    def __init__(self, port: int = 0, prompt: str | os.PathLike[str] | None = None,
                 extra_args: list[str] | None = None, python: str = sys.executable) -> None:
        self._argv = [python, "-m", "agentdesk.sip.simulated_caller", "--port", str(port)]
        if prompt is not None:
            self._argv += ["--prompt", os.fspath(prompt)]
        self._argv += extra_args or []
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.port = 0
        self.history: list[dict[str, Any]] = []

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, timeout_s: float = 15.0) -> int:
        """Start the process and wait for its "ready" line; returns its SIP port."""
        self._process = subprocess.Popen(
            self._argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None,
            text=True, encoding="utf-8", bufsize=1)
        self._reader = threading.Thread(target=self._read_events, args=(self._process,),
                                        daemon=True, name="simulated-caller-events")
        self._reader.start()
        ready = self.wait_for(lambda e: e.get("event") == "ready", timeout_s)
        self.port = int(ready["port"])
        return self.port

    def send(self, command: dict[str, Any]) -> None:
        if self._process is None or self._process.stdin is None:
            raise SimulatedCallerError("the simulated caller is not running")
        try:
            self._process.stdin.write(json.dumps(command, ensure_ascii=False) + "\n")
            self._process.stdin.flush()
        except (BrokenPipeError, ValueError) as error:
            raise SimulatedCallerError(f"the simulated caller went away: {error}") from None

    def events(self) -> list[dict[str, Any]]:
        """Everything reported since the last call, without waiting."""
        found = []
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return found
            if event is not None:
                found.append(event)

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout_s: float = 10.0,
                 pump: Callable[[], None] | None = None) -> dict[str, Any]:
        """The first event (from now on) matching `predicate`; raises on timeout or exit."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SimulatedCallerError(f"no matching event within {timeout_s} s; "
                                           f"last events: {self.history[-5:]}")
            if pump is not None:
                pump()
            try:
                event = self._events.get(timeout=0.005 if pump is not None else remaining)
            except queue.Empty:
                continue
            if event is None:
                self._events.put(None)  # later waits must see the end too
                raise SimulatedCallerError(
                    f"the simulated caller exited; last events: {self.history[-5:]}")
            if predicate(event):
                return event

    def close(self, timeout_s: float = 5.0) -> int | None:
        """Ask it to quit; terminate, then kill, if it does not. Returns the exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.stdin is not None:
            with contextlib.suppress(OSError, ValueError):  # it may have exited already
                process.stdin.write('{"cmd": "quit"}\n')
                process.stdin.flush()
            with contextlib.suppress(OSError, ValueError):
                process.stdin.close()
        try:
            code = process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                code = process.wait(2.0)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
        if self._reader is not None:
            self._reader.join(2.0)  # it has read everything up to end of file
        if process.stdout is not None:
            process.stdout.close()
        return code

    def __enter__(self) -> SimulatedCallerProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _read_events(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                log.debug("simulated caller said: %s", line.rstrip())
                continue
            self.history.append(event)
            self._events.put(event)
        self._events.put(None)


if __name__ == "__main__":
    sys.exit(main())
