"""The screen pop's reads: search, timeline, access history.

Any signed-in user reads customers (the desktop records each open of a customer file
as an access_entry record); supervisors and admins read who opened which file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from agentdesk.server import customers
from agentdesk.server.api.deps import CurrentUser, Manager, State
from agentdesk.server.customer_import import normalize_phone
from agentdesk.sync.wire import (
    MAX_SEARCH_LIMIT,
    CustomerSearchResult,
    CustomerTimeline,
    RecordsPage,
    SafeText,
    SaneTime,
)

router = APIRouter(tags=["customers"])

CustomerId = Annotated[SafeText, Path(min_length=1, max_length=64)]
PageToken = Annotated[SafeText | None, Query(max_length=200, description=(
    "The `next_page` token of the previous page"))]


def _bad_page(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


@router.get("/customers/search", response_model=CustomerSearchResult)
def search(who: CurrentUser, state: State,
           customer_id: Annotated[SafeText | None, Query(max_length=64)] = None,
           account: Annotated[SafeText | None, Query(max_length=64)] = None,
           phone: Annotated[SafeText | None, Query(max_length=32, description=(
               "E.164, or national in the server's default region"))] = None,
           name: Annotated[SafeText | None, Query(max_length=100, description=(
               "Case-insensitive prefix of the first, last or native name"))] = None,
           limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_LIMIT)] = 20,
           ) -> CustomerSearchResult:
    """Customers matching ANY of the given criteria, each with what it matched, its
    last contact and its open callbacks (what the screen pop ranks by)."""
    customer_id, account = (customer_id or "").strip(), (account or "").strip()
    name = (name or "").strip()
    if not (customer_id or account or (phone or "").strip() or name):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "give at least one of customer_id, account, phone, name")
    e164 = None
    if phone and phone.strip():
        try:
            e164 = normalize_phone(phone, state.settings.default_phone_region)
        except ValueError:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                "phone is not a valid phone number") from None
    return customers.search_customers(state.engine, customer_id=customer_id or None,
                                      account=account or None, phone_e164=e164,
                                      name=name or None, limit=limit, who=who)


@router.get("/customers/{customer_id}/timeline", response_model=CustomerTimeline,
            responses={404: {"description": "No such customer and no records about it."}})
def timeline(customer_id: CustomerId, who: CurrentUser, state: State,
             page: PageToken = None,
             limit: Annotated[int, Query(ge=1, le=200)] = 50) -> CustomerTimeline:
    """The customer's interactions and the changes to its data, newest first (calls
    with their current wrap-up, notes, callbacks, who changed which field from what to
    what), plus open callbacks and open complaints. Only what the customer file shows:
    colleagues' records come without ids or payloads."""
    try:
        result = customers.customer_timeline(state.engine, customer_id, page=page,
                                             limit=limit, who=who)
    except customers.BadPageTokenError as exc:
        raise _bad_page(exc) from None
    if result is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such customer")
    return result


@router.get("/customers/{customer_id}/access", response_model=RecordsPage)
def customer_access(customer_id: CustomerId, who: Manager, state: State,
                    page: PageToken = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> RecordsPage:
    """Who opened this customer's file, newest first (a supervisor sees its team's)."""
    try:
        return customers.access_history(state.engine, who, customer_id=customer_id,
                                        page=page, limit=limit)
    except customers.BadPageTokenError as exc:
        raise _bad_page(exc) from None


@router.get("/access", response_model=RecordsPage)
def access(who: Manager, state: State,
           since: Annotated[SaneTime | None, Query(
               description="The access time, with its offset")] = None,
           page: PageToken = None,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> RecordsPage:
    """Every customer-file access entry the caller may see, newest first."""
    try:
        return customers.access_history(state.engine, who, since=since, page=page,
                                        limit=limit)
    except customers.BadPageTokenError as exc:
        raise _bad_page(exc) from None
