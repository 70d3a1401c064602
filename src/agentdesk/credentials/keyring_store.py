"""SecretStore on the OS keyring, and the in-memory fallback for machines without one.

Finding the OS keyring is slow: keyring imports and asks every backend it knows
(Secret Service over D-Bus, KWallet, the macOS one, which runs `ldconfig` to look for
its library), ~0.2 s of CPU and ~0.4 s of waiting. `start_detecting()` does that on a
worker thread while the desktop goes on starting; a KeyringSecretStore created after
it takes that result, waiting for it only when a secret is first needed.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

from agentdesk.core.secrets import SecretKind, SecretStoreError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

_detecting: Future[tuple[KeyringBackend | None, str]] | None = None
_detecting_lock = threading.Lock()

SERVICE_PREFIX = "agentdesk"


def service_name(kind: SecretKind) -> str:
    return f"{SERVICE_PREFIX}-{kind.value}"


def start_detecting() -> None:
    """Find the OS keyring on a worker thread; idempotent."""
    global _detecting
    with _detecting_lock:
        if _detecting is not None:
            return
        future: Future[tuple[KeyringBackend | None, str]] = Future()
        _detecting = future

    def detect() -> None:
        try:
            future.set_result(_usable_backend())
        except BaseException as exc:  # handed to whoever waits for the result
            future.set_exception(exc)

    threading.Thread(target=detect, name="keyring-detect", daemon=True).start()


def _detected_backend() -> tuple[KeyringBackend | None, str]:
    """The backend start_detecting() found (waiting for it), else detected now."""
    with _detecting_lock:
        detecting = _detecting
    return detecting.result() if detecting is not None else _usable_backend()


def _usable_backend() -> tuple[KeyringBackend | None, str]:
    """The active backend if it can store secrets, else why not (for the agent)."""
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring config must not stop the app
        return None, f"The keyring could not be loaded: {exc}"
    name = type(backend).__module__ + "." + type(backend).__name__
    # keyring falls back to these when no OS keyring is reachable: they cannot store.
    if "fail" in name.lower() or "null" in name.lower() or getattr(backend, "priority", 1) <= 0:
        return None, ("No system keyring is available on this computer (no Secret Service "
                      "such as GNOME Keyring or KWallet is running).")
    if "chainer" in name.lower() and not getattr(backend, "backends", None):
        return None, "No system keyring is available on this computer."
    if "plaintext" in name.lower() or "keyrings.alt" in name.lower():
        # Refuse file-based backends: a secret must never land in a plain file.
        return None, f"The configured keyring ({name}) stores secrets in a file; refused."
    return backend, ""


class KeyringSecretStore:
    """Secrets in the OS keyring, one entry per (kind, account)."""

    def __init__(self) -> None:
        self._resolved: tuple[KeyringBackend | None, str] | None = None

    def _resolve(self) -> tuple[KeyringBackend | None, str]:
        if self._resolved is None:
            self._resolved = _detected_backend()
        return self._resolved

    @property
    def _backend(self) -> KeyringBackend | None:
        return self._resolve()[0]

    @property
    def available(self) -> bool:
        return self._backend is not None

    @property
    def problem(self) -> str:
        return self._resolve()[1]

    def get(self, kind: SecretKind, account: str) -> str | None:
        backend = self._backend
        if backend is None:
            return None
        import keyring.errors

        try:
            return backend.get_password(service_name(kind), account)
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(_explain(exc, "read")) from None

    def set(self, kind: SecretKind, account: str, secret: str) -> None:
        backend = self._backend
        if backend is None:
            raise SecretStoreError(self.problem)
        if not account:
            raise SecretStoreError("Set the account name (username) before its password.")
        import keyring.errors

        try:
            backend.set_password(service_name(kind), account, secret)
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(_explain(exc, "store")) from None
        log.info("stored the %s secret in the system keyring", kind.value)

    def delete(self, kind: SecretKind, account: str) -> bool:
        backend = self._backend
        if backend is None:
            raise SecretStoreError(self.problem)
        import keyring.errors

        try:
            backend.delete_password(service_name(kind), account)
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(_explain(exc, "delete")) from None
        log.info("deleted the %s secret from the system keyring", kind.value)
        return True


def _explain(exc: Exception, action: str) -> str:
    import keyring.errors

    if isinstance(exc, keyring.errors.KeyringLocked):
        return f"The system keyring is locked; unlock it and try again ({action} failed)."
    return f"The system keyring refused to {action} the secret: {exc}"


class SessionSecretStore:
    """Keeps secrets in memory for this run only, in front of a store that may be absent.

    When the OS keyring is missing the app still works: the agent types the password
    once per session, and it is never written anywhere.
    """

    def __init__(self, backing: KeyringSecretStore | None = None) -> None:
        self._backing = backing
        self._memory: dict[tuple[SecretKind, str], str] = {}

    @property
    def available(self) -> bool:
        return self._backing is not None and self._backing.available

    @property
    def problem(self) -> str:
        if self._backing is None:
            return "No system keyring is in use."
        return self._backing.problem

    def get(self, kind: SecretKind, account: str) -> str | None:
        if (kind, account) in self._memory:
            return self._memory[(kind, account)]
        if self._backing is not None and self._backing.available:
            return self._backing.get(kind, account)
        return None

    def set(self, kind: SecretKind, account: str, secret: str) -> None:
        if self._backing is not None and self._backing.available:
            self._backing.set(kind, account, secret)
            self._memory.pop((kind, account), None)
        else:
            self._memory[(kind, account)] = secret

    def remember_for_session(self, kind: SecretKind, account: str, secret: str) -> None:
        self._memory[(kind, account)] = secret

    def delete(self, kind: SecretKind, account: str) -> bool:
        had = self._memory.pop((kind, account), None) is not None
        if self._backing is not None and self._backing.available:
            return self._backing.delete(kind, account) or had
        return had
