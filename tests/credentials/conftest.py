import os
import uuid

import pytest

from agentdesk.credentials import KeyringSecretStore


@pytest.fixture
def keyring_store():
    """The real OS keyring; ./scripts/test provides gnome-keyring in dbus-run-session."""
    store = KeyringSecretStore()
    if not store.available:
        pytest.fail("no Secret Service: run the suite through ./scripts/test, which starts "
                    f"gnome-keyring in a private dbus session ({store.problem})")
    return store


@pytest.fixture
def account():
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def no_keyring_env(tmp_path):
    """An environment in which no Secret Service can be reached."""
    env = dict(os.environ)
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path}/no-bus"
    env["HOME"] = str(tmp_path / "home")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    return env
