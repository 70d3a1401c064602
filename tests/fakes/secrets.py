"""FakeSecretStore: the core SecretStore port in memory, with or without a 'keyring'."""

from __future__ import annotations

from agentdesk.core.secrets import SecretKind, SecretStoreError


class FakeSecretStore:
    def __init__(self, *, available: bool = True, problem: str = "",
                 refuse_with: str = "") -> None:
        self._available = available
        self._problem = problem or ("" if available else "No system keyring is available.")
        self._refuse_with = refuse_with  # set: every write fails like a locked keyring
        self.secrets: dict[tuple[SecretKind, str], str] = {}

    @property
    def available(self) -> bool:
        return self._available

    @property
    def problem(self) -> str:
        return self._problem

    def get(self, kind: SecretKind, account: str) -> str | None:
        return self.secrets.get((kind, account)) if self._available else None

    def set(self, kind: SecretKind, account: str, secret: str) -> None:
        if not self._available:
            raise SecretStoreError(self._problem)
        if self._refuse_with:
            raise SecretStoreError(self._refuse_with)
        if not account:
            raise SecretStoreError("Set the account name (username) before its password.")
        self.secrets[(kind, account)] = secret

    def delete(self, kind: SecretKind, account: str) -> bool:
        if not self._available:
            raise SecretStoreError(self._problem)
        return self.secrets.pop((kind, account), None) is not None
