"""The composition root: the one place that knows every piece and wires them.

    settings + secrets -> PjsuaSoftphone (+ AudioBridge <-> QtCallAudio)
                       -> CallService (core policies) -> PhoneBridge (Qt signals)
                       -> MainWindow

pjsua2 runs with no threads of its own; a timer on the GUI thread pumps it, so every
SIP callback (and so every event) arrives on the GUI thread. SIGTERM and SIGINT end
the Qt event loop; shutdown then hangs up, un-REGISTERs and releases pjsua2 before
the process exits with 0.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from agentdesk import __version__
from agentdesk.core.agent_state import AgentStateMachine
from agentdesk.core.call_history import CallHistory
from agentdesk.core.call_service import CallService
from agentdesk.core.call_workflow import CallWorkflow
from agentdesk.core.customer_directory import CustomerDirectory
from agentdesk.core.phone_events import CallDirection, CallState
from agentdesk.core.records import AgentStateChange, Callback, StoreError, WrapUp
from agentdesk.core.secrets import SecretKind, SecretStoreError
from agentdesk.core.settings import Settings
from agentdesk.credentials import KeyringSecretStore, SessionSecretStore
from agentdesk.demo import (
    DEMO_CALLERS,
    DEMO_CAMPAIGN,
    DEMO_LEAD_NUMBER,
    SimulatedCaller,
    agent_uri,
)
from agentdesk.desk_controller import DeskController
from agentdesk.desk_reference import DeskReference
from agentdesk.desk_screen import CallScreen
from agentdesk.logging_setup import configure_logging
from agentdesk.paths import SeatPaths
from agentdesk.settings_file import save_settings
from agentdesk.sip.audio_bridge import AudioBridge
from agentdesk.sip.endpoint import EndpointError
from agentdesk.sip.pjsua_phone import PjsuaSoftphone
from agentdesk.sip.qt_audio import QtCallAudio, list_audio_devices
from agentdesk.sip.ringback import LocalRingback
from agentdesk.store import open_store_on_first_use
from agentdesk.ui import fast_start
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.errors import install_exception_hook
from agentdesk.ui.i18n import install_translation
from agentdesk.ui.main_window import MainWindow
from agentdesk.ui.qt_scheduler import QtScheduler
from agentdesk.ui.settings_dialog import SettingsDialog, sip_secret_account

if TYPE_CHECKING:
    # Imported where used: a seat with no server never loads sync (httpx, pydantic),
    # the login dialog or network watching.
    from agentdesk.sync.customer_directory import ServerCustomerDirectory
    from agentdesk.sync.seat import SeatSync
    from agentdesk.sync.service import SyncStatus
    from agentdesk.ui.sync_status import SyncBridge, SyncStatusWidget

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)

PUMP_INTERVAL_MS = 10  # pjsua2 event pump: bounds SIP latency, costs well under 1 % CPU
AUDIO_CLOCK_RATE = 16000


class Seat(QObject):
    """One agent seat: phone, audio, call policies and the Qt bridge, started and
    stopped together."""

    def __init__(self, paths: SeatPaths, settings: Settings, secrets: SessionSecretStore,
                 settings_path: Path | None, parent: QObject | None = None,
                 server_password: Callable[[], str | None] | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.settings = settings
        self.secrets = secrets
        self.settings_path = settings_path  # None: settings changes last this session only
        self.audio_bridge = AudioBridge(clock_rate=AUDIO_CLOCK_RATE)
        self.call_audio = QtCallAudio(settings.audio, clock_rate=AUDIO_CLOCK_RATE, parent=self)
        self.call_audio.attach(self.audio_bridge)
        self.ringback = LocalRingback(self.call_audio.speaker_buffer,
                                      settings.phone.default_region, AUDIO_CLOCK_RATE, parent=self)
        self.phone = PjsuaSoftphone(settings.sip, settings.phone, self._sip_password,
                                    self.audio_bridge, user_agent=f"agentdesk/{__version__}")
        self.scheduler = QtScheduler(self)
        recordings = Path(settings.phone.recordings_dir) if settings.phone.recordings_dir \
            else paths.recordings_dir
        self.calls = CallService(self.phone, settings.phone, self.scheduler.schedule,
                                 recordings_dir=recordings)
        self.bridge = PhoneBridge(self.calls, self)
        # Everything recorded goes to the local store first (with its outbox row);
        # sync pushes it when the server is reachable. No server configured: the
        # records wait in the outbox until one is.
        # Checked (and migrated) now; SQLAlchemy loads with the first store job, on the
        # writer thread once the phone has started (see agentdesk.store).
        self.store = open_store_on_first_use(paths.data_dir)
        self.sync: SeatSync | None = None
        self.sync_bridge: SyncBridge | None = None
        self.asks_for_server_login = server_password is None
        if settings.server.username:
            from agentdesk.sync.seat import create_seat_sync
            from agentdesk.ui.sync_status import SyncBridge

            self.sync = create_seat_sync(settings.server.url, settings.server.username,
                                         secrets, self.store, paths.data_dir,
                                         password=server_password)
            self.sync_bridge = SyncBridge(self.sync.service, parent=self)
        # One writer thread keeps records in call order and the GUI off the disk.
        self._store_writer = ThreadPoolExecutor(max_workers=1,
                                                thread_name_prefix="store-writer")
        self.reference = DeskReference(self.store, self._store_writer.submit, parent=self)
        if self.sync_bridge is not None:
            self.sync_bridge.sig_status_changed.connect(self.on_sync_status_changed)
        self._last_sync: object = None
        # The workflow hears each hang-up before CallHistory builds the record, so the
        # record (and its id) arrives while the agent is already in after-call work.
        self.agent = AgentStateMachine(_utcnow, ready_on_login=settings.agent.ready_on_login)
        self.workflow = CallWorkflow(
            self.calls, self.agent, clock=_utcnow, schedule=self.scheduler.schedule,
            record_state=self._record_state_change, record_wrapup=self._record_wrapup,
            acw_policy_for=self.reference.acw_policy_for,
            not_ready_calls=settings.agent.not_ready_calls, queue=settings.agent.queue or None)
        self.bridge.attach_workflow(self.workflow)
        self.history = CallHistory(self.store, on_saved=self.on_history_record_saved,
                                   run=self._store_writer.submit,
                                   call_context=self.workflow.call_context,
                                   on_recorded=self.workflow.on_call_recorded)
        self.calls.subscribe(self.history.on_phone_event)
        self.call_audio.sig_device_changed.connect(self.bridge.on_call_service_event)
        self.bridge.sig_lines_changed.connect(self.on_bridge_lines_changed)
        self._pump = QTimer(self)
        self._pump.setInterval(PUMP_INTERVAL_MS)
        self._pump.timeout.connect(self.on_pump_timeout)
        self._stopped = False

    def _sip_password(self) -> str | None:
        account = sip_secret_account(self.settings)
        try:
            return self.secrets.get(SecretKind.SIP, account)
        except SecretStoreError as exc:
            log.warning("could not read the SIP password: %s", exc)
            return None

    def on_sync_status_changed(self, status: SyncStatus) -> None:
        # A completed sync may have pulled new code sets, reasons or scripts.
        if self._stopped:  # a status queued before shutdown: the writer is gone
            return
        if status.last_success is not None and status.last_success != self._last_sync:
            self._last_sync = status.last_success
            self.reference.refresh()

    def _record_state_change(self, change: AgentStateChange) -> None:
        self._write(lambda: self.store.save_agent_state_change(change))

    def _record_wrapup(self, wrapup: WrapUp, callback: Callback | None) -> None:
        def write() -> None:
            self.store.save_wrapup(wrapup)  # durable (fsync) with its outbox row
            if callback is not None:
                self.store.save_callback(callback)
        self._write(write)

    def customer_directory(self) -> ServerCustomerDirectory | None:
        """The screen pop's directory: the server, with the local copy when it is down."""
        if self.sync is None:
            return None
        from agentdesk.sync.customer_directory import CustomerApiClient, ServerCustomerDirectory

        sync = self.sync
        bridge = self.sync_bridge

        def copy_time() -> datetime | None:
            status = bridge.status if bridge is not None else None
            if status is None:
                return None
            return status.last_success or status.cached_from

        return ServerCustomerDirectory(
            CustomerApiClient(self.settings.server.url), sync.session, self.store,
            copy_time=copy_time, on_access_saved=sync.service.notify_saved,
            agent=self.settings.server.username)

    def run_in_writer(self, job: Callable[[], None]) -> object:
        """Run store work on the writer thread (in order with the records); after
        shutdown there is no writer and the job is dropped (None)."""
        if self._stopped:
            log.debug("store job dropped: the seat has stopped")
            return None
        return self._store_writer.submit(job)

    def _write(self, job: Callable[[], None]) -> None:
        """Run a store write on the writer thread; the sync worker hears of it."""
        def run() -> None:
            try:
                job()
            except StoreError:
                log.exception("could not save to the local store")
                return
            self.on_history_record_saved()
        self._store_writer.submit(run)

    def on_history_record_saved(self) -> None:
        # On the store writer thread: notify_saved only signals the sync worker.
        if self.sync is not None:
            self.sync.service.notify_saved()

    def start(self) -> None:
        self.paths.data_dir.mkdir(parents=True, exist_ok=True)
        self.phone.start()
        self.reference.refresh()  # what the last run cached, until sync brings news
        self.workflow.login()
        if self.sync is not None:
            self.sync.start()  # logs in and syncs on its worker thread; never blocks
        self._pump.start()
        log.info("softphone ready on %s:%d (%s)", self.phone.local_address or "*",
                 self.phone.local_port, self.settings.sip.transport)

    def account_label(self) -> str:
        """How the agent's line is addressed: via the registrar, or directly."""
        sip = self.settings.sip
        if sip.registrar:
            return f"{sip.username}@{sip.effective_domain}"
        return f"{sip.username}@{self.phone.local_address}:{self.phone.local_port}"

    def shutdown(self) -> None:
        if self._stopped:
            return
        if self.phone.busy:
            # Called from inside a phone operation, even from inside one of pjsua's
            # callbacks: the SIGTERM handler runs between any two bytecodes and Qt 6's
            # quit() emits aboutToQuit at once. The phone shuts down when that
            # operation returns; _run_seat calls this again after the event loop.
            # Nothing else here (no logging: a log write may be what was interrupted).
            self.phone.shutdown()
            return
        self._stopped = True
        self._pump.stop()
        self.ringback.stop()
        self.call_audio.stop()  # the headset goes quiet first
        self.phone.shutdown()  # hang up, un-REGISTER, bridge port out, libDestroy
        self.workflow.logout()  # the last agent-state interval is closed and saved
        self._store_writer.shutdown(wait=True)  # the last call records are written
        if self.sync is not None:  # after the last call record, before the store closes
            self.sync.close()
        self.store.close()
        self.scheduler.cancel_all()  # last: ending calls schedule work of their own
        log.info("softphone stopped")

    def on_pump_timeout(self) -> None:
        try:
            self.phone.poll(0)
        except Exception:  # one bad event must not stop the phone
            log.exception("SIP event pump failed")

    def on_bridge_lines_changed(self) -> None:
        # The headset is opened only while there is something to hear: a live call,
        # early media (183), or our own ringback for a plain 180. No open device (and
        # no battery drain on wireless headsets) between calls.
        lines = self.calls.lines
        talking = any(line.state is CallState.CONNECTED and not line.on_hold
                      for line in lines)
        early = [line for line in lines
                 if line.direction is CallDirection.OUTBOUND and line.state is CallState.EARLY]
        early_media = any(line.last_code == 183 for line in early)
        ring_back = bool(early) and not early_media and not talking
        if talking or early:
            self.call_audio.start()
        if ring_back:
            self.ringback.start()
        else:
            self.ringback.stop()
        if not (talking or early):
            self.call_audio.stop()

    def apply_settings(self, new: Settings) -> bool:
        """Apply what can change live; True when the SIP account needs a restart."""
        sip_changed = new.sip != self.settings.sip
        # The phone and the call service hold this PhoneSettings object: update it in
        # place so both see the new values (DTMF method, auto-answer, ...) at once.
        self.settings.phone.__dict__.update(vars(new.phone))
        self.settings.audio = new.audio
        self.settings.server = new.server
        self.settings.agent = new.agent
        self.settings.logging = new.logging
        self.calls.update_settings(self.settings.phone)
        self.call_audio.apply_settings(new.audio)
        self.ringback.set_region(new.phone.default_region)
        if self.settings_path is not None:
            saved = Settings(sip=new.sip, phone=new.phone, audio=new.audio, server=new.server,
                             agent=new.agent, logging=new.logging)
            save_settings(saved, self.settings_path)
        return sip_changed


class DemoController:
    """What the window's Demo menu drives: the simulated caller calls this seat."""

    def __init__(self, caller: SimulatedCaller, seat: Seat) -> None:
        self._caller = caller
        self._seat = seat
        self._next = 0

    def simulate_inbound_call(self) -> None:
        caller = DEMO_CALLERS[self._next % len(DEMO_CALLERS)]
        self._next += 1
        self._caller.call(agent_uri(self._seat.phone.local_port,
                                    self._seat.settings.sip.username), caller)

    def call_campaign_lead(self) -> None:
        self._seat.calls.dial(DEMO_LEAD_NUMBER)

    @staticmethod
    def campaign_of(number: str) -> str | None:
        digits = "".join(ch for ch in number if ch.isdigit())
        return DEMO_CAMPAIGN if digits.endswith(DEMO_LEAD_NUMBER.lstrip("+")[-11:]) else None


def _application(argv0: str) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication([argv0])
    app.setApplicationName("agentdesk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("agentdesk")
    app.setQuitOnLastWindowClosed(True)
    return app


def _ask_session_password(store: SessionSecretStore, account: str) -> None:
    """No stored SIP password: ask once; keep it for this session only when the
    machine has no keyring (and say so), otherwise store it in the keyring."""
    if not store.available:
        text = QCoreApplication.translate(
            "Seat", "No system keyring is available, so the SIP password cannot be saved:\n"
            "{problem}\n\nEnter it for this session only (it is never written to disk)."
        ).format(problem=store.problem)
    else:
        text = QCoreApplication.translate(
            "Seat", "Enter the SIP password for {account}. It is saved in the system keyring."
        ).format(account=account)
    title = QCoreApplication.translate("Seat", "SIP password")
    password, ok = QInputDialog.getText(None, title, text, QLineEdit.EchoMode.Password)
    if not ok or not password:
        return
    try:
        store.set(SecretKind.SIP, account, password)
    except SecretStoreError as exc:
        store.remember_for_session(SecretKind.SIP, account, password)
        log.warning("SIP password kept for this session only: %s", exc)


def _install_signal_handlers(app: QApplication) -> None:
    # Python runs signal handlers between any two bytecodes of the main thread, also
    # inside a pjsua2 callback or a log write. So the handler only schedules the quit;
    # the event loop runs it outside pjsua (a quit asked before exec() still happens).
    # The pump timer runs Python every few ms, so the handler runs promptly.
    def quit_soon(signum: int, _frame: object) -> None:
        QTimer.singleShot(0, lambda: _quit_on_signal(app, signum))

    signal.signal(signal.SIGTERM, quit_soon)
    signal.signal(signal.SIGINT, quit_soon)


def _quit_on_signal(app: QApplication, signum: int) -> None:
    log.info("signal %d: shutting down", signum)
    app.quit()


def _open_settings(seat: Seat, window: MainWindow) -> None:
    # Without a keyring the dialog hands over the password alone; it belongs to the
    # account of the settings being accepted (the agent may have changed the user).
    session_password: list[str] = []
    dialog = SettingsDialog(seat.settings, seat.secrets, _device_lists,
                            session_password.append, parent=window)

    def on_accepted(new: Settings) -> None:
        if session_password:
            seat.secrets.remember_for_session(SecretKind.SIP, sip_secret_account(new),
                                              session_password.pop())
        try:
            restart = seat.apply_settings(new)
        except OSError as exc:
            message = QCoreApplication.translate("Seat", "Settings could not be saved: {error}")
            window.statusBar().showMessage(message.format(error=exc.strerror))
            return
        window.apply_settings(seat.settings, account=seat.account_label())
        if restart:
            window.statusBar().showMessage(QCoreApplication.translate(
                "Seat",
                "Saved. The new SIP account is used when agentdesk next starts."))
        elif seat.settings_path is None:
            window.statusBar().showMessage(QCoreApplication.translate(
                "Seat",
                "Demo mode: settings apply to this session only."))

    dialog.sig_settings_accepted.connect(on_accepted)
    dialog.open()


def _stacked(fixed: QWidget, *stretching: QWidget) -> QWidget:
    """One pane: `fixed` on top at its own height (the search box), the others sharing
    the rest (the customer file and the new-customer form: one shows at a time)."""
    pane = QWidget()
    layout = QVBoxLayout(pane)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(fixed, 0)
    for widget in stretching:
        layout.addWidget(widget, 1)
    return pane


def _device_lists() -> tuple[list[str], list[str]]:
    lists = list_audio_devices()
    return list(lists.inputs), list(lists.outputs)


@dataclass
class DeskWindow:
    """The seat's window and the two controllers behind its panes."""

    window: MainWindow
    desk: DeskController
    screen: CallScreen
    sync_widget: SyncStatusWidget | None


def build_desk_window(seat: Seat, demo: DemoController | None = None, language: str = "en",
                      *, directory: CustomerDirectory | None = None,
                      tray_available: bool | None = None) -> DeskWindow:
    """Everything the agent sees, wired to the seat: one builder for the app, the
    end-to-end tests and the benchmarks, so they cannot drift apart. `directory`
    replaces the seat's own customer directory (benchmarks)."""
    window = MainWindow(seat.calls, seat.bridge, seat.settings,
                        quality_provider=seat.phone.quality, demo=demo,
                        tray_available=tray_available)
    desk = DeskController(window, seat.bridge, seat.workflow, seat.store, seat.reference,
                          seat.run_in_writer, language=language,
                          region=seat.settings.phone.default_region,
                          on_saved=seat.on_history_record_saved)  # callback updates sync
    seat.workflow.read_draft_note_with(desk.draft_note)
    screen = CallScreen(seat.bridge, seat.workflow, desk, seat.reference,
                        directory if directory is not None else seat.customer_directory(),
                        region=seat.settings.phone.default_region,
                        agent_username=seat.settings.server.username or seat.settings.sip.username,
                        agent_name=seat.settings.sip.display_name,
                        campaign_of=demo.campaign_of if demo is not None else lambda _n: None,
                        language=language, store=seat.store, run_in_writer=seat.run_in_writer,
                        on_record_saved=seat.on_history_record_saved, parent=window)
    screen.sig_problem_reported.connect(
        lambda message: window.statusBar().showMessage(message, 10_000))
    screen.install_search_shortcut(window)
    # Alt+digits: the wrap-up's code hotkeys while typing in it, objections elsewhere
    screen.script_panel.objection_bar.yield_hotkeys_to(desk.wrapup_form)
    window.set_workspace(
        customer=_stacked(screen.search, screen.customer_panel, screen.new_customer_form),
        script=screen.script_panel,
        wrapup=desk.wrapup_form, agent_state=desk.agent_state,
        side=((desk.dashboard, QCoreApplication.translate("Seat", "My figures")),
              (desk.recent_calls, QCoreApplication.translate("Seat", "Recent calls")),
              (desk.callbacks, QCoreApplication.translate("Seat", "My callbacks"))))

    def on_callback_activated(callback: Callback) -> None:
        """A promise opened from My callbacks: the customer's file, or for a caller with
        no file yet the number, ready to dial."""
        if callback.customer_id:
            screen.on_search_customer_chosen(callback.customer_id)
        elif callback.callback_number:
            window.call_bar.number_field.setText(callback.callback_number)
            window.call_bar.focus_number_field()

    desk.callbacks.sig_callback_activated.connect(on_callback_activated)
    sync_widget = None
    if seat.sync_bridge is not None:
        from agentdesk.ui.sync_status import SyncStatusWidget

        sync_widget = SyncStatusWidget(seat.sync_bridge)
        window.statusBar().addPermanentWidget(sync_widget)
    return DeskWindow(window, desk, screen, sync_widget)


def _run_seat(app: QApplication, seat: Seat, demo: DemoController | None,
              language: str = "en") -> int:
    built = build_desk_window(seat, demo, language)
    window, desk, screen, sync_widget = (built.window, built.desk, built.screen,
                                         built.sync_widget)
    window.sig_settings_requested.connect(lambda: _open_settings(seat, window))
    if seat.sync_bridge is not None and seat.sync is not None and sync_widget is not None:
        from agentdesk.ui.login_dialog import ServerLoginFlow
        from agentdesk.ui.network_watch import NetworkWatch

        # A demo seat's password is made for the run: there is nothing to ask for.
        if seat.asks_for_server_login:
            login = ServerLoginFlow(seat.sync_bridge, seat.sync.session, seat.secrets,
                                    seat.settings.server.url, parent_widget=window)
            sync_widget.sig_login_requested.connect(login.open_dialog)
        network = NetworkWatch(window)
        network.sig_network_returned.connect(seat.sync_bridge.sync_now)
    app.aboutToQuit.connect(desk.stop)  # before the seat stops the store writer
    app.aboutToQuit.connect(seat.shutdown)
    uninstall_hook = install_exception_hook()
    _install_signal_handlers(app)
    try:
        try:
            seat.start()
        except EndpointError as exc:
            log.error("softphone could not start: %s", exc)
            title = QCoreApplication.translate("Seat", "The phone could not start")
            QMessageBox.critical(None, title, str(exc))
            return 1
        window.apply_settings(seat.settings, account=seat.account_label())
        app.aboutToQuit.connect(screen.close)
        desk.start()
        window.show()
        QTimer.singleShot(0, fast_start.end)  # the start is over once the loop runs
        return app.exec()
    finally:
        seat.shutdown()
        uninstall_hook()


def run_desktop(paths: SeatPaths, settings: Settings, args: argparse.Namespace) -> int:
    configure_logging(args.log_level or settings.logging.level, paths.log_dir)
    log.info("agentdesk %s starting (config %s, data %s)", __version__, paths.config_file,
             paths.data_dir)
    app = _application(sys.argv[0])
    language = install_translation(args.lang).language
    # The keyring is found on a worker thread (cli started it): asked only once the
    # seat is built, so the two overlap.
    secrets = SessionSecretStore(KeyringSecretStore())
    seat = _build_seat(paths, settings, secrets, settings_path=paths.config_file)
    if seat is None:
        return 1
    if not secrets.available:
        log.warning("no system keyring: %s", secrets.problem)
    account = sip_secret_account(settings)
    if settings.sip.registrar and seat._sip_password() is None:
        _ask_session_password(secrets, account)
    return _run_seat(app, seat, demo=None, language=language)


def _build_seat(paths: SeatPaths, settings: Settings, secrets: SessionSecretStore,
                settings_path: Path | None,
                server_password: Callable[[], str | None] | None = None) -> Seat | None:
    """The seat, or None after telling the agent why it cannot open (e.g. the local
    database belongs to a newer agentdesk: it is refused, never modified)."""
    try:
        return Seat(paths, settings, secrets, settings_path, server_password=server_password)
    except StoreError as exc:
        log.error("local database refused: %s", exc)
        title = QCoreApplication.translate("Seat", "agentdesk cannot open its local data")
        QMessageBox.critical(None, title, str(exc))
        return None


def demo_settings(caller_port: int | None) -> Settings:
    """Embedded defaults: direct calls on loopback; every number dialed reaches the
    simulated customer when one runs on `caller_port`."""
    settings = Settings()
    settings.sip.username = "agent"
    settings.sip.display_name = "Demo Agent"
    settings.sip.local_port = 0
    settings.sip.bind_address = "127.0.0.1"
    settings.agent.ready_on_login = True  # the first simulated call rings at once
    settings.agent.queue = "service"
    if caller_port is not None:
        settings.sip.domain = f"127.0.0.1:{caller_port}"
    return settings


def run_demo(paths: SeatPaths, args: argparse.Namespace) -> int:
    """The desktop on embedded defaults plus a simulated caller on 127.0.0.1.

    Its data goes to a `demo` folder beside a real seat's (or to --data-dir), its
    settings are not saved, and it never reads or writes the user's keyring.
    """
    if args.data_dir is None:
        paths = SeatPaths(paths.config_file, paths.data_dir / "demo")
    configure_logging(args.log_level or "INFO", paths.log_dir)
    app = _application(sys.argv[0])
    language = install_translation(args.lang).language
    from agentdesk.demo_server import DemoServer, DemoServerError

    # The embedded server first (SQLite on 127.0.0.1, a demo agent with a password made
    # for this run and held in memory only), then the simulated caller.
    server: DemoServer | None = DemoServer(paths.data_dir)
    try:
        server.start()
    except DemoServerError as exc:
        log.error("%s; the demo runs without a server", exc)
        server = None
    caller: SimulatedCaller | None = None
    if not args.no_simulated_caller:
        caller = SimulatedCaller()
        caller.start()
        if _wait_until_ready(caller) is None:
            log.error("the simulated caller did not start; demo runs without it")
            caller.stop()
            caller = None
    settings = demo_settings(caller.port if caller is not None else None)
    password = None
    if server is not None:
        settings.server.url = server.url
        settings.server.username = server.agent_username
        agent_password = server.agent_password
        password = lambda: agent_password  # noqa: E731 - never leaves this process
    seat = _build_seat(paths, settings, SessionSecretStore(None), settings_path=None,
                       server_password=password)
    if seat is None:
        for helper in (caller, server):
            if helper is not None:
                helper.stop()
        return 1
    demo = DemoController(caller, seat) if caller is not None else None
    try:
        return _run_seat(app, seat, demo, language=language)
    finally:
        # The seat has shut down (its last records pushed if it could); then the peers.
        if caller is not None:
            caller.stop()
        if server is not None:
            server.stop()


def _wait_until_ready(caller: SimulatedCaller, timeout_ms: int = 20000) -> int | None:
    """Block startup (before any window exists) until the caller reports its port."""
    loop = QEventLoop()
    caller.sig_ready.connect(loop.quit)
    caller.sig_failed.connect(loop.quit)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(timeout_ms)
    if caller.port is None:
        loop.exec()
    timer.stop()
    return caller.port
