"""The app factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from agentdesk.server.api.deps import ServerState
from agentdesk.server.api.middleware import AccessLog, BodySizeLimit
from agentdesk.server.api.routes import (
    auth,
    campaigns,
    customers,
    health,
    records,
    reference,
    scripts,
    sync,
)
from agentdesk.server.config import Settings
from agentdesk.server.db import make_engine
from agentdesk.server.login import dummy_hash
from agentdesk.server.security import (
    LoginRateLimiter,
    PasswordCheckPool,
    parse_proxies,
    password_hasher,
)
from agentdesk.server.users import use_token_cache

API_PREFIX = "/api/v1"


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    # a key a client chose may hold NUL or a lone surrogate: the answer must encode
    return ".".join(str(part) for part in loc).encode("utf-8", "backslashreplace") \
        .decode("utf-8").replace("\x00", "\\x00")


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field_path(err.get("loc", ())), "message": err.get("msg", ""),
               "type": err.get("type", "")} for err in exc.errors()]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return JSONResponse(status_code=422,
                        content={"detail": f"invalid request: {summary}", "errors": errors})


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)
    use_token_cache(engine, settings.token_cache_seconds, settings.token_recheck_seconds)

    hasher = password_hasher(settings)
    # Two thread pools: the request threads (as many as database connections, so a
    # thread never waits for a connection while holding its place), which every
    # route that touches the database uses; and argon2's few threads, which only
    # logins use, behind a bounded queue (a flood of logins cannot starve sync).
    # A hashing thread holds a connection only for its short read of the account:
    # the engine's overflow connections cover them.
    password_checks = PasswordCheckPool(settings.login_hash_workers, settings.login_queue,
                                        settings.login_per_address)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.db_pool_size
        yield

    app = FastAPI(title="agentdesk server", version="1", lifespan=lifespan,
                  description="Reference data, sync and records for agentdesk desktops.")
    app.state.server = ServerState(
        settings=settings, engine=engine, hasher=hasher,
        limiter=LoginRateLimiter(settings.login_max_failures, settings.login_window_seconds,
                                 max_seconds=settings.login_backoff_max_seconds,
                                 address_burst=settings.login_address_burst,
                                 address_per_minute=settings.login_address_failures_per_minute),
        password_checks=password_checks, dummy_hash=dummy_hash(hasher),
        trusted_proxies=parse_proxies(settings.trusted_proxies))
    app.add_exception_handler(RequestValidationError, _validation_error)
    # customers before reference: /customers/search is not /customers/{customer_id}
    for module in (health, auth, sync, records, customers, reference, scripts, campaigns):
        app.include_router(module.router, prefix=API_PREFIX)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(AccessLog)
    return app


def freeze_startup_objects() -> None:
    """For a serving process, once its app is built: everything loaded so far (FastAPI,
    SQLAlchemy, pydantic: hundreds of thousands of objects) lives as long as the
    process. Out of the cycle collector's sight, a full collection no longer pauses
    requests for tens of milliseconds. (Not in create_app: a test process builds
    many apps and must keep collecting them.)"""
    gc.collect()
    gc.freeze()


def app_from_environment() -> FastAPI:
    """The factory `serve --workers N` gives uvicorn: each worker process builds its
    app from the `AGENTDESK_*` environment the CLI set up."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(Settings())
    freeze_startup_objects()
    return app
