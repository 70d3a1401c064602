"""The settings dialog: SIP account, phone options, audio devices, server.

It returns a new Settings (the app saves it) and never puts the SIP password in it:
the password goes to the SecretStore, or, where the machine has no keyring, to the
session-only setter the app passes in. Problems found by Settings.problems() are
shown next to their field and keep the dialog open.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.secrets import SecretKind, SecretStore, SecretStoreError
from agentdesk.core.settings import Settings
from agentdesk.ui.style import load_style_sheet

ListDevices = Callable[[], tuple[list[str], list[str]]]  # (inputs, outputs)
SessionPassword = Callable[[str], None]


def sip_secret_account(settings: Settings) -> str:
    """The keyring account of the SIP password (as `agentdesk credentials` uses it)."""
    return settings.sip.effective_auth_username


class SettingsDialog(QDialog):
    sig_settings_accepted = Signal(object)  # the new Settings, once the agent pressed OK

    def __init__(self, settings: Settings, store: SecretStore, list_devices: ListDevices,
                 session_password: SessionPassword, parent: QWidget | None = None,
                 secret_account: Callable[[Settings], str] = sip_secret_account) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        if parent is None:
            self.setStyleSheet(load_style_sheet())
        self._original = settings
        self._store = store
        self._session_password = session_password
        self._secret_account = secret_account
        self._result: Settings | None = None
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._tab_of: dict[str, int] = {}
        self._labels: dict[str, str] = {}
        self._current_tab = 0

        self.tabs = QTabWidget(self)
        inputs, outputs = self._devices(list_devices)
        self.tabs.addTab(self._account_tab(settings), self.tr("Account"))
        self.tabs.addTab(self._phone_tab(settings), self.tr("Phone"))
        self.tabs.addTab(self._audio_tab(settings, inputs, outputs), self.tr("Audio"))
        self.tabs.addTab(self._server_tab(settings), self.tr("Server"))
        self.general_error = QLabel(self)
        self.general_error.setObjectName("fieldError")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.resize(620, 520)

    # -- result ----------------------------------------------------------------------
    def result_settings(self) -> Settings | None:
        """The accepted settings, or None when the dialog was cancelled."""
        return self._result

    def settings_from_form(self) -> Settings:
        """The settings as the form shows them now (not validated)."""
        new = copy.deepcopy(self._original)  # keeps keys the dialog does not show
        sip, phone, audio = new.sip, new.phone, new.audio
        sip.registrar = self._text("sip.registrar")
        sip.username = self._text("sip.username")
        sip.auth_username = self._text("sip.auth_username")
        sip.domain = self._text("sip.domain")
        sip.display_name = self._text("sip.display_name")
        sip.transport = self._combo("sip.transport")
        sip.local_port = self._spin("sip.local_port").value()
        sip.srtp = self._combo("sip.srtp")
        auto = self.fields["phone.auto_answer_after_s"]
        assert isinstance(auto, QCheckBox)
        phone.auto_answer_after_s = self.auto_answer_delay.value() if auto.isChecked() else -1
        phone.default_region = self._text("phone.default_region").upper()
        phone.dial_prefix = self._text("phone.dial_prefix")
        phone.dtmf_method = self._combo("phone.dtmf_method")
        phone.busy_code = int(self._combo("phone.busy_code"))
        record = self.fields["phone.record_calls"]
        assert isinstance(record, QCheckBox)
        phone.record_calls = record.isChecked()
        audio.input_device = self._combo("audio.input_device")
        audio.output_device = self._combo("audio.output_device")
        audio.ringer_device = self._combo("audio.ringer_device")
        audio.ringtone = self._text("audio.ringtone")
        new.server.url = self._text("server.url")
        return new

    def accept(self) -> None:
        new = self.settings_from_form()
        if not self._show_problems(new.problems()):
            return
        if not self._save_password(new):
            return
        self._result = new
        self.sig_settings_accepted.emit(new)
        super().accept()

    # -- tabs ------------------------------------------------------------------------
    def _account_tab(self, settings: Settings) -> QWidget:
        page, form = self._page(0)
        sip = settings.sip
        self._row(form, "sip.registrar", self.tr("Registrar"),
                  self._line(sip.registrar, self.tr("pbx.example.com:5060 — empty: direct "
                                                    "calls only")))
        self._row(form, "sip.username", self.tr("Username"), self._line(sip.username))
        self._row(form, "sip.auth_username", self.tr("Authentication username"),
                  self._line(sip.auth_username, self.tr("Same as the username")))
        self._row(form, "sip.domain", self.tr("Domain"),
                  self._line(sip.domain, self.tr("The registrar's host")))
        self._row(form, "sip.display_name", self.tr("Display name"),
                  self._line(sip.display_name))
        transport = QComboBox()
        for value, text in (("udp", "UDP"), ("tcp", "TCP"), ("tls", "TLS")):
            transport.addItem(text, value)
        self._select(transport, sip.transport)
        self._row(form, "sip.transport", self.tr("Transport"), transport)
        srtp = QComboBox()
        srtp.addItem(self.tr("Off"), "off")
        srtp.addItem(self.tr("When the other side offers it"), "optional")
        srtp.addItem(self.tr("Always (refuse unencrypted calls)"), "mandatory")
        self._select(srtp, sip.srtp)
        self._row(form, "sip.srtp", self.tr("Secure media (SRTP)"), srtp)
        self.secure_notice = QLabel(self.tr(
            "Secure media encrypts the call audio; its keys travel inside the SIP "
            "messages (SDES), so choose TLS as the transport with it: over UDP or TCP "
            "anyone on the network path can read the keys. TLS and SRTP go together: "
            "TLS protects the signalling and the keys, SRTP the voice. This phone's TLS "
            "goes up to TLS 1.2."))
        self.secure_notice.setObjectName("secureMediaNotice")
        self.secure_notice.setWordWrap(True)
        form.addRow(self.secure_notice)
        port = QSpinBox()
        port.setRange(0, 65535)
        port.setSpecialValueText(self.tr("Any free port"))
        port.setValue(sip.local_port)
        self._row(form, "sip.local_port", self.tr("Local port"), port)

        self.password_field = QLineEdit()
        self.password_field.setObjectName("sipPassword")
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_field.setPlaceholderText(self._password_placeholder(settings))
        self._row(form, "password", self.tr("Password"), self.password_field)
        self.keyring_notice = QLabel()
        self.keyring_notice.setObjectName("keyringNotice")
        self.keyring_notice.setWordWrap(True)
        if self._store.available:
            self.keyring_notice.setText(self.tr(
                "The password is kept in the system keyring, never in the settings file."))
        else:
            self.keyring_notice.setText(self.tr(
                "No keyring is available on this computer: {problem}\nThe password will be "
                "kept for this session only; you will be asked for it again next time."
            ).format(problem=self._store.problem or self.tr("no keyring backend was found.")))
        form.addRow(self.keyring_notice)
        return page

    def _phone_tab(self, settings: Settings) -> QWidget:
        page, form = self._page(1)
        phone = settings.phone
        auto = QCheckBox(self.tr("Answer calls automatically after"))
        auto.setChecked(phone.auto_answer_after_s >= 0)
        self.auto_answer_delay = QSpinBox()
        self.auto_answer_delay.setObjectName("autoAnswerDelay")
        self.auto_answer_delay.setRange(0, 600)
        self.auto_answer_delay.setSuffix(self.tr(" s"))
        self.auto_answer_delay.setValue(max(0, phone.auto_answer_after_s))
        self.auto_answer_delay.setEnabled(auto.isChecked())
        auto.toggled.connect(self.auto_answer_delay.setEnabled)
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(auto)
        row_layout.addWidget(self.auto_answer_delay)
        row_layout.addStretch(1)
        self.fields["phone.auto_answer_after_s"] = auto
        self._row(form, "phone.auto_answer_after_s", self.tr("Auto-answer"), row,
                  register=False)
        region = self._line(phone.default_region, "CN")
        region.setMaxLength(2)
        self._row(form, "phone.default_region", self.tr("Default region"), region)
        self._row(form, "phone.dial_prefix", self.tr("Dial prefix"),
                  self._line(phone.dial_prefix, self.tr("e.g. 0 for an outside line")))
        dtmf = QComboBox()
        dtmf.addItem(self.tr("RFC 4733 (in the audio stream)"), "rfc4733")
        dtmf.addItem(self.tr("SIP INFO"), "sip_info")
        self._select(dtmf, phone.dtmf_method)
        self._row(form, "phone.dtmf_method", self.tr("Send digits as"), dtmf)
        busy = QComboBox()
        busy.addItem(self.tr("486 Busy Here"), "486")
        busy.addItem(self.tr("603 Decline"), "603")
        busy.addItem(self.tr("480 Temporarily Unavailable"), "480")
        self._select(busy, str(phone.busy_code))
        self._row(form, "phone.busy_code", self.tr("Reject answers with"), busy)
        record = QCheckBox(self.tr("Record every call"))
        record.setChecked(phone.record_calls)
        self._row(form, "phone.record_calls", self.tr("Recording"), record)
        return page

    def _audio_tab(self, settings: Settings, inputs: list[str], outputs: list[str]) -> QWidget:
        page, form = self._page(2)
        audio = settings.audio
        self._row(form, "audio.input_device", self.tr("Microphone"),
                  self._device_combo(inputs, audio.input_device, self.tr("System default")))
        self._row(form, "audio.output_device", self.tr("Speaker / headset"),
                  self._device_combo(outputs, audio.output_device, self.tr("System default")))
        self._row(form, "audio.ringer_device", self.tr("Ring on"),
                  self._device_combo(outputs, audio.ringer_device,
                                     self.tr("Same as speaker / headset")))
        ringtone = self._line(audio.ringtone, self.tr("Built-in tone"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self.on_browse_clicked)
        builtin = QPushButton(self.tr("Use built-in"))
        builtin.clicked.connect(ringtone.clear)
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(ringtone, 1)
        row_layout.addWidget(browse)
        row_layout.addWidget(builtin)
        self.fields["audio.ringtone"] = ringtone
        self._row(form, "audio.ringtone", self.tr("Ringtone"), row, register=False)
        return page

    def _server_tab(self, settings: Settings) -> QWidget:
        page, form = self._page(3)
        self._row(form, "server.url", self.tr("Server address"),
                  self._line(settings.server.url, "https://agentdesk.example.com"))
        return page

    # -- slots -----------------------------------------------------------------------
    def on_browse_clicked(self) -> None:
        field = self.fields["audio.ringtone"]
        assert isinstance(field, QLineEdit)
        start = str(Path(field.text()).parent) if field.text() else str(Path.home())
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("Choose a ringtone"), start,
                                                    self.tr("WAV audio (*.wav)"))
        if path:
            field.setText(path)

    # -- helpers ---------------------------------------------------------------------
    def _show_problems(self, problems: list[tuple[str, str]]) -> bool:
        for label in self.errors.values():
            label.clear()
            label.hide()
        general: list[str] = []
        for key, message in problems:
            error = self.errors.get(key)
            if error is None:  # a key the dialog does not show (edited by hand in the file)
                general.append(f"{key} {message}")
                continue
            error.setText(f"{self._labels[key]} {message}")
            error.show()
        self.general_error.setText("\n".join(general))
        self.general_error.setVisible(bool(general))
        first = next((key for key, _ in problems if key in self.errors), None)
        if first is not None:
            self.tabs.setCurrentIndex(self._tab_of[first])
            self.fields[first].setFocus()
        return not problems

    def _save_password(self, new: Settings) -> bool:
        password = self.password_field.text()
        if not password:
            return True  # empty: keep whatever is stored
        if not self._store.available:
            self._session_password(password)
            return True
        try:
            self._store.set(SecretKind.SIP, self._secret_account(new), password)
        except SecretStoreError as exc:
            label = self.errors["password"]
            label.setText(self.tr("The password was not saved: {reason}").format(reason=exc))
            label.show()
            self.tabs.setCurrentIndex(self._tab_of["password"])
            return False
        return True

    def _password_placeholder(self, settings: Settings) -> str:
        if not self._store.available:
            return self.tr("Kept for this session only")
        try:
            stored = self._store.get(SecretKind.SIP, self._secret_account(settings))
        except SecretStoreError:
            stored = None
        if stored:
            return self.tr("Saved in the keyring — type to replace")
        return self.tr("Not set")

    def _devices(self, list_devices: ListDevices) -> tuple[list[str], list[str]]:
        try:
            inputs, outputs = list_devices()
        except Exception:  # a broken audio stack must not keep the agent out of settings
            return [], []
        return list(inputs), list(outputs)

    def _device_combo(self, devices: list[str], current: str, default_text: str) -> QComboBox:
        combo = QComboBox()
        combo.addItem(default_text, "")
        for name in devices:
            combo.addItem(name, name)
        if current and current not in devices:  # unplugged now: keep the choice visible
            combo.addItem(self.tr("{device} (not connected)").format(device=current), current)
        self._select(combo, current)
        return combo

    def _page(self, index: int) -> tuple[QWidget, QFormLayout]:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._current_tab = index
        return page, form

    def _row(self, form: QFormLayout, key: str, label: str, widget: QWidget,
             register: bool = True) -> None:
        if register:
            self.fields[key] = widget
        widget.setObjectName(widget.objectName() or "field_" + key.replace(".", "_"))
        error = QLabel()
        error.setObjectName("fieldError")
        error.setWordWrap(True)
        error.hide()
        self.errors[key] = error
        self._tab_of[key] = self._current_tab
        self._labels[key] = label
        box = QWidget()
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.setSpacing(2)
        box_layout.addWidget(widget)
        box_layout.addWidget(error)
        form.addRow(label, box)
        label_widget = form.labelForField(box)
        if isinstance(label_widget, QLabel):
            label_widget.setBuddy(widget)  # Alt+letter and screen readers find the field

    @staticmethod
    def _line(text: str, placeholder: str = "") -> QLineEdit:
        field = QLineEdit(text)
        field.setPlaceholderText(placeholder)
        return field

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(0, index))

    def _text(self, key: str) -> str:
        field = self.fields[key]
        assert isinstance(field, QLineEdit)
        return field.text().strip()

    def _combo(self, key: str) -> str:
        field = self.fields[key]
        assert isinstance(field, QComboBox)
        return str(field.currentData())

    def _spin(self, key: str) -> QSpinBox:
        field = self.fields[key]
        assert isinstance(field, QSpinBox)
        return field
