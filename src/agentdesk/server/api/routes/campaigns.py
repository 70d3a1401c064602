"""The desk's outbound API: next lead (leased), dial (the gate again), attempt outcome,
skip, callbacks and a check for a manually typed number (server/campaigns.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import AwareDatetime, BaseModel, Field

from agentdesk.server import campaigns
from agentdesk.server.api.deps import CurrentUser, State

router = APIRouter(prefix="/campaigns", tags=["campaigns"])

CampaignId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
LeadId = Annotated[str, Path(min_length=1, max_length=64)]


class OutcomeIn(BaseModel):
    outcome: Literal["connected", "busy", "no_answer", "rejected", "failed", "invalid"]


class SkipIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class CallbackIn(BaseModel):
    due_at: AwareDatetime
    note: str = Field("", max_length=500)


class CheckNumberIn(BaseModel):
    number: str = Field(pattern=r"^\+[1-9][0-9]{6,14}$")
    campaign_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$")


def _fail(exc: Exception) -> HTTPException:
    if isinstance(exc, campaigns.CampaignNotFoundError | campaigns.LeadNotFoundError):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, campaigns.NotAssignedError):
        return HTTPException(status.HTTP_403_FORBIDDEN, str(exc))
    if isinstance(exc, campaigns.GateRefusedError):
        return HTTPException(status.HTTP_409_CONFLICT, {
            "message": str(exc), "decision": exc.decision.audit()})
    return HTTPException(status.HTTP_409_CONFLICT, str(exc))


_ERRORS = (campaigns.CampaignNotFoundError, campaigns.LeadNotFoundError,
           campaigns.NotAssignedError, campaigns.GateRefusedError, campaigns.LeaseConflictError)


@router.post("/{campaign_id}/next")
def next_lead(campaign_id: CampaignId, who: CurrentUser, state: State) -> dict[str, Any]:
    """The next lead the gate allows now, leased to the caller; `lead` null (with the
    counts of what held leads back) when there is none."""
    try:
        return campaigns.next_lead(state.engine, campaign_id, who)
    except _ERRORS as exc:
        raise _fail(exc) from None


@router.post("/{campaign_id}/leads/{lead_id}/dial",
             responses={409: {"description": "The gate refuses (its reasons), or another "
                                              "agent holds the lead."}})
def dial(campaign_id: CampaignId, lead_id: LeadId, who: CurrentUser,
         state: State) -> dict[str, Any]:
    try:
        return campaigns.dial(state.engine, campaign_id, lead_id, who)
    except _ERRORS as exc:
        raise _fail(exc) from None


@router.post("/attempts/{attempt_id}/outcome")
def attempt_outcome(attempt_id: uuid.UUID, body: OutcomeIn, who: CurrentUser,
                    state: State) -> dict[str, Any]:
    try:
        return campaigns.record_outcome(state.engine, attempt_id, body.outcome, who)
    except _ERRORS as exc:
        raise _fail(exc) from None


@router.post("/{campaign_id}/leads/{lead_id}/skip")
def skip(campaign_id: CampaignId, lead_id: LeadId, body: SkipIn, who: CurrentUser,
         state: State) -> dict[str, Any]:
    try:
        return campaigns.skip(state.engine, campaign_id, lead_id, who, body.reason)
    except _ERRORS as exc:
        raise _fail(exc) from None


@router.post("/{campaign_id}/leads/{lead_id}/callback")
def callback(campaign_id: CampaignId, lead_id: LeadId, body: CallbackIn, who: CurrentUser,
             state: State) -> dict[str, Any]:
    """Book a callback in the lead's zone; `warnings` are the gate's reasons at that time."""
    try:
        return campaigns.book_callback(state.engine, campaign_id, lead_id, who, body.due_at,
                                       body.note)
    except _ERRORS as exc:
        raise _fail(exc) from None


@router.post("/check-number")
def check_number(body: CheckNumberIn, who: CurrentUser, state: State) -> dict[str, Any]:
    try:
        return campaigns.check_number(state.engine, body.number, body.campaign_id, who)
    except _ERRORS as exc:
        raise _fail(exc) from None
