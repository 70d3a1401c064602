"""The composition root's own decisions: secrets at start, settings applied live."""

import pytest
from PySide6.QtWidgets import QInputDialog

from agentdesk import app
from agentdesk.core.secrets import SecretKind
from agentdesk.core.settings import Settings, load_settings
from agentdesk.credentials import SessionSecretStore
from agentdesk.paths import SeatPaths
from tests.fakes.secrets import FakeSecretStore

pytestmark = pytest.mark.qt_log_ignore(
    r"^PulseAudioService: pa_context_connect",
    r"^PipeWire audio backend requested")


class NoKeyring:
    available = False
    problem = "No system keyring is available on this computer."

    def get(self, kind, account):
        return None


def answer_dialog(monkeypatch, text, ok=True):
    asked = []

    def get_text(parent, title, label, echo):
        asked.append(label)
        return text, ok

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    return asked


def test_without_keyring_the_password_is_kept_for_this_session_only(qapp, monkeypatch,
                                                                    tmp_path):
    store = SessionSecretStore(NoKeyring())
    asked = answer_dialog(monkeypatch, "pa55")
    app._ask_session_password(store, "1001")
    assert "No system keyring" in asked[0] and "this session only" in asked[0]
    assert store.get(SecretKind.SIP, "1001") == "pa55"
    assert SessionSecretStore(NoKeyring()).get(SecretKind.SIP, "1001") is None
    assert list(tmp_path.iterdir()) == []


def test_with_keyring_the_password_goes_to_the_keyring(qapp, monkeypatch):
    keyring = FakeSecretStore()
    store = SessionSecretStore(keyring)
    answer_dialog(monkeypatch, "pa55")
    app._ask_session_password(store, "1001")
    assert keyring.get(SecretKind.SIP, "1001") == "pa55"


def test_cancelled_prompt_stores_nothing(qapp, monkeypatch):
    store = SessionSecretStore(NoKeyring())
    answer_dialog(monkeypatch, "typed", ok=False)
    app._ask_session_password(store, "1001")
    assert store.get(SecretKind.SIP, "1001") is None


@pytest.fixture
def seat(qapp, tmp_path):
    paths = SeatPaths(tmp_path / "seat.toml", tmp_path / "data")
    settings = Settings()
    settings.sip.username = "1001"
    settings.sip.local_port = 0
    seat = app.Seat(paths, settings, SessionSecretStore(NoKeyring()), paths.config_file)
    yield seat
    seat.shutdown()


def test_phone_settings_apply_live_and_are_saved_without_secrets(seat):
    seat.secrets.remember_for_session(SecretKind.SIP, "1001", "s3cret-Pw")
    phone_settings = seat.settings.phone  # the object the phone and call service hold
    new = load_settings(seat.paths.config_file)  # defaults: file not written yet
    new.sip = seat.settings.sip
    new.phone.auto_answer_after_s = 5
    new.phone.dtmf_method = "sip_info"
    assert seat.apply_settings(new) is False
    assert phone_settings.auto_answer_after_s == 5
    assert phone_settings.dtmf_method == "sip_info"
    saved = load_settings(seat.paths.config_file)
    assert saved.phone.auto_answer_after_s == 5
    assert "s3cret-Pw" not in seat.paths.config_file.read_text()


def test_a_new_sip_account_needs_a_restart(seat):
    new = Settings()
    new.sip.username = "1002"
    assert seat.apply_settings(new) is True


def test_account_label_names_the_registrar_or_the_direct_address(seat):
    assert seat.account_label().startswith("1001@")
    seat.settings.sip.registrar = "pbx.example.com:5060"
    assert seat.account_label() == "1001@pbx.example.com"
