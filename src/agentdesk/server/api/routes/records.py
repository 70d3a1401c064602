from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from agentdesk.server import records
from agentdesk.server.api.deps import CurrentUser, State
from agentdesk.sync.wire import RecordKind, RecordOut, RecordsPage, SafeText, SaneTime

router = APIRouter(prefix="/records", tags=["records"])


@router.get("", response_model=RecordsPage)
def list_records(who: CurrentUser, state: State,
                 kind: RecordKind | None = None,
                 since: Annotated[SaneTime | None, Query(
                     description="Server receipt time, with its offset")] = None,
                 page: Annotated[SafeText | None, Query(max_length=200)] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 500) -> RecordsPage:
    """An agent reads its own records, a supervisor its team's, an admin all."""
    try:
        return records.list_records(state.engine, who, kind=kind, since=since, page=page,
                                    limit=limit)
    except records.BadPageTokenError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


@router.get("/{record_id}", response_model=RecordOut,
            responses={404: {"description": "No such record you may see."}})
def get_record(record_id: uuid.UUID, who: CurrentUser, state: State) -> RecordOut:
    record = records.get_record(state.engine, who, record_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such record")
    return record
