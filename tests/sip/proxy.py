"""kamailio as a real registrar / proxy for tests, in the foreground on 127.0.0.1.

The config (tests/sip/kamailio/kamailio.cfg) keeps bindings in memory, so stopping
and starting it again on the same port is a registrar restart that forgot everyone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

CONFIG = Path(__file__).parent / "kamailio" / "kamailio.cfg"
MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"
KAMAILIO = shutil.which("kamailio") or "/usr/sbin/kamailio"
HOST = "127.0.0.1"


class Kamailio:
    def __init__(self, workdir: Path, port: int, password: str) -> None:
        self.workdir = workdir
        self.port = port
        self.password = password
        self.log = workdir / "kamailio.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._starts = 0

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self._starts += 1
        rundir = self.workdir / f"run{self._starts}"
        rundir.mkdir(parents=True, exist_ok=True)
        config = rundir / "kamailio.cfg"
        config.write_text(CONFIG.read_text().replace("@PORT@", str(self.port))
                          .replace("@PASSWORD@", self.password).replace("@MODULES@", MODULES))
        cmd = ["timeout", "-k", "2", "120", KAMAILIO, "-f", str(config), "-DD", "-E",
               "-m", "32", "-M", "8", "-Y", str(rundir), "-P", str(rundir / "kamailio.pid"),
               "-w", str(rundir)]
        with open(self.log, "ab") as log:
            self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                          stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self._listening():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"kamailio did not start:\n{self.tail()}")
            time.sleep(0.05)

    def _listening(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            return probe.connect_ex((HOST, self.port)) == 0

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # the group: kamailio forks
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
