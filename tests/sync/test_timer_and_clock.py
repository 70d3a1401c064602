from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from agentdesk.store import SqliteStore
from agentdesk.sync.api_client import ApiClient
from agentdesk.sync.service import Connectivity, SyncService
from agentdesk.sync.session import ServerSession
from tests.sync.conftest import PASSWORD, LiveServer, save_call, wait_for


def test_the_periodic_timer_syncs_without_being_asked(
        live_server: LiveServer, agent: str, store: SqliteStore, make_desk: Any) -> None:
    desk = make_desk(live_server.url, interval=0.2)
    desk.service.start()
    wait_for(lambda: desk.service.cycles >= 1)
    save_call(store)  # no notify_saved: the timer must find it
    wait_for(lambda: desk.service.status.pending == 0 and desk.service.cycles >= 2,
             what="a timed cycle to push the record")


def test_a_client_clock_hours_off_is_measured_not_trusted(
        live_server: LiveServer, agent: str, store: SqliteStore, tmp_path: Path) -> None:
    def skewed() -> datetime:  # this PC's clock is 9 h fast
        return datetime.now(UTC) + timedelta(hours=9)

    client = ApiClient(live_server.url, timeout=httpx.Timeout(5.0), clock=skewed)
    session = ServerSession(client, agent, lambda: PASSWORD, clock=skewed)
    service = SyncService(store, client, session, interval=3600.0, clock=skewed)
    try:
        save_call(store)
        service.start()
        wait_for(lambda: service.cycles == 1)
        status = service.status
        assert status.connectivity is Connectivity.ONLINE and status.pending == 0
        assert status.clock_offset is not None
        assert abs(status.clock_offset + 9 * 3600) < 5
        # the last sync is stamped with the server's time, not this PC's
        assert status.last_success is not None
        assert abs((status.last_success - datetime.now(UTC)).total_seconds()) < 5
        # an 8 h token looks expired by this PC's clock; by the server's it is fresh
        service.sync_now()
        wait_for(lambda: service.cycles == 2)
        assert session.refreshes == 0
    finally:
        assert service.stop()
        client.close()
