"""A desktop's sync in a child process, to be killed with SIGKILL mid-push.

    python push_child.py DATA_DIR SERVER_URL USERNAME PASSWORD

Pushes the outbox in batches of 10. After the server has answered the third push,
the child prints "ANSWERED 3" and hangs before the answer reaches the service: the
server has stored that batch, the desktop has not marked it - the worst moment.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import httpx

from agentdesk.store import open_store
from agentdesk.sync.api_client import ApiClient
from agentdesk.sync.service import SyncService
from agentdesk.sync.session import ServerSession


class HangAfterThirdPush(httpx.BaseTransport):
    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.pushes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if request.url.path.endswith("/sync/push"):
            response.read()
            self.pushes += 1
            if self.pushes == 3:
                print("ANSWERED 3", flush=True)
                threading.Event().wait()  # until SIGKILL
        return response


def main() -> None:
    data_dir, url, username, password = sys.argv[1:5]
    store = open_store(Path(data_dir))
    client = ApiClient(url, transport=HangAfterThirdPush())
    session = ServerSession(client, username, lambda: password)
    service = SyncService(store, client, session, batch_size=10, interval=3600.0)
    service.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
