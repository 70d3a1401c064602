from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from starlette.concurrency import run_in_threadpool

from agentdesk.server import records, reference
from agentdesk.server.api.deps import CurrentUser, State
from agentdesk.server.db import with_retries
from agentdesk.sync.wire import PullResponse, PushBatch, PushResult

router = APIRouter(prefix="/sync", tags=["sync"])


@router.post("/push", response_model=PushResult, responses={
    409: {"description": "batch_id already used for a different set of records."}})
def push(batch: PushBatch, who: CurrentUser, state: State, response: Response) -> PushResult:
    """Store the caller's records. Replaying a batch_id returns the stored result
    (header `Idempotent-Replayed: true`); a record id seen before counts as a duplicate;
    an id that belongs to another user's record is rejected."""
    try:
        result, replayed = with_retries(records.push, state.engine, who, batch)
    except records.BatchConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result


@router.get("/pull", response_model=PullResponse, response_model_exclude_defaults=True)
async def pull(who: CurrentUser, state: State,
               cursor: Annotated[int, Query(ge=0, le=2**62)] = 0,
               limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> Any:
    """Reference data changed since `cursor` (0: everything), with tombstones. An
    agent gets the customers it has accessed, called or changed, those with a callback
    owned by it or its team, and the leads of campaigns assigned to it or its team
    (each as soon as it becomes visible, whatever the customer's own USN); supervisors
    and admins get every customer. A cursor above the server's head (its database was
    restored from an older backup) gets `"resync": true` and cursor 0: pull again from
    0. (`resync` is only sent when true.)"""
    if reference.nothing_new(state.engine, cursor):
        # Most pulls of a desk in sync: answered on the event loop, from memory.
        return Response(content=_NOTHING_NEW.format(cursor=cursor),
                        media_type="application/json")
    return await run_in_threadpool(reference.pull, state.engine, cursor, limit, who)


_NOTHING_NEW = '{{"changes":[],"tombstones":[],"cursor":{cursor},"has_more":false}}'
