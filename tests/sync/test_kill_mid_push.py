from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agentdesk.server.records import iter_records
from agentdesk.store import open_store
from agentdesk.sync.service import Connectivity
from tests.sync.conftest import PASSWORD, LiveServer, save_call, wait_for

CHILD = Path(__file__).with_name("push_child.py")


@pytest.mark.slow
def test_a_desktop_killed_mid_push_loses_and_duplicates_nothing_after_restart(
        live_server: LiveServer, agent: str, engine: Any, tmp_path: Path,
        make_desk: Any) -> None:
    data_dir = tmp_path / "killed-desk"
    store = open_store(data_dir)
    saved = [save_call(store) for _ in range(30)]  # 60 records: 6 batches of 10
    store.close()

    child = subprocess.Popen([sys.executable, str(CHILD), str(data_dir), live_server.url,
                              agent, PASSWORD], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until the third answer (or child death)
        assert line.strip() == "ANSWERED 3", f"child said {line!r}, exit {child.poll()}"
        on_server = list(iter_records(engine, "wrapup", None)) + list(
            iter_records(engine, "call_record", None))
        assert len(on_server) == 30  # three batches stored; the third never acknowledged
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        if child.stdout:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    store = open_store(data_dir)  # the restart
    try:
        assert store.pending_count() == 40  # batches 1-2 were marked; 3 was not
        desk = make_desk(live_server.url, store=store)
        desk.service.start()
        wait_for(lambda: desk.service.status.connectivity is Connectivity.ONLINE
                 and desk.service.status.pending == 0, what="the restarted desk drains")
        assert desk.service.stop()
    finally:
        store.close()
    wrapups = sorted(str(r.id) for r in iter_records(engine, "wrapup", None))
    calls = sorted(str(r.id) for r in iter_records(engine, "call_record", None))
    assert wrapups == sorted(str(w.id) for _, w in saved)
    assert calls == sorted(str(c.id) for c, _ in saved)
