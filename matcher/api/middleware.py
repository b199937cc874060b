"""ASGI middleware: a request id on every response and one access-log line per request, with
the time each stage of the request took (``matcher.foundation.timing``)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matcher.foundation import timing
from matcher.foundation.logs import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is reused only when it is short and plain, so it cannot inject into logs.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

access_log = logging.getLogger("matcher.policy.access")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = (
            dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        )
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            with timing.collect() as timings:
                try:
                    await self.app(scope, receive, send_with_id)
                finally:
                    self._record(scope, status, time.perf_counter() - started, timings)
        finally:
            request_id_var.reset(token)

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float, timings: dict[str, float]) -> None:
        route = scope.get("route")
        # The route template, not the raw path: no ids or query strings in logs or metrics.
        template = getattr(route, "path", None) or "unmatched"
        access_log.info(
            "request",
            extra={
                "method": scope["method"],
                "route": template,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "stages_ms": {k: round(v * 1000, 2) for k, v in timings.items()},
            },
        )
        metrics = getattr(getattr(scope.get("app"), "state", None), "metrics", None)
        if metrics is not None:
            metrics.observe(scope["method"], template, status, seconds, timings)
