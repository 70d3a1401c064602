from __future__ import annotations

from fastapi import APIRouter

from agentdesk.server.api.deps import State
from agentdesk.server.db import current_revision
from agentdesk.server.reference import current_usn
from agentdesk.sync.wire import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(state: State) -> Health:
    """Liveness and the schema revision; no authentication."""
    return Health(status="ok", schema_revision=current_revision(state.engine),
                  cursor=current_usn(state.engine))
