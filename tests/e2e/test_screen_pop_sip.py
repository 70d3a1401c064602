"""The screen pop end to end: a real INVITE from sipp into the real window.

The seat is built in this process as app.py builds it: pjsua2 on 127.0.0.1, the
local store in tmp_path, SeatSync logged in to a real `agentdesk-server serve` (its
own process, on a SQLite file holding the demo customers and their history), and the
window's customer pane driven by CallScreen. sipp plays the caller (IVR headers and
all); once the pop is on screen the test declines the call (486), so the agent is
ready again at once.

pjsua2 allows one library per process at a time: each test builds its seat and
shuts it down before the next. The server's database is built once per module; the
offline test runs a server process of its own, so it can stop it.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import shiboken6
from PySide6.QtCore import Qt

from agentdesk.app import Seat, build_desk_window, demo_settings
from agentdesk.core.customer_directory import CustomerDirectory
from agentdesk.credentials import SessionSecretStore
from agentdesk.demo_server import AGENT_TEAM, AGENT_USERNAME, COLLEAGUES, demo_customers_csv
from agentdesk.desk_controller import DeskController
from agentdesk.desk_screen import CallScreen
from agentdesk.paths import SeatPaths
from agentdesk.ui.customer_panel import local_time_text
from agentdesk.ui.main_window import MainWindow
from tests.sip.sipp import HOST, SippFactory, SippRun, free_port

pytestmark = [pytest.mark.sip, pytest.mark.slow]
# Qt Multimedia says so when the test machine has no sound server; not our warning.
pytestmark.append(pytest.mark.qt_log_ignore(
    r"^PulseAudioService: pa_context_connect",
    r"^PipeWire audio backend requested", r"^This plugin does not support propagateSizeHints"))

POP_SCENARIO = Path(__file__).parent / "scenarios" / "uac_pop.xml"
NO_CUSTOMER_ID = {"X-Customer-Id: [customer_id]": "X-Ivr-Step: no-id"}  # sipp `fill`
PASSWORD = "screen-pop-e2e"
POP_TIMEOUT_MS = 10000

LI_LEI = ("C-1001", "+8613800138000", "李雷")
SHARED_NUMBER = "+8613700137000"  # C-1101 and C-1102 (father and daughter)
UNKNOWN_NUMBER = "+8613600136000"


# --- the server ----------------------------------------------------------------------

def seed_demo_database(database_url: str, password: str = PASSWORD) -> None:
    """Migrate; the demo agent (with `password`) and the colleagues who own part of the
    history; the demo customers and their history, as `./scripts/demo` seeds them."""
    from agentdesk.server.config import Settings as ServerSettings
    from agentdesk.server.customer_import import import_customers
    from agentdesk.server.db import make_engine, migrate
    from agentdesk.server.history_import import import_history_file
    from agentdesk.server.security import password_hasher
    from agentdesk.server.users import add_user

    engine = make_engine(database_url)
    try:
        migrate(engine)
        hasher = password_hasher(ServerSettings(database_url=database_url, argon2_time_cost=1,
                                                argon2_memory_kib=1024))
        add_user(engine, hasher, AGENT_USERNAME, password, "agent", AGENT_TEAM)
        for colleague in COLLEAGUES:
            add_user(engine, hasher, colleague, secrets.token_urlsafe(18), "agent", AGENT_TEAM)
        customers = import_customers(engine, demo_customers_csv())
        assert not customers.rejected, customers.rejected
        history = import_history_file(engine, None,
                                      demo_customers_csv().with_name("history.jsonl"))
        assert not history.rejected, history.rejected
    finally:
        engine.dispose()


class ServerProcess:
    """`agentdesk-server serve` on `database_url`, in its own process, on a free port of
    127.0.0.1 (as an operator runs it); its output goes to `log_path`."""

    def __init__(self, database_url: str, log_path: Path,
                 env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.env = env
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 30.0) -> str:
        port = free_port(socket.SOCK_STREAM)
        command = [sys.executable, "-m", "agentdesk.server.cli", "--database-url",
                   self.database_url, "serve", "--host", HOST, "--port", str(port)]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, env=self.env)
        url = f"http://{HOST}:{port}"
        deadline = time.monotonic() + timeout_s
        while True:
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the server did not come up; see {self.log_path}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.05)  # another process starting; no event to wait on
        self.url = url
        return url

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite3'}"
    seed_demo_database(url)
    return url


@pytest.fixture(scope="module")
def server(demo_database: str, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[ServerProcess]:
    process = ServerProcess(demo_database, tmp_path_factory.mktemp("logs") / "server.log")
    process.start()
    yield process
    process.stop()


def server_access_entries(database_url: str) -> list[dict]:
    """The access entries the server has received (what `export access` prints)."""
    from agentdesk.server.db import make_engine
    from agentdesk.server.records import iter_records

    engine = make_engine(database_url)
    try:
        return [r.payload for r in iter_records(engine, "access_entry", None)]
    finally:
        engine.dispose()


# --- the seat and its window ---------------------------------------------------------

@dataclass
class Desk:
    """The seat with the window's call panes, wired as app._run_seat wires them."""

    seat: Seat
    window: MainWindow
    controller: DeskController
    screen: CallScreen

    def start(self) -> None:
        """What _run_seat does before app.exec() (the test's event loop runs the rest)."""
        self.seat.start()
        self.window.apply_settings(self.seat.settings, account=self.seat.account_label())
        self.controller.start()
        self.window.show()

    def close(self) -> None:
        # In the app the event loop has ended before Seat.shutdown; here it goes on, so
        # nothing queued during shutdown (a sync status, reference data read on the
        # writer thread) may reach the seat's slots or the panes afterwards.
        self.controller.stop()  # before the seat stops the store writer, as in the app
        self.screen.close()
        if self.seat.sync_bridge is not None:
            self.seat.sync_bridge.sig_status_changed.disconnect(
                self.seat.on_sync_status_changed)
        self.window.close()
        shiboken6.delete(self.window)  # the panes, their controllers with it
        self.seat.shutdown()


def open_desk(seat: Seat, directory: CustomerDirectory | None = None,
              language: str = "en") -> Desk:
    """The window of `seat` as app._run_seat builds it (less the login dialog and the
    network watch: the password is given, the network is loopback); `directory`
    replaces the seat's own (the server's, with the local copy when it is down)."""
    built = build_desk_window(seat, None, language, directory=directory,
                              tray_available=False)
    return Desk(seat, built.window, built.desk, built.screen)


def pop_seat_settings(server_url: str = "", username: str = AGENT_USERNAME):
    """The demo's seat settings (direct calls on 127.0.0.1, ready at login) with a
    server, or none when `server_url` is empty."""
    settings = demo_settings(None)
    if server_url:
        settings.server.url = server_url
        settings.server.username = username
    return settings


@pytest.fixture
def open_synced_desk(qtbot, tmp_path: Path) -> Iterator[Callable[[str], Desk]]:
    """A started desk logged in to the server at a URL, once its first sync is done
    (the local copy holds the customers)."""
    desks: list[Desk] = []

    def open_(server_url: str) -> Desk:
        paths = SeatPaths(tmp_path / "seat.toml", tmp_path / f"data{len(desks)}")
        seat = Seat(paths, pop_seat_settings(server_url), SessionSecretStore(None),
                    settings_path=None, server_password=lambda: PASSWORD)
        desk = open_desk(seat)
        desks.append(desk)
        assert seat.sync_bridge is not None
        with qtbot.waitSignal(seat.sync_bridge.sig_status_changed, timeout=20000,
                              check_params_cb=lambda s: s.last_success is not None):
            desk.start()
        return desk

    yield open_
    for desk in desks:
        desk.close()


@pytest.fixture
def sipp(tmp_path: Path) -> Iterator[SippFactory]:
    factory = SippFactory(tmp_path)
    yield factory
    factory.stop_all()


def place_call(sipp: SippFactory, seat: Seat, caller: str,
               customer_id: str | None = None) -> SippRun:
    """sipp calls the seat from `caller`, with X-Customer-Id when `customer_id` is set."""
    keys = {"caller": caller}
    if customer_id is not None:
        keys["customer_id"] = customer_id
    return sipp.start(str(POP_SCENARIO), f"{HOST}:{seat.phone.local_port}", keys=keys,
                      fill=None if customer_id is not None else NO_CUSTOMER_ID,
                      extra=["-s", seat.settings.sip.username], timeout_s=20)


def decline(qtbot, seat: Seat, run: SippRun) -> None:
    """The agent declines the ringing call; sipp gets 486, ACKs and ends cleanly."""
    [line] = seat.calls.lines
    seat.calls.reject(line.call_id)
    qtbot.waitUntil(lambda: run.done and not seat.calls.lines, timeout=10000)
    assert run.returncode == 0, run.diagnostics()


def file_of(customer_id: str) -> Callable[[str], bool]:
    return lambda shown: shown == customer_id


# --- the tests -----------------------------------------------------------------------

def test_the_ivr_customer_id_pops_that_customer_over_the_callers_number(
        qtbot, sipp, server, demo_database, open_synced_desk):
    desk = open_synced_desk(server.url)
    panel = desk.screen.customer_panel
    customer_id, _, name = LI_LEI
    # The number belongs to two other customers; the id the IVR collected wins.
    with qtbot.waitSignal(panel.sig_file_shown, timeout=POP_TIMEOUT_MS,
                          check_params_cb=file_of(customer_id)):
        run = place_call(sipp, desk.seat, SHARED_NUMBER, customer_id)

    assert panel.isVisible() and not desk.screen.new_customer_form.isVisible()
    assert panel.name_label.text() == name
    assert panel.name_label.toolTip() == customer_id
    assert panel.badges_label.text().startswith(customer_id)
    assert not panel.offline_banner.isVisible()
    strip = [b.property("customerId") for b in panel.candidate_buttons]
    assert strip == [customer_id, "C-1101", "C-1102"]
    assert panel.candidate_buttons[0].isChecked()
    assert "Customer id from the IVR" in panel.candidate_buttons[0].text()
    decline(qtbot, desk.seat, run)

    # One access entry for that open, reason "pop", pushed to the server exactly once.
    def pops() -> list[dict]:
        return [e for e in server_access_entries(demo_database)
                if e["customer_id"] == customer_id and e["reason"] == "pop"]

    qtbot.waitUntil(lambda: len(pops()) >= 1, timeout=10000)
    qtbot.waitUntil(lambda: desk.seat.store.pending_count() == 0, timeout=10000)
    assert len(pops()) == 1


def test_a_shared_number_shows_both_candidates_with_reasons_and_one_click_switches(
        qtbot, sipp, server, demo_database, open_synced_desk):
    desk = open_synced_desk(server.url)
    panel = desk.screen.customer_panel
    with qtbot.waitSignal(panel.sig_file_shown, timeout=POP_TIMEOUT_MS,
                          check_params_cb=file_of("C-1101")):
        run = place_call(sipp, desk.seat, SHARED_NUMBER)

    # demo-agent owns an open callback with the father; the daughter called last.
    texts = [b.text() for b in panel.candidate_buttons]
    assert len(texts) == 2
    assert texts[0].startswith("1. 王建国\nSame number; your open callback"), texts
    assert texts[1].startswith("2. 王晓丽\nSame number; most recent contact"), texts
    assert panel.name_label.text() == "王建国"

    with qtbot.waitSignal(panel.sig_file_shown, timeout=POP_TIMEOUT_MS,
                          check_params_cb=file_of("C-1102")):
        qtbot.mouseClick(panel.candidate_buttons[1], Qt.MouseButton.LeftButton)
    assert panel.name_label.text() == "王晓丽"
    assert [b.isChecked() for b in panel.candidate_buttons] == [False, True]
    decline(qtbot, desk.seat, run)

    qtbot.waitUntil(lambda: {e["customer_id"] for e in server_access_entries(demo_database)
                             if e["reason"] == "pop"} >= {"C-1101", "C-1102"},
                    timeout=10000)


def test_an_unknown_number_opens_the_new_customer_form_with_that_number(
        qtbot, sipp, server, demo_database, open_synced_desk):
    desk = open_synced_desk(server.url)
    form = desk.screen.new_customer_form
    accesses_before = len(server_access_entries(demo_database))
    with qtbot.assertNotEmitted(desk.screen.customer_panel.sig_file_shown, wait=0):
        run = place_call(sipp, desk.seat, UNKNOWN_NUMBER)
        qtbot.waitUntil(lambda: form.isVisible(), timeout=POP_TIMEOUT_MS)
    assert form.phone_field.text() == "136 0013 6000"  # formatted for the CN seat
    assert not desk.screen.customer_panel.isVisible()
    decline(qtbot, desk.seat, run)
    # No file was opened, so no access was recorded: none waiting, none pushed (the
    # pop saves its entry before it answers, so one would be here by now).
    assert [i for i in desk.seat.store.pending_outbox(100)
            if i.kind.value == "access_entry"] == []
    assert len(server_access_entries(demo_database)) == accesses_before


def test_with_the_server_stopped_the_pop_comes_from_the_local_copy_and_says_so(
        qtbot, sipp, demo_database, tmp_path, open_synced_desk):
    own_server = ServerProcess(demo_database, tmp_path / "offline-server.log")
    own_server.start()
    try:
        desk = open_synced_desk(own_server.url)
    finally:
        own_server.stop()
    bridge = desk.seat.sync_bridge
    assert bridge is not None and bridge.status is not None
    copy_from = bridge.status.last_success
    assert copy_from is not None
    panel = desk.screen.customer_panel
    customer_id, number, name = LI_LEI

    with qtbot.waitSignal(panel.sig_file_shown, timeout=POP_TIMEOUT_MS,
                          check_params_cb=file_of(customer_id)):
        run = place_call(sipp, desk.seat, number, customer_id)

    assert panel.name_label.text() == name
    assert panel.offline_banner.isVisible()
    assert panel.offline_banner.text().startswith(
        f"Offline copy from {local_time_text(copy_from)}"), panel.offline_banner.text()
    assert panel.history_label.text() == "History is not available offline."
    decline(qtbot, desk.seat, run)
    # The open is on record locally, waiting in the outbox for the server.
    pending = [item.payload for item in desk.seat.store.pending_outbox(100)
               if item.kind.value == "access_entry"]
    assert [(p["customer_id"], p["reason"]) for p in pending] == [(customer_id, "pop")]
