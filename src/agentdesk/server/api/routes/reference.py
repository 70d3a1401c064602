"""Reference data: everyone signed in reads; supervisors and admins write."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Path, Query, status

from agentdesk.server import reference
from agentdesk.server.api.deps import CurrentUser, Manager, State
from agentdesk.server.customer_import import normalize_phone
from agentdesk.server.visibility import CampaignError
from agentdesk.sync.wire import CustomerIn, CustomerOut, ReferenceItemOut, SafeDocument, SafeText

router = APIRouter(tags=["reference"])

DocumentKind = Annotated[str, Path(pattern="^(script|wrapup_code_set|not_ready_reason|campaign)$")]
Key = Annotated[SafeText, Path(min_length=1, max_length=128)]


@router.get("/customers", response_model=list[CustomerOut])
def find_customers(_who: CurrentUser, state: State,
                   phone: Annotated[SafeText, Query(min_length=1, max_length=32)]
                   ) -> list[CustomerOut]:
    """Screen pop: every customer with this number (E.164 or national, default region)."""
    try:
        e164 = normalize_phone(phone, state.settings.default_phone_region)
    except ValueError:
        return []
    return reference.find_customers_by_phone(state.engine, e164)


@router.get("/customers/{customer_id}", response_model=CustomerOut)
def get_customer(customer_id: Key, _who: CurrentUser, state: State) -> CustomerOut:
    customer = reference.get_customer(state.engine, customer_id)
    if customer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such customer")
    return customer


@router.put("/customers/{customer_id}", response_model=CustomerOut)
def put_customer(customer_id: Key, body: CustomerIn, who: Manager,
                 state: State) -> CustomerOut:
    """Create or replace a customer (supervisors and admins); the change is kept in the
    customer's history with its author and old and new values."""
    try:
        phone = normalize_phone(body.phone, state.settings.default_phone_region)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return reference.put_customer(state.engine, customer_id,
                                  body.model_copy(update={"phone": phone}), author=who)


@router.delete("/customers/{customer_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_customer(customer_id: Key, who: Manager, state: State) -> None:
    if not reference.delete_customer(state.engine, customer_id, author=who):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such customer")


@router.get("/reference/{kind}/{key}", response_model=ReferenceItemOut)
def get_document(kind: DocumentKind, key: Key, _who: CurrentUser,
                 state: State) -> ReferenceItemOut:
    found = reference.get_document(state.engine, kind, key)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {kind} {key!r}")
    return ReferenceItemOut(kind=kind, key=key, usn=found[0], data=found[1])  # type: ignore[arg-type]


@router.put("/reference/{kind}/{key}", response_model=ReferenceItemOut)
def put_document(kind: DocumentKind, key: Key, document: Annotated[SafeDocument, Body()],
                 _who: Manager, state: State) -> ReferenceItemOut:
    """Publish a document. A campaign needs at least {"id": KEY, "title", "assigned":
    {"teams": [...], "agents": [...]}, "leads": [customer_id, ...], "script_id"?}; its
    leads become visible to its assignees at their next pull."""
    if kind == "script":  # scripts are validated and versioned before they are published
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"publish scripts with PUT /api/v1/scripts/{key}")
    try:
        usn = reference.put_document(state.engine, kind, key, document)
    except CampaignError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return ReferenceItemOut(kind=kind, key=key, usn=usn, data=document)  # type: ignore[arg-type]


@router.delete("/reference/{kind}/{key}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(kind: DocumentKind, key: Key, _who: Manager, state: State) -> None:
    if not reference.delete_document(state.engine, kind, key):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {kind} {key!r}")
