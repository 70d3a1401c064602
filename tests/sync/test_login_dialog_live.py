"""The login dialog against the real server: a refused password opens it once, what
the agent types is kept (keyring or session) and the next sync logs in with it."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtNetwork import QNetworkInformation
from pytestqt.qtbot import QtBot

from agentdesk.core.secrets import SecretKind
from agentdesk.store import SqliteStore
from agentdesk.sync.service import Connectivity
from agentdesk.ui.login_dialog import ServerLoginDialog, ServerLoginFlow
from agentdesk.ui.network_watch import NetworkWatch
from agentdesk.ui.sync_status import SyncBridge, SyncStatusWidget
from tests.fakes.secrets import FakeSecretStore
from tests.sync.conftest import PASSWORD, LiveServer, save_call

# The offscreen platform cannot size a shown dialog's window; nothing to do with us.
pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints")


class SessionKeeper(FakeSecretStore):
    """FakeSecretStore plus the session-only memory of credentials.SessionSecretStore."""

    def __init__(self, available: bool) -> None:
        super().__init__()
        self._available = available
        self.session_only: dict[tuple[SecretKind, str], str] = {}

    @property
    def available(self) -> bool:
        return self._available

    def remember_for_session(self, kind: SecretKind, account: str, secret: str) -> None:
        self.session_only[(kind, account)] = secret

    def get(self, kind: SecretKind, account: str) -> str | None:
        return self.session_only.get((kind, account)) or super().get(kind, account)


def _run_flow(qtbot: QtBot, live_server: LiveServer, make_desk: Any, store: SqliteStore,
              keeper: SessionKeeper, remember: bool) -> tuple[Any, SyncStatusWidget]:
    desk = make_desk(live_server.url, password="not the password")
    bridge = SyncBridge(desk.service)
    widget = SyncStatusWidget(bridge)
    qtbot.addWidget(widget)
    flow = ServerLoginFlow(bridge, desk.session, keeper, live_server.url, parent_widget=widget)
    save_call(store)
    desk.service.start()
    qtbot.waitUntil(lambda: flow.dialog is not None and flow.dialog.isVisible(), timeout=20000)
    dialog = flow.dialog
    assert isinstance(dialog, ServerLoginDialog)
    assert "login refused" in dialog.reason_label.text()
    assert widget.login_button.isVisibleTo(widget)
    assert dialog.username_edit.text() == "agent-a"
    ok = dialog.buttons.buttons()[0]
    assert not ok.isEnabled()  # no password typed yet
    dialog.password_edit.setText(PASSWORD)
    dialog.remember_box.setChecked(remember)
    with qtbot.waitSignal(flow.sig_login_submitted):
        dialog.on_buttons_accepted()
    qtbot.waitUntil(lambda: bridge.status.connectivity is Connectivity.ONLINE
                    and bridge.status.pending == 0, timeout=20000)
    assert not widget.login_button.isVisibleTo(widget)
    return desk, widget


def test_a_refused_login_asks_once_and_the_keyring_keeps_the_new_password(
        qtbot: QtBot, agent: str, live_server: LiveServer, make_desk: Any,
        store: SqliteStore) -> None:
    keeper = SessionKeeper(available=True)
    _run_flow(qtbot, live_server, make_desk, store, keeper, remember=True)
    assert keeper.get(SecretKind.SERVER, agent) == PASSWORD
    assert not keeper.session_only


def test_without_a_keyring_the_password_lasts_the_session_only(
        qtbot: QtBot, agent: str, live_server: LiveServer, make_desk: Any,
        store: SqliteStore) -> None:
    keeper = SessionKeeper(available=False)
    _run_flow(qtbot, live_server, make_desk, store, keeper, remember=True)
    assert keeper.session_only == {(SecretKind.SERVER, agent): PASSWORD}
    assert FakeSecretStore.get(keeper, SecretKind.SERVER, agent) is None


def test_the_dialog_can_switch_to_another_agent(
        qtbot: QtBot, app: Any, engine: Any, agent: str, live_server: LiveServer,
        make_desk: Any) -> None:
    from agentdesk.server.users import add_user

    add_user(engine, app.state.server.hasher, "agent-b", "b's password", "agent", "team-1")
    desk = make_desk(live_server.url, password="not the password")
    bridge = SyncBridge(desk.service)
    keeper = SessionKeeper(available=True)
    flow = ServerLoginFlow(bridge, desk.session, keeper, live_server.url)
    desk.service.start()
    qtbot.waitUntil(lambda: flow.dialog is not None and flow.dialog.isVisible(), timeout=20000)
    assert flow.dialog is not None
    flow.dialog.username_edit.setText("agent-b")
    flow.dialog.password_edit.setText("b's password")
    flow.dialog.on_buttons_accepted()
    qtbot.waitUntil(lambda: bridge.status.connectivity is Connectivity.ONLINE, timeout=20000)
    assert desk.session.user is not None and desk.session.user.username == "agent-b"


def test_the_network_coming_back_is_announced_once(qtbot: QtBot) -> None:
    watch = NetworkWatch()
    reach = QNetworkInformation.Reachability
    watch.on_network_reachability_changed(reach.Disconnected)
    with qtbot.waitSignal(watch.sig_network_returned, timeout=1000):
        watch.on_network_reachability_changed(reach.Online)
    with qtbot.assertNotEmitted(watch.sig_network_returned):
        watch.on_network_reachability_changed(reach.Site)
