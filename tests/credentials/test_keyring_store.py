import subprocess
import sys

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


_BACKGROUND_PROBE = """
import sys, threading
from agentdesk.core.secrets import SecretKind
from agentdesk.credentials import keyring_store
keyring_store.start_detecting()
keyring_store.start_detecting()  # idempotent: one detection
store = keyring_store.KeyringSecretStore()
print(store.available, store.get(SecretKind.SIP, sys.argv[1]),
      type(store._backend).__name__,
      sum(t.name == "keyring-detect" for t in threading.enumerate()) <= 1)
"""


def test_a_keyring_found_in_the_background_is_the_one_found_in_the_foreground(
        keyring_store, account):
    """The desktop finds the keyring on a worker thread while it starts (cli calls
    start_detecting): the store it gets reads the same secrets."""
    keyring_store.set(SecretKind.SIP, account, "bg-密码")
    try:
        result = subprocess.run([sys.executable, "-c", _BACKGROUND_PROBE, account],
                                capture_output=True, text=True, timeout=60, check=True)
        assert result.stdout.split() == [
            "True", "bg-密码", type(keyring_store._backend).__name__, "True"]
    finally:
        keyring_store.delete(SecretKind.SIP, account)
