"""The settings dialog: edits round-trip into Settings; the password never does."""

import dataclasses

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QLineEdit, QSpinBox

from agentdesk.core.secrets import SecretKind
from agentdesk.core.settings import Settings
from agentdesk.ui.settings_dialog import SettingsDialog
from tests.fakes.secrets import FakeSecretStore

INPUTS = ["Built-in Microphone", "Jabra Evolve2 40 Mono"]
OUTPUTS = ["Built-in Speakers", "Jabra Evolve2 40 Mono"]


@pytest.fixture
def store() -> FakeSecretStore:
    return FakeSecretStore()


@pytest.fixture
def session_passwords() -> list[str]:
    return []


@pytest.fixture
def make_dialog(qtbot, store, session_passwords):
    def make(settings: Settings | None = None, secret_store=None) -> SettingsDialog:
        dialog = SettingsDialog(settings or Settings(), secret_store or store,
                                lambda: (INPUTS, OUTPUTS), session_passwords.append)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog
    return make


def set_text(dialog: SettingsDialog, key: str, text: str) -> None:
    field = dialog.fields[key]
    assert isinstance(field, QLineEdit)
    field.setText(text)


def choose(dialog: SettingsDialog, key: str, data: str) -> None:
    combo = dialog.fields[key]
    assert isinstance(combo, QComboBox)
    index = combo.findData(data)
    assert index >= 0, (key, data)
    combo.setCurrentIndex(index)


def press_ok(qtbot, dialog: SettingsDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_edits_round_trip_into_new_settings(qtbot, make_dialog):
    original = Settings()
    original.sip.register_expires_s = 600  # not shown in the dialog: must survive
    original.logging.level = "DEBUG"
    dialog = make_dialog(original)
    set_text(dialog, "sip.registrar", "pbx.example.com:5060")
    set_text(dialog, "sip.username", "1001")
    set_text(dialog, "sip.auth_username", "agent-1001")
    set_text(dialog, "sip.domain", "example.com")
    set_text(dialog, "sip.display_name", "王芳")
    choose(dialog, "sip.transport", "tls")
    choose(dialog, "sip.srtp", "mandatory")
    port = dialog.fields["sip.local_port"]
    assert isinstance(port, QSpinBox)
    port.setValue(5071)
    auto = dialog.fields["phone.auto_answer_after_s"]
    assert isinstance(auto, QCheckBox)
    auto.setChecked(True)
    dialog.auto_answer_delay.setValue(3)
    set_text(dialog, "phone.default_region", "us")
    set_text(dialog, "phone.dial_prefix", "0")
    choose(dialog, "phone.dtmf_method", "sip_info")
    choose(dialog, "phone.busy_code", "603")
    record = dialog.fields["phone.record_calls"]
    assert isinstance(record, QCheckBox)
    record.setChecked(True)
    choose(dialog, "audio.input_device", "Jabra Evolve2 40 Mono")
    choose(dialog, "audio.output_device", "Jabra Evolve2 40 Mono")
    choose(dialog, "audio.ringer_device", "Built-in Speakers")
    set_text(dialog, "audio.ringtone", "/usr/share/sounds/ring.wav")
    set_text(dialog, "server.url", "https://agentdesk.example.com")
    with qtbot.waitSignal(dialog.sig_settings_accepted) as accepted:
        press_ok(qtbot, dialog)
    new = accepted.args[0]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert new is dialog.result_settings() and new is not original
    assert dataclasses.asdict(new.sip) == {
        "registrar": "pbx.example.com:5060", "username": "1001",
        "auth_username": "agent-1001", "domain": "example.com", "display_name": "王芳",
        "transport": "tls", "local_port": 5071, "bind_address": "",
        "register_expires_s": 600, "public_address": "", "session_timer": "optional",
        "reliable_provisional": "supported", "srtp": "mandatory"}
    assert (new.phone.auto_answer_after_s, new.phone.default_region, new.phone.dial_prefix,
            new.phone.dtmf_method, new.phone.busy_code, new.phone.record_calls) == \
        (3, "US", "0", "sip_info", 603, True)
    assert (new.audio.input_device, new.audio.output_device, new.audio.ringer_device,
            new.audio.ringtone) == ("Jabra Evolve2 40 Mono", "Jabra Evolve2 40 Mono",
                                    "Built-in Speakers", "/usr/share/sounds/ring.wav")
    assert new.server.url == "https://agentdesk.example.com"
    assert new.logging.level == "DEBUG"
    assert original.sip.username == ""  # the original is untouched


def test_unchanged_form_gives_equal_settings(qtbot, make_dialog):
    original = Settings()
    original.phone.auto_answer_after_s = 5
    original.audio.output_device = "Jabra Evolve2 40 Mono"
    dialog = make_dialog(original)
    press_ok(qtbot, dialog)
    assert dialog.result_settings() == original


def test_auto_answer_off_is_minus_one(qtbot, make_dialog):
    original = Settings()
    original.phone.auto_answer_after_s = 10
    dialog = make_dialog(original)
    assert dialog.auto_answer_delay.value() == 10
    auto = dialog.fields["phone.auto_answer_after_s"]
    assert isinstance(auto, QCheckBox)
    auto.setChecked(False)
    assert not dialog.auto_answer_delay.isEnabled()
    assert dialog.settings_from_form().phone.auto_answer_after_s == -1


def test_problems_are_shown_next_to_their_field(qtbot, make_dialog):
    dialog = make_dialog()
    set_text(dialog, "sip.registrar", "pbx.example.com")
    set_text(dialog, "phone.default_region", "C1")
    set_text(dialog, "server.url", "agentdesk.example.com")
    with qtbot.assertNotEmitted(dialog.sig_settings_accepted):
        press_ok(qtbot, dialog)
    assert dialog.isVisible() and dialog.result_settings() is None
    assert dialog.errors["sip.username"].text() == \
        "Username is required when a registrar is set"
    assert dialog.errors["sip.username"].isVisible()
    assert "two-letter region" in dialog.errors["phone.default_region"].text()
    assert "http://" in dialog.errors["server.url"].text()
    assert dialog.tabs.currentIndex() == 0  # the tab of the first problem
    set_text(dialog, "sip.username", "1001")
    set_text(dialog, "phone.default_region", "CN")
    set_text(dialog, "server.url", "http://agentdesk.example.com")
    press_ok(qtbot, dialog)
    assert dialog.result_settings() is not None
    assert not dialog.errors["sip.username"].isVisible()


def test_password_goes_to_the_secret_store_never_into_settings(qtbot, make_dialog, store,
                                                               session_passwords):
    dialog = make_dialog()
    assert "system keyring" in dialog.keyring_notice.text()
    set_text(dialog, "sip.username", "1001")
    set_text(dialog, "sip.auth_username", "agent-1001")
    dialog.password_field.setText("s3cret-pw")
    press_ok(qtbot, dialog)
    assert store.secrets == {(SecretKind.SIP, "agent-1001"): "s3cret-pw"}
    assert session_passwords == []
    assert "s3cret-pw" not in repr(dialog.result_settings().to_dict())


def test_an_empty_password_field_keeps_the_stored_one(qtbot, make_dialog, store):
    settings = Settings()
    settings.sip.username = "1001"
    store.secrets[(SecretKind.SIP, "1001")] = "old"
    dialog = make_dialog(settings)
    assert dialog.password_field.placeholderText() == "Saved in the keyring — type to replace"
    assert dialog.password_field.text() == ""  # never shown back
    press_ok(qtbot, dialog)
    assert store.secrets == {(SecretKind.SIP, "1001"): "old"}


def test_without_a_keyring_the_password_is_for_this_session_only(qtbot, make_dialog,
                                                                 session_passwords):
    no_keyring = FakeSecretStore(available=False,
                                 problem="No Secret Service is running on this computer.")
    dialog = make_dialog(secret_store=no_keyring)
    notice = dialog.keyring_notice.text()
    assert "No keyring is available on this computer" in notice
    assert "No Secret Service is running on this computer." in notice
    assert "this session only" in notice
    set_text(dialog, "sip.username", "1001")
    dialog.password_field.setText("s3cret-pw")
    press_ok(qtbot, dialog)
    assert session_passwords == ["s3cret-pw"]
    assert no_keyring.secrets == {}
    assert "s3cret-pw" not in repr(dialog.result_settings().to_dict())


def test_a_keyring_that_refuses_keeps_the_dialog_open(qtbot, make_dialog):
    locked = FakeSecretStore(refuse_with="The system keyring is locked; unlock it and try again.")
    dialog = make_dialog(secret_store=locked)
    set_text(dialog, "sip.username", "1001")
    dialog.password_field.setText("pw")
    press_ok(qtbot, dialog)
    assert dialog.isVisible() and dialog.result_settings() is None
    assert "locked" in dialog.errors["password"].text()


def test_device_lists_come_from_the_provider_and_keep_an_unplugged_choice(qtbot, make_dialog):
    settings = Settings()
    settings.audio.input_device = "USB Headset (gone)"
    dialog = make_dialog(settings)
    combo = dialog.fields["audio.input_device"]
    assert isinstance(combo, QComboBox)
    items = [combo.itemText(i) for i in range(combo.count())]
    assert items == ["System default", *INPUTS, "USB Headset (gone) (not connected)"]
    assert combo.currentData() == "USB Headset (gone)"
    ringer = dialog.fields["audio.ringer_device"]
    assert isinstance(ringer, QComboBox)
    assert ringer.itemText(0) == "Same as speaker / headset"


def test_a_broken_device_provider_still_opens_the_dialog(qtbot, store):
    def broken() -> tuple[list[str], list[str]]:
        raise RuntimeError("no audio backend")

    dialog = SettingsDialog(Settings(), store, broken, lambda _pw: None)
    qtbot.addWidget(dialog)
    combo = dialog.fields["audio.output_device"]
    assert isinstance(combo, QComboBox) and combo.count() == 1


def test_secure_media_is_explained_next_to_tls(make_dialog):
    dialog = make_dialog(Settings())
    srtp = dialog.fields["sip.srtp"]
    assert isinstance(srtp, QComboBox)
    assert [srtp.itemData(i) for i in range(srtp.count())] == ["off", "optional",
                                                                "mandatory"]
    notice = dialog.secure_notice.text()
    assert "TLS" in notice and "SRTP" in notice and "TLS 1.2" in notice
