"""The desktop's HTTP client for the server's API: login, refresh, push, pull.

Every failure is one of three exceptions, so the sync service can decide without
looking at HTTP details:

- `ServerUnreachableError`: connection refused/reset, timeout, 5xx, 429 - back off and retry;
- `UnauthorizedError`: 401 - the token is dead (refresh or log in again);
- `RequestRejectedError`: any other 4xx - retrying the same request cannot help.

Each response's `Date` header is kept as `server_time`: the server's clock is the
authoritative one; the client's is only compared with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from agentdesk.sync.wire import (
    Health,
    LoginRequest,
    PullResponse,
    PushBatch,
    PushResult,
    TokenResponse,
)

API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)

T = TypeVar("T", bound=BaseModel)


class ApiError(Exception):
    """A request failed; `str()` is a sentence fit for the agent's status bar."""


class ServerUnreachableError(ApiError):
    pass


class UnauthorizedError(ApiError):
    pass


class RequestRejectedError(ApiError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Reply(Generic[T]):
    body: T
    server_time: datetime | None  # the response's Date header (1 s resolution)
    clock_offset: float | None  # server minus client, seconds, at the request midpoint
    replayed: bool = False  # the server answered a replayed idempotency key


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(data, dict) and isinstance(data.get("detail"), str):
        return str(data["detail"])
    return str(data)[:200]


class ApiClient:
    """Thread-compatible: used by one sync worker thread at a time."""

    def __init__(self, base_url: str, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.base_url = base_url.rstrip("/")
        self._clock = clock
        self._http = httpx.Client(base_url=self.base_url + API_PREFIX, timeout=timeout,
                                  transport=transport,
                                  headers={"User-Agent": "agentdesk-desktop"})

    def close(self) -> None:
        self._http.close()

    # --- endpoints ------------------------------------------------------------------

    def login(self, username: str, password: str) -> Reply[TokenResponse]:
        body = LoginRequest(username=username, password=password).model_dump(mode="json")
        return self._call("POST", "/auth/login", TokenResponse, json=body)

    def refresh(self, token: str) -> Reply[TokenResponse]:
        return self._call("POST", "/auth/refresh", TokenResponse, token=token)

    def push(self, token: str, batch: PushBatch) -> Reply[PushResult]:
        return self._call("POST", "/sync/push", PushResult, token=token,
                          json=batch.model_dump(mode="json"))

    def health(self) -> Reply[Health]:
        return self._call("GET", "/health", Health)

    def pull(self, token: str, cursor: int, limit: int) -> Reply[PullResponse]:
        return self._call("GET", "/sync/pull", PullResponse, token=token,
                          params={"cursor": cursor, "limit": limit})

    # --- plumbing -------------------------------------------------------------------

    def _call(self, method: str, path: str, model: type[T], *, token: str | None = None,
              **kwargs: Any) -> Reply[T]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        sent = self._clock()
        started = time.monotonic()
        try:
            response = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException:
            raise ServerUnreachableError(
                f"the server at {self.base_url} did not answer in time") from None
        except httpx.TransportError as exc:
            raise ServerUnreachableError(
                f"cannot reach the server at {self.base_url} ({type(exc).__name__})") from None
        status = response.status_code
        if status == 401:
            raise UnauthorizedError(_detail(response))
        if status == 429 or status >= 500:
            raise ServerUnreachableError(f"the server is busy or failing (HTTP {status})")
        if status >= 400:
            raise RequestRejectedError(status, f"the server refused it: {_detail(response)}")
        try:
            body = model.model_validate(response.json())
        except (ValueError, ValidationError):
            raise ServerUnreachableError(
                f"the server sent an unexpected answer to {method} {path}") from None
        server_time = _server_time(response)
        offset = None
        if server_time is not None:
            midpoint = sent.timestamp() + (time.monotonic() - started) / 2
            offset = server_time.timestamp() - midpoint
        return Reply(body, server_time, offset,
                     replayed=response.headers.get("Idempotent-Replayed") == "true")


def _server_time(response: httpx.Response) -> datetime | None:
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None
