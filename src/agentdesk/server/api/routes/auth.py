from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, status

from agentdesk.server.api.deps import BearerToken, CurrentUser, State
from agentdesk.server.users import Principal, authenticate, issue_token, revoke_token
from agentdesk.sync.wire import LoginRequest, TokenResponse, UserInfo

router = APIRouter(prefix="/auth", tags=["auth"])

_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {"description": "Wrong username or password, or the account is disabled."},
    429: {"description": "Too many failed logins: wait Retry-After seconds."},
}


def _token_response(state: State, who: Principal) -> TokenResponse:
    token, expires_at = issue_token(state.engine, who.id,
                                    timedelta(seconds=state.settings.token_ttl_seconds))
    return TokenResponse(access_token=token, expires_at=expires_at,
                         user=UserInfo(username=who.username, role=who.role,  # type: ignore[arg-type]
                                       team=who.team))


@router.post("/login", response_model=TokenResponse, responses=_RESPONSES)
def login(body: LoginRequest, request: Request, state: State) -> TokenResponse:
    client = request.client.host if request.client else "unknown"
    wait = state.limiter.retry_after(body.username, client)
    if wait:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"too many failed logins: try again in {wait} s",
                            headers={"Retry-After": str(wait)})
    who = authenticate(state.engine, state.hasher, body.username, body.password)
    if who is None:
        state.limiter.failed(body.username, client)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            "wrong username or password, or the account is disabled")
    state.limiter.succeeded(body.username, client)
    request.state.user_id = who.id
    return _token_response(state, who)


@router.post("/refresh", response_model=TokenResponse)
def refresh(who: CurrentUser, token: BearerToken, state: State) -> TokenResponse:
    """A new token for a live one; the old one is revoked."""
    response = _token_response(state, who)
    revoke_token(state.engine, token)
    return response


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(_who: CurrentUser, token: BearerToken, state: State) -> None:
    revoke_token(state.engine, token)
