"""Everything a seat needs to sync, built from its settings in one call - what the
composition root (app.py) uses:

    sync = create_seat_sync(settings.server.url, settings.server.username, secrets,
                            store, paths.data_dir)
    bridge = SyncBridge(sync.service)          # ui.sync_status, on the GUI thread
    status_bar.addPermanentWidget(SyncStatusWidget(bridge))
    sync.start()                               # logs in and syncs on the worker thread
    ...  store.save_wrapup(w); sync.service.notify_saved()
    sync.close()                               # before store.close()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agentdesk.core.records import LocalStore
from agentdesk.core.secrets import SecretStore
from agentdesk.sync.api_client import ApiClient
from agentdesk.sync.service import SyncService
from agentdesk.sync.session import ServerSession, password_from


@dataclass
class SeatSync:
    client: ApiClient
    session: ServerSession
    service: SyncService

    def start(self) -> None:
        self.service.start()

    def close(self, timeout: float = 5.0) -> bool:
        """Stop the worker (waiting up to `timeout` for a request in flight) and close
        the connections; False when the worker was still busy (it is a daemon thread)."""
        stopped = self.service.stop(timeout)
        if stopped:
            self.client.close()
        return stopped


def create_seat_sync(server_url: str, username: str, secrets: SecretStore,
                     store: LocalStore, data_dir: Path, *,
                     password: Callable[[], str | None] | None = None,
                     interval: float = 30.0) -> SeatSync:
    """`password` overrides the keyring (a password typed for this session only, when
    the machine has no keyring)."""
    client = ApiClient(server_url)
    session = ServerSession(client, username, password or password_from(secrets, username),
                            data_dir=data_dir, token_store=secrets)
    service = SyncService(store, client, session, interval=interval)
    return SeatSync(client, session, service)
