"""Pure ASGI middleware: the request size limit and the structured access log."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("agentdesk.server.access")


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": data})


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413, whether or not the client sent a
    Content-Length (chunked bodies are counted as they arrive, then replayed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detail = {"detail": f"the request body is larger than the limit of "
                            f"{self.max_bytes} bytes: send smaller batches"}
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_bytes
            except ValueError:
                await _send_json(send, 400, {"detail": "invalid Content-Length"})
                return
            if too_big:
                await _send_json(send, 413, detail)
                return
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await _send_json(send, 413, detail)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _templated_path(scope: Scope) -> str:
    """The path with its parameters put back as {names}: no customer ids in the log."""
    params = {str(v): k for k, v in (scope.get("path_params") or {}).items()}
    parts = scope["path"].split("/")
    for i in range(len(parts) - 1, 0, -1):  # parameters sit at the end of our routes
        name = params.pop(parts[i], None)
        if name is not None:
            parts[i] = "{" + name + "}"
    return "/".join(parts)


class AccessLog:
    """One log line per request: method, path, status, duration, user id. No query
    string (it can hold a phone number), no body, no client address."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        scope.setdefault("state", {})

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            entry = {
                "method": scope["method"],
                "path": _templated_path(scope),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "user_id": scope["state"].get("user_id"),
            }
            access_log.info(json.dumps(entry), extra={"access": entry})
