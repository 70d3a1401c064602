"""Secrets in the OS keyring (Secret Service, macOS Keychain, Windows Credential Locker).

The only package that imports keyring. Implements the core SecretStore port.
"""

from agentdesk.credentials.keyring_store import KeyringSecretStore, SessionSecretStore

__all__ = ["KeyringSecretStore", "SessionSecretStore"]
