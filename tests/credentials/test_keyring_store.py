import pytest

from agentdesk.core.secrets import SecretKind, SecretStoreError
from agentdesk.credentials import KeyringSecretStore, SessionSecretStore

pytestmark = pytest.mark.keyring


def test_round_trip_through_the_secret_service(keyring_store, account):
    assert keyring_store.get(SecretKind.SIP, account) is None
    keyring_store.set(SecretKind.SIP, account, "s3cret-密码")
    assert keyring_store.get(SecretKind.SIP, account) == "s3cret-密码"
    # A fresh store (as in a new process) reads the same entry back.
    assert KeyringSecretStore().get(SecretKind.SIP, account) == "s3cret-密码"
    assert keyring_store.get(SecretKind.SERVER, account) is None  # kinds are apart
    assert keyring_store.delete(SecretKind.SIP, account) is True
    assert keyring_store.delete(SecretKind.SIP, account) is False
    assert keyring_store.get(SecretKind.SIP, account) is None


def test_setting_without_account_is_refused(keyring_store):
    with pytest.raises(SecretStoreError, match="account name"):
        keyring_store.set(SecretKind.SIP, "", "x")


def test_session_store_prefers_the_keyring(keyring_store, account):
    session = SessionSecretStore(keyring_store)
    session.set(SecretKind.SERVER, account, "pw")
    assert keyring_store.get(SecretKind.SERVER, account) == "pw"
    assert session.delete(SecretKind.SERVER, account)


def test_session_store_without_keyring_keeps_secret_in_memory_only(monkeypatch):
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    backing = KeyringSecretStore()
    assert not backing.available
    assert "No system keyring" in backing.problem
    session = SessionSecretStore(backing)
    assert not session.available
    session.set(SecretKind.SIP, "1001", "pw")
    assert session.get(SecretKind.SIP, "1001") == "pw"
    assert SessionSecretStore(backing).get(SecretKind.SIP, "1001") is None
    with pytest.raises(SecretStoreError, match="No system keyring"):
        backing.set(SecretKind.SIP, "1001", "pw")
