"""`agentdesk credentials ...` as IT provisioning scripts run it: a subprocess, stdin."""

import subprocess
import sys

import pytest

from agentdesk.core.secrets import SecretKind

pytestmark = pytest.mark.keyring


def agentdesk(*args, stdin="", env=None):
    return subprocess.run([sys.executable, "-m", "agentdesk", *args], input=stdin,
                          capture_output=True, text=True, timeout=60, env=env)


def test_set_status_delete(keyring_store, account, tmp_path):
    config = tmp_path / "seat.toml"
    config.write_text(f'[sip]\nusername = "{account}"\n')
    done = agentdesk("--config", str(config), "credentials", "set", "sip", stdin="pa55\n")
    assert done.returncode == 0, done.stderr
    assert "pa55" not in done.stdout + done.stderr
    assert keyring_store.get(SecretKind.SIP, account) == "pa55"
    assert "pa55" not in config.read_text()
    status = agentdesk("--config", str(config), "credentials", "status", "sip")
    assert status.returncode == 0 and "stored" in status.stdout
    assert "pa55" not in status.stdout
    done = agentdesk("--config", str(config), "credentials", "delete", "sip")
    assert done.returncode == 0 and "Deleted" in done.stdout
    assert keyring_store.get(SecretKind.SIP, account) is None
    status = agentdesk("--config", str(config), "credentials", "status", "sip")
    assert status.returncode == 1 and "not stored" in status.stdout


def test_explicit_account_for_server(keyring_store, account, tmp_path):
    config = tmp_path / "absent.toml"
    done = agentdesk("--config", str(config), "credentials", "set", "server",
                     "--account", account, stdin="tok\n")
    assert done.returncode == 0, done.stderr
    assert keyring_store.get(SecretKind.SERVER, account) == "tok"
    keyring_store.delete(SecretKind.SERVER, account)


def test_no_account_is_a_usage_error(tmp_path):
    done = agentdesk("--config", str(tmp_path / "none.toml"), "credentials", "set", "sip",
                     stdin="x\n")
    assert done.returncode == 2
    assert "[sip] username" in done.stderr


def test_empty_secret_is_refused(keyring_store, account, tmp_path):
    done = agentdesk("--config", str(tmp_path / "n.toml"), "credentials", "set", "sip",
                     "--account", account, stdin="\n")
    assert done.returncode == 2 and "empty" in done.stderr


def test_without_a_keyring_it_says_so_and_writes_nothing(no_keyring_env, tmp_path):
    before = sorted(p for p in tmp_path.rglob("*"))
    done = agentdesk("--config", str(tmp_path / "seat.toml"), "credentials", "set", "sip",
                     "--account", "1001", stdin="pa55\n", env=no_keyring_env)
    assert done.returncode == 1
    assert "No system keyring" in done.stderr
    assert "session only" in done.stderr
    after = sorted(p for p in tmp_path.rglob("*"))
    assert after == before
    assert "Traceback" not in done.stderr


def test_bad_config_names_file_and_line(tmp_path):
    config = tmp_path / "seat.toml"
    config.write_text('[sip]\nusername = "1"\nport = 5060\n')
    done = agentdesk("--config", str(config), "credentials", "status", "sip")
    assert done.returncode == 2
    assert f"{config}:3: unknown key 'sip.port'" in done.stderr
