"""The real seat as a separate process, as IT deploys it: shared by the e2e tests."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def write_auto_answer_config(path: Path, port: int) -> Path:
    """A direct-call, auto-in seat on 127.0.0.1:`port` that answers at once and logs at
    DEBUG."""
    path.write_text(
        "[sip]\n"
        'registrar = ""\n'
        'username = "1001"\n'
        f"local_port = {port}\n"
        'bind_address = "127.0.0.1"\n'
        "[phone]\n"
        "auto_answer_after_s = 0\n"
        "[agent]\n"
        "ready_on_login = true\n"  # an auto-in inbound seat: offered calls at once
        "[logging]\n"
        'level = "DEBUG"\n'
    )
    return path


def wait_for_log_text(path: Path, text: str, timeout_s: float,
                      process: subprocess.Popen[str] | None = None) -> str:
    """The log's content once `text` is in it; fails early if `process` exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the seat exited early with {process.returncode}")
        if path.exists():
            content = path.read_text(encoding="utf-8", errors="replace")
            if text in content:
                return content
        time.sleep(0.02)  # polling a file another process writes; no event to wait on
    raise AssertionError(f"{text!r} never appeared in {path}")
