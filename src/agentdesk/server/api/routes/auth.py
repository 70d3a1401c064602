from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from agentdesk.server.api.deps import BearerToken, CurrentUser, State
from agentdesk.server.login import check_password
from agentdesk.server.security import LoginBusyError, client_address
from agentdesk.server.users import Principal, issue_token, revoke_token
from agentdesk.sync.wire import LoginRequest, TokenResponse, UserInfo

router = APIRouter(prefix="/auth", tags=["auth"])

_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {"description": "Wrong username or password, or the account is disabled."},
    429: {"description": "Too many failed logins for this name from this address, or too "
                         "many logins in progress: wait Retry-After seconds."},
}


def _token_response(state: State, who: Principal) -> TokenResponse:
    token, expires_at = issue_token(state.engine, who.id,
                                    timedelta(seconds=state.settings.token_ttl_seconds))
    return TokenResponse(access_token=token, expires_at=expires_at,
                         user=UserInfo(username=who.username, role=who.role,  # type: ignore[arg-type]
                                       team=who.team))


async def _too_many(state: State, wait: int, detail: str) -> HTTPException:
    await asyncio.sleep(min(wait, state.settings.login_refusal_pause_seconds))
    return HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, detail,
                         headers={"Retry-After": str(wait)})


@router.post("/login", response_model=TokenResponse, responses=_RESPONSES)
async def login(body: LoginRequest, request: Request, state: State) -> TokenResponse:
    """On the event loop up to the password check, which runs on argon2's own threads
    (at most `login_queue` logins admitted, `login_per_address` per address: else 429,
    decided at once, answered after `login_refusal_pause_seconds`); only a successful
    login takes a request thread, to store its token."""
    client = client_address(request.client.host if request.client else None,
                            request.headers.getlist("x-forwarded-for"),
                            state.trusted_proxies)
    wait = state.limiter.retry_after(body.username, client)
    if wait:
        raise await _too_many(state, wait, f"too many failed logins: try again in {wait} s")
    try:
        who = await state.password_checks.run(
            client, check_password, state.engine, state.hasher, state.dummy_hash,
            body.username, body.password)
    except LoginBusyError as exc:
        raise await _too_many(state, exc.retry_after, str(exc)) from None
    if who is None:
        state.limiter.failed(body.username, client)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            "wrong username or password, or the account is disabled")
    state.limiter.succeeded(body.username, client)
    request.state.user_id = who.id
    return await run_in_threadpool(_token_response, state, who)


@router.post("/refresh", response_model=TokenResponse)
def refresh(who: CurrentUser, token: BearerToken, state: State) -> TokenResponse:
    """A new token for a live one; the old one is revoked."""
    response = _token_response(state, who)
    revoke_token(state.engine, token)
    return response


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(_who: CurrentUser, token: BearerToken, state: State) -> None:
    revoke_token(state.engine, token)
