"""The server login dialog: shown when the server refuses the stored credentials, or
when a seat has none stored.

It collects a username and a password and says why it is shown; it does no I/O. The
composition root keeps the password (in the keyring when the agent ticks "remember",
otherwise in memory for this session) and asks the sync worker to log in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.secrets import SecretKind, SecretStoreError
from agentdesk.sync.service import Connectivity, SyncStatus
from agentdesk.ui.sync_status import SyncBridge

log = logging.getLogger(__name__)


class ServerLoginDialog(QDialog):
    sig_login_submitted = Signal(str, str, bool)  # username, password, remember

    def __init__(self, server_url: str, username: str, *, keyring_available: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serverLoginDialog")
        self.setWindowTitle(self.tr("Log in to the agentdesk server"))
        self.reason_label = QLabel(self)
        self.reason_label.setObjectName("loginReason")
        self.reason_label.setWordWrap(True)
        self.reason_label.hide()
        self.server_label = QLabel(server_url, self)
        self.username_edit = QLineEdit(username, self)
        self.username_edit.setObjectName("loginUsername")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("loginPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_box = QCheckBox(self.tr("Save the password in the system keyring"), self)
        self.remember_box.setObjectName("loginRemember")
        self.remember_box.setChecked(keyring_available)
        self.remember_box.setEnabled(keyring_available)
        if not keyring_available:
            self.remember_box.setToolTip(self.tr(
                "No system keyring is available: the password is kept for this session only."))
        form = QFormLayout()
        form.addRow(self.tr("Server"), self.server_label)
        form.addRow(self.tr("Username"), self.username_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Log in"))
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reason_label)
        layout.addLayout(form)
        layout.addWidget(self.remember_box)
        layout.addWidget(self.buttons)
        self.username_edit.textChanged.connect(self._update_ok)
        self.password_edit.textChanged.connect(self._update_ok)
        self._update_ok()
        (self.password_edit if username else self.username_edit).setFocus()

    def show_reason(self, reason: str) -> None:
        """Why the login is asked for (e.g. the server's refusal), above the form."""
        self.reason_label.setText(reason)
        self.reason_label.setVisible(bool(reason))

    @Slot()
    def _update_ok(self) -> None:
        ready = bool(self.username_edit.text().strip() and self.password_edit.text())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ready)

    @Slot()
    def on_buttons_accepted(self) -> None:
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not username or not password:
            return
        self.password_edit.clear()  # the dialog keeps no copy once it is handed over
        self.sig_login_submitted.emit(username, password,
                                      self.remember_box.isEnabled()
                                      and self.remember_box.isChecked())
        self.accept()


class PasswordKeeper(Protocol):
    """What the flow needs of credentials.SessionSecretStore."""

    @property
    def available(self) -> bool: ...

    def set(self, kind: SecretKind, account: str, secret: str) -> None: ...

    def remember_for_session(self, kind: SecretKind, account: str, secret: str) -> None: ...

    def get(self, kind: SecretKind, account: str) -> str | None: ...


class CredentialSink(Protocol):
    """What the flow needs of sync.session.ServerSession."""

    username: str

    def use_credentials(self, username: str, password: Callable[[], str | None]) -> None: ...


class ServerLoginFlow(QObject):
    """Opens the login dialog when sync reports that the server wants a login, once per
    refusal (never a dialog per retry), and hands what the agent typed to the session.

    The status bar's "Log in…" action opens it on demand, too."""

    sig_login_submitted = Signal(str)  # username

    def __init__(self, bridge: SyncBridge, session: CredentialSink, secrets: PasswordKeeper,
                 server_url: str, parent_widget: QWidget | None = None) -> None:
        super().__init__(parent_widget)
        self._bridge = bridge
        self._session = session
        self._secrets = secrets
        self._server_url = server_url
        self._parent_widget = parent_widget
        self.dialog: ServerLoginDialog | None = None
        self._was_required = False
        bridge.sig_status_changed.connect(self.on_bridge_status_changed)

    @Slot(object)
    def on_bridge_status_changed(self, status: SyncStatus) -> None:
        required = status.connectivity is Connectivity.LOGIN_REQUIRED
        if required and not self._was_required:
            self.open_dialog(status.last_error)
        self._was_required = required

    @Slot()
    def open_dialog(self, reason: str = "") -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.show_reason(reason)
            self.dialog.raise_()
            return
        dialog = ServerLoginDialog(self._server_url, self._session.username,
                                   keyring_available=self._secrets.available,
                                   parent=self._parent_widget)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show_reason(reason)
        dialog.sig_login_submitted.connect(self.on_dialog_login_submitted)
        dialog.destroyed.connect(self._forget_dialog)
        self.dialog = dialog
        dialog.open()

    @Slot()
    def _forget_dialog(self) -> None:
        self.dialog = None

    @Slot(str, str, bool)
    def on_dialog_login_submitted(self, username: str, password: str, remember: bool) -> None:
        try:
            if remember:
                self._secrets.set(SecretKind.SERVER, username, password)
            else:
                self._secrets.remember_for_session(SecretKind.SERVER, username, password)
        except SecretStoreError as exc:
            log.warning("server password kept for this session only: %s", exc)
            self._secrets.remember_for_session(SecretKind.SERVER, username, password)
        secrets = self._secrets
        self._session.use_credentials(username,
                                      lambda: secrets.get(SecretKind.SERVER, username))
        self._was_required = False  # a new refusal opens the dialog again
        self.sig_login_submitted.emit(username)
        self._bridge.sync_now()
