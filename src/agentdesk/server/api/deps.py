"""FastAPI dependencies, as `Annotated` aliases the routes declare parameters with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from agentdesk.server.config import Settings
from agentdesk.server.security import LoginRateLimiter, Network, PasswordCheckPool
from agentdesk.server.users import Principal, cached_principal, principal_for_token


@dataclass(frozen=True)
class ServerState:
    settings: Settings
    engine: Engine
    hasher: PasswordHasher
    limiter: LoginRateLimiter
    password_checks: PasswordCheckPool  # argon2's own threads, not the request pool
    dummy_hash: str  # verified for unknown names (login.check_password)
    trusted_proxies: tuple[Network, ...]


# The dependencies that do no I/O are `async def`: FastAPI runs a plain `def`
# dependency in the thread pool, a hop that cost more than the work under load.


async def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.server
    return state


State = Annotated[ServerState, Depends(_state)]

_bearer = HTTPBearer(auto_error=False, description="The token from /api/v1/auth/login.")


async def _token(credentials: Annotated[HTTPAuthorizationCredentials | None,
                                        Depends(_bearer)]) -> str:
    if credentials is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


BearerToken = Annotated[str, Depends(_token)]


async def _current_user(request: Request, state: State, token: BearerToken) -> Principal:
    # A token verified moments ago is answered from memory; only a miss (or the
    # periodic revocation recheck) goes to the database, off the event loop.
    who = cached_principal(state.engine, token)
    if who is None:
        who = await run_in_threadpool(principal_for_token, state.engine, token)
    if who is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            "the token is invalid, expired or revoked, or the account "
                            "is disabled: log in again",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.user_id = who.id  # for the access log
    return who


CurrentUser = Annotated[Principal, Depends(_current_user)]


def require_role(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(who: CurrentUser) -> Principal:
        if who.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"this needs the role {' or '.join(roles)}")
        return who
    return check


Manager = Annotated[Principal, Depends(require_role("supervisor", "admin"))]
Admin = Annotated[Principal, Depends(require_role("admin"))]
