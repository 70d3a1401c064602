"""Running sipp as a real SIP peer from a test: start, wait, read its message trace.

Every sipp runs under `timeout` (so a test that dies cannot leave one behind) and in
its own session, which the fixture kills in teardown. `-trace_msg` writes every
message sipp sent and received; `SippRun.received()` gives what *we* sent to it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SCENARIOS = Path(__file__).parent / "scenarios"
SIPP = shutil.which("sipp") or "/usr/bin/sipp"
HOST = "127.0.0.1"


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free for both UDP and TCP right now (sipp and pjsua bind both ways)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as first:
            first.bind((HOST, 0))
            port = first.getsockname()[1]
            other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
            with socket.socket(socket.AF_INET, other) as second:
                try:
                    second.bind((HOST, port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port found")


@dataclass
class SipMessage:
    direction: str  # "sent" | "received", from sipp's point of view
    text: str

    @property
    def start_line(self) -> str:
        return self.text.split("\n", 1)[0].strip()

    @property
    def method(self) -> str:
        first = self.start_line
        return "" if first.startswith("SIP/2.0") else first.split(" ", 1)[0]

    @property
    def status(self) -> int:
        parts = self.start_line.split()
        return int(parts[1]) if self.start_line.startswith("SIP/2.0") and len(parts) > 1 else 0

    def header(self, name: str) -> str:
        match = re.search(rf"^{re.escape(name)}\s*:\s*(.*)$", self.text, re.I | re.M)
        return match.group(1).strip() if match else ""

    @property
    def body(self) -> str:
        parts = re.split(r"\r?\n\r?\n", self.text, maxsplit=1)
        return parts[1] if len(parts) > 1 else ""


@dataclass
class SippRun:
    proc: subprocess.Popen[bytes]
    port: int
    media_port: int
    trace: Path
    errors: Path
    stderr: Path
    command: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def done(self) -> bool:
        return self.proc.poll() is not None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def messages(self) -> list[SipMessage]:
        if not self.trace.exists():
            return []
        text = self.trace.read_text(errors="replace")
        found = []
        for chunk in re.split(r"^-{20,}.*$", text, flags=re.M):
            head, _, rest = chunk.strip().partition("\n")
            if "message sent" in head:
                direction = "sent"
            elif "message received" in head:
                direction = "received"
            else:
                continue
            found.append(SipMessage(direction, rest.strip("\n").replace("\r", "")))
        return found

    def received(self, method: str = "") -> list[SipMessage]:
        """Messages sipp received (what the phone sent), optionally one method only."""
        return [m for m in self.messages()
                if m.direction == "received" and (not method or m.method == method)]

    def diagnostics(self) -> str:
        parts = [f"sipp exit code {self.returncode}: {' '.join(self.command)}"]
        for path in (self.errors, self.stderr):
            if path.exists() and path.stat().st_size:
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)


class SippFactory:
    """Starts sipp processes for one test and kills whatever is left at teardown."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._runs: list[SippRun] = []

    def start(self, scenario: str, remote: str | None = None, *, calls: int = 1,
              transport: str = "u1", keys: dict[str, str] | None = None,
              extra: list[str] | None = None, timeout_s: float = 30,
              port: int | None = None, rtp_echo: bool = False,
              fill: dict[str, str] | None = None, encoding: str = "utf-8") -> SippRun:
        """Start sipp on `scenario` (a file in scenarios/, or "builtin:uas").

        `keys` become sipp `-key`s ([name] in the scenario, substituted per message);
        `fill` makes literal replacements in the file before sipp reads it, for what
        sipp parses at load time (a response's status code) or a test must redirect;
        the filled file is written in `encoding` (sipp sends its bytes as they are).
        """
        port = port or free_port(
            socket.SOCK_STREAM if transport.startswith("t") else socket.SOCK_DGRAM)
        media_port = free_port()
        # sipp takes the media port and the three after it (RTCP, video); the control
        # socket must not be handed one of those the moment they were released
        taken = {port, *range(media_port, media_port + 4)}
        control_port = next(p for p in iter(free_port, None) if p not in taken)
        name = f"{Path(scenario.removeprefix('builtin:')).stem}-{port}"
        trace = self._workdir / f"{name}.msg.log"
        errors = self._workdir / f"{name}.err.log"
        stderr = self._workdir / f"{name}.stderr.log"
        if scenario.startswith("builtin:"):  # sipp's embedded scenarios: uac, uas, ...
            source = ["-sn", scenario.removeprefix("builtin:")]
        else:
            path = Path(scenario) if Path(scenario).is_absolute() else SCENARIOS / scenario
            if fill:
                text = path.read_text()
                for old, new in fill.items():
                    assert old in text, f"{old!r} is not in {path.name}"
                    text = text.replace(old, new)
                path = self._workdir / f"{path.stem}-{port}.xml"
                path.write_bytes(text.encode(encoding))
            source = ["-sf", str(path)]
        cmd = ["timeout", "-k", "2", str(int(timeout_s)), SIPP, *source,
               "-i", HOST, "-p", str(port), "-mp", str(media_port),
               "-cp", str(control_port), "-t", transport,
               "-m", str(calls), "-nostdin", "-trace_msg", "-message_file", str(trace),
               "-trace_err", "-error_file", str(errors), "-timeout", str(int(timeout_s)),
               "-timeout_error"]
        if rtp_echo:
            cmd.append("-rtp_echo")
        for key, value in (keys or {}).items():
            cmd += ["-key", key, value]
        cmd += extra or []
        if remote:
            cmd.append(remote)
        with open(stderr, "wb") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, cwd=self._workdir, start_new_session=True)
        run = SippRun(proc, port, media_port, trace, errors, stderr, cmd)
        self._runs.append(run)
        if not remote:
            _wait_listening(run, transport)
        return run

    def stop_all(self) -> None:
        for run in self._runs:
            run.stop()


def _wait_listening(run: SippRun, transport: str, timeout: float = 5.0) -> None:
    """A UAS sipp must be bound before the phone sends to it."""
    kind = socket.SOCK_STREAM if transport.startswith("t") else socket.SOCK_DGRAM
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run.done:
            raise AssertionError(run.diagnostics())
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind((HOST, run.port))
            except OSError:
                return  # taken: sipp has it
        time.sleep(0.02)
    raise AssertionError(f"sipp did not bind {run.address}\n{run.diagnostics()}")


def wait_until(pump: Callable[[], None], predicate: Callable[[], bool], timeout: float,
               what: str) -> None:
    """Drive the event pump until predicate() holds (an event loop, not a sleep)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        pump()
