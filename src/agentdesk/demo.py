"""Demo mode: the simulated caller process, driven from the GUI thread.

The simulated caller is a second pjsua2 user agent in its own process (pjsua2 allows
one endpoint per process). It speaks JSON lines on stdin/stdout; QProcess reads them
without blocking the GUI. Closing the desktop ends it (quit, then kill after a grace
period), and it also exits by itself when its stdin closes, so no process is left
behind even if the desktop is killed.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QProcess, Signal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoCaller:
    """Who the simulated customer claims to be on a call."""

    label: str
    number: str
    name: str
    headers: dict[str, str]


# The screen-pop cases, in the order F9 plays them: a known customer (the IVR passed
# the customer id), a number two customers share (ranked candidates: C-1101 holds the
# demo agent's open callback, C-1102 was contacted last), and a number nobody has (the
# new-customer form). See resources/demo/README.md.
DEMO_CALLERS = (
    DemoCaller("Known customer", "+8613800138000", "Li Lei",
               {"X-Customer-Id": "C-1001", "X-Intent": "billing"}),
    DemoCaller("Shared number", "+8613700137000", "", {"X-Intent": "support"}),
    DemoCaller("Unknown caller", "+8613600136000", "", {}),
)

# The outbound demo: a lead of the demo telesales campaign, which runs its script.
DEMO_CAMPAIGN = "demo-telesales"
DEMO_LEAD_NUMBER = "+8613912345678"  # C-1003, Han Meimei


class SimulatedCaller(QObject):
    sig_ready = Signal(int)  # the caller's SIP port
    sig_event = Signal(dict)  # every JSON event it reports
    sig_failed = Signal(str)

    def __init__(self, parent: QObject | None = None,
                 extra_args: list[str] | None = None) -> None:
        super().__init__(parent)
        self.port: int | None = None
        self._buffer = b""
        self._process = QProcess(self)
        self._process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        self._process.readyReadStandardOutput.connect(self._on_process_output)
        self._process.readyReadStandardError.connect(self._on_process_stderr)
        self._process.errorOccurred.connect(self._on_process_error)
        self._process.finished.connect(self._on_process_finished)
        self._args = ["-m", "agentdesk.sip.simulated_caller", "--port", "0", *(extra_args or [])]
        self._stopping = False

    def start(self) -> None:
        self._process.start(sys.executable, self._args)

    def call(self, agent_uri: str, caller: DemoCaller) -> None:
        self._send({"cmd": "call", "uri": agent_uri, "from_user": caller.number,
                    "from_name": caller.name, "headers": caller.headers})

    def hangup_all(self) -> None:
        self._send({"cmd": "hangup"})

    def stop(self, grace_ms: int = 3000) -> None:
        if self._process.state() == QProcess.ProcessState.NotRunning:
            return
        self._stopping = True
        self._send({"cmd": "quit"})
        self._process.closeWriteChannel()
        if not self._process.waitForFinished(grace_ms):
            log.warning("simulated caller did not quit in time; killing it")
            self._process.kill()
            self._process.waitForFinished(1000)

    def _send(self, command: dict[str, object]) -> None:
        if self._process.state() != QProcess.ProcessState.Running:
            self.sig_failed.emit(self.tr("The simulated caller is not running."))
            return
        self._process.write((json.dumps(command) + "\n").encode())

    def _on_process_output(self) -> None:
        self._buffer += bytes(self._process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
            except ValueError:
                log.debug("simulated caller said: %r", raw[:200])
                continue
            if event.get("event") == "ready":
                self.port = int(event["port"])
                self.sig_ready.emit(self.port)
            self.sig_event.emit(event)

    def _on_process_stderr(self) -> None:
        text = bytes(self._process.readAllStandardError().data()).decode("utf-8", "replace")
        for line in text.splitlines():
            log.debug("simulated caller: %s", line)

    def _on_process_error(self, error: QProcess.ProcessError) -> None:
        if not self._stopping:
            self.sig_failed.emit(
                self.tr("The simulated caller could not run ({0}).").format(error.name))

    def _on_process_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        if not self._stopping:
            self.sig_failed.emit(
                self.tr("The simulated caller stopped (exit code {0}).").format(code))


def agent_uri(port: int, user: str = "agent") -> str:
    return f"sip:{user}@127.0.0.1:{port}"


OnReady = Callable[[int], None]
