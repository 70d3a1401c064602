"""The desktop's login to the server: a bearer token refreshed before it expires and
renewed with the stored password when the server refuses it.

The token is kept in the OS keyring (SecretKind.SERVER_TOKEN, with its expiry), so a
restart reuses it instead of logging in again; without a keyring it lives in memory
for the session only. It is forgotten when the server refuses the login.

What this machine remembers of a login is `server-login.json` in the data dir: the
server URL, the username and when the last login succeeded (server time) - never the
password or the token. It lets an agent who has logged in here before work offline
with the cached reference data when the server cannot be reached at start.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agentdesk.core.secrets import SecretKind, SecretStore, SecretStoreError
from agentdesk.sync.api_client import (
    ApiClient,
    ApiError,
    Reply,
    RequestRejectedError,
    UnauthorizedError,
)
from agentdesk.sync.wire import TokenResponse, UserInfo

log = logging.getLogger(__name__)

MEMORY_FILENAME = "server-login.json"


class LoginRequiredError(ApiError):
    """The server refused the credentials (or there are none): the agent must act."""


@dataclass(frozen=True)
class LoginMemory:
    server_url: str
    username: str
    last_login_at: datetime


def read_login_memory(data_dir: Path) -> LoginMemory | None:
    try:
        data = json.loads((data_dir / MEMORY_FILENAME).read_text(encoding="utf-8"))
        return LoginMemory(str(data["server_url"]), str(data["username"]),
                           datetime.fromisoformat(data["last_login_at"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable %s: %s", MEMORY_FILENAME, exc)
        return None


def write_login_memory(data_dir: Path, memory: LoginMemory) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / MEMORY_FILENAME
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"server_url": memory.server_url, "username": memory.username,
                               "last_login_at": memory.last_login_at.isoformat()}),
                   encoding="utf-8")
    os.replace(tmp, path)


def password_from(secrets: SecretStore, username: str) -> Callable[[], str | None]:
    """The password source for a seat: the keyring's SecretKind.SERVER entry."""
    def get() -> str | None:
        try:
            return secrets.get(SecretKind.SERVER, username)
        except SecretStoreError as exc:
            raise LoginRequiredError(str(exc)) from None
    return get


class ServerSession:
    """Thread-safe: the sync worker and the GUI's "log in" action may both use it."""

    def __init__(self, client: ApiClient, username: str, password: Callable[[], str | None],
                 *, data_dir: Path | None = None,
                 refresh_margin: timedelta = timedelta(minutes=5),
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 token_store: SecretStore | None = None) -> None:
        self._client = client
        self.username = username
        self._password = password
        self._data_dir = data_dir
        self._margin = refresh_margin
        self._clock = clock
        self._lock = threading.RLock()
        self._token: str | None = None
        self._expires_at: datetime | None = None
        self._offset = 0.0  # server clock minus ours, from the last reply
        self.user: UserInfo | None = None
        self.refreshes = 0
        self.previous_login = self._remembered()
        self._token_store = token_store
        # Credentials typed in the login dialog, taken up by the next login: the GUI
        # thread must never wait for the lock a login in flight holds.
        self._next_credentials: tuple[str, Callable[[], str | None]] | None = None
        self._restore_token()

    def use_credentials(self, username: str, password: Callable[[], str | None]) -> None:
        """Log in as `username` with this password source from the next request on.

        Never blocks: the swap happens on the sync worker, under the session's lock."""
        self._next_credentials = (username, password)

    def _take_new_credentials(self) -> None:
        pending, self._next_credentials = self._next_credentials, None
        if pending is None:
            return
        username, self._password = pending
        if username != self.username:
            self._token = self._expires_at = None
            self.user = None
            self.username = username
            self.previous_login = self._remembered()
            self._restore_token()
        else:
            # The same agent typed the password again: whatever token we held was
            # refused, so the next request logs in afresh.
            self._token = self._expires_at = None

    # -- the token in the keyring ---------------------------------------------------
    def _token_account(self) -> str:
        return f"{self.username}@{self._client.base_url}"

    def _keyring(self) -> SecretStore | None:
        store = self._token_store
        return store if store is not None and store.available and self.username else None

    def _restore_token(self) -> None:
        store = self._keyring()
        if store is None:
            return
        try:
            raw = store.get(SecretKind.SERVER_TOKEN, self._token_account())
            if not raw:
                return
            data = json.loads(raw)
            token, expires = str(data["token"]), datetime.fromisoformat(data["expires_at"])
        except (SecretStoreError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring the stored server token: %s", exc)
            return
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        if expires > self._clock():  # an expired one would only earn a 401
            self._token, self._expires_at = token, expires

    def _store_token(self) -> None:
        store = self._keyring()
        if store is None or self._token is None or self._expires_at is None:
            return
        value = json.dumps({"token": self._token, "expires_at": self._expires_at.isoformat()})
        try:
            store.set(SecretKind.SERVER_TOKEN, self._token_account(), value)
        except SecretStoreError as exc:
            log.warning("the server token stays in memory only: %s", exc)

    def _forget_token(self) -> None:
        store = self._keyring()
        if store is not None:
            try:
                store.delete(SecretKind.SERVER_TOKEN, self._token_account())
            except SecretStoreError as exc:
                log.warning("could not remove the stored server token: %s", exc)

    def _remembered(self) -> LoginMemory | None:
        if self._data_dir is None:
            return None
        memory = read_login_memory(self._data_dir)
        if memory and (memory.server_url, memory.username) == (self._client.base_url,
                                                               self.username):
            return memory
        return None

    @property
    def logged_in(self) -> bool:
        with self._lock:
            return self._token is not None

    @property
    def expires_at(self) -> datetime | None:
        with self._lock:
            return self._expires_at

    def login(self) -> str:
        """Log in with the stored password; LoginRequiredError when that cannot work,
        ServerUnreachableError when the server cannot be asked."""
        with self._lock:
            self._take_new_credentials()
            if not self.username:
                raise LoginRequiredError("no server username is configured")
            password = self._password()
            if not password:
                raise LoginRequiredError(
                    f"no server password is stored for {self.username}")
            try:
                reply = self._client.login(self.username, password)
            except (UnauthorizedError, RequestRejectedError) as exc:
                self._token = None
                self._forget_token()
                raise LoginRequiredError(f"login refused: {exc}") from None
            return self._accept(reply, remember=True)

    def access_token(self) -> str:
        """A live token: logs in when there is none, refreshes one close to expiry."""
        with self._lock:
            self._take_new_credentials()
            if self._token is None:
                return self.login()
            if self._expires_soon():
                return self.renew()
            return self._token

    def renew(self) -> str:
        """After a 401 or near expiry: refresh the token, or log in again."""
        with self._lock:
            if self._token is not None:
                try:
                    reply = self._client.refresh(self._token)
                except (UnauthorizedError, RequestRejectedError):
                    self._token = None
                else:
                    self.refreshes += 1
                    return self._accept(reply, remember=False)
            return self.login()

    def _expires_soon(self) -> bool:
        if self._expires_at is None:
            return False
        server_now = self._clock() + timedelta(seconds=self._offset)
        return self._expires_at - server_now <= self._margin

    def _accept(self, reply: Reply[TokenResponse], *, remember: bool) -> str:
        body = reply.body
        self._token = body.access_token
        expires = body.expires_at
        self._expires_at = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
        self.user = body.user
        self._store_token()
        if reply.clock_offset is not None:
            self._offset = reply.clock_offset
        if remember and self._data_dir is not None:
            when = reply.server_time or self._clock()
            memory = LoginMemory(self._client.base_url, self.username, when)
            try:
                write_login_memory(self._data_dir, memory)
                self.previous_login = memory
            except OSError as exc:
                log.warning("cannot remember the login in %s: %s", self._data_dir, exc)
        return body.access_token
