"""ASGI middleware: the body size limit, and the count and time of every request.

uvicorn reads a request body of any size; FastAPI would hold it whole before
validating it. So the body is read here first, at most ``max_body`` bytes: a
body over the limit is refused with 413, naming ``--max-body``. Its rest is read
and dropped first (up to ``DRAIN_FACTOR`` times the limit), so that a client
still sending gets the 413 rather than a reset connection; a body larger than
that, by its ``Content-Length`` or as it arrives, is refused at once and the
connection closed. A body that
is not UTF-8 is refused with 422 like any other malformed JSON (FastAPI would
answer 400). What passes is handed on to the application unchanged.
"""

import time
from typing import Any, Callable, Dict, Optional

from starlette.responses import JSONResponse

from ..errors import Errors
from .metrics import ServeMetrics

Scope = Dict[str, Any]
PATHS = (
    "/",
    "/v1/analyze",
    "/v1/render",
    "/health",
    "/ready",
    "/metrics",
    "/docs",
    "/redoc",
    "/openapi.json",
)


def error_response(
    metrics: ServeMetrics,
    status: int,
    code: str,
    message: str,
    headers: Optional[Dict[str, str]] = None,
) -> JSONResponse:
    """A refusal: ``{"code": ..., "detail": ...}`` with its status, counted."""
    metrics.errors.labels(code=code).inc()
    body = {"code": code, "detail": message}
    return JSONResponse(body, status_code=status, headers=headers)


# How many times --max-body a refused body may be read and dropped before the
# 413, so that the client, still sending, can read the answer.
DRAIN_FACTOR = 16


class LimitsMiddleware:
    """Reads POST bodies up to ``max_body`` bytes and times every request.

    app: The ASGI application.
    max_body (int): The most bytes a request body may have.
    metrics (ServeMetrics): Where requests and latencies are counted.
    """

    def __init__(self, app: Any, max_body: int, metrics: ServeMetrics) -> None:
        self.app = app
        self.max_body = max_body
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"] if scope["path"] in PATHS else "other"
        status = {"code": 500}

        async def send_counted(message: Dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        start = time.perf_counter()
        try:
            if scope["method"] == "POST":
                await self._with_body(scope, receive, send_counted)
            else:
                await self.app(scope, receive, send_counted)
        finally:
            labels = {"path": path, "status": str(status["code"])}
            self.metrics.requests.labels(**labels).inc()
            elapsed = time.perf_counter() - start
            self.metrics.latency.labels(path=path).observe(elapsed)

    async def _with_body(self, scope: Scope, receive: Callable, send: Callable):
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            size = f" (this one has {declared})"
            if declared <= self.max_body * DRAIN_FACTOR:
                await _drain(receive, self.max_body * DRAIN_FACTOR)
            await self._too_large(scope, receive, send, size)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                if message.get("more_body", False):
                    await _drain(receive, self.max_body * DRAIN_FACTOR - size)
                await self._too_large(scope, receive, send, "")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as e:
            reason = f"{e.reason} at byte {e.start}"
            message = Errors.E588.format(reason=reason)
            response = error_response(self.metrics, 422, "E588", message)
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope, receive, send, size: str) -> None:
        message = Errors.E583.format(limit=self.max_body, size=size)
        headers = {"Connection": "close"}  # the rest of the body is not read
        response = error_response(self.metrics, 413, "E583", message, headers)
        await response(scope, receive, send)


async def _drain(receive: Callable, limit: int) -> None:
    """Read and drop the rest of a request body, at most ``limit`` bytes."""
    while limit > 0:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        limit -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _content_length(scope: Scope) -> Optional[int]:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
