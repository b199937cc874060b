"""The one mapping of errors to HTTP answers: every ``Problem`` (``matcher.foundation.problems``)
as RFC 9457 problem+json, starlette's own 404/405 likewise, a backing service that is out
(``matcher.store.outages``) as 503 with ``Retry-After``, anything else as a logged 500."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route

from matcher.foundation.problems import (
    NotFound,
    Problem,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
)
from matcher.store.outages import OUTAGE_TYPES, RETRY_AFTER_S, unreachable

PROBLEM_MEDIA_TYPE = "application/problem+json"

logger = logging.getLogger("matcher.errors")


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        problem.body(), status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


async def handle_problem(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, Problem):
        raise exc
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    if isinstance(exc, TooManyRequests | ServiceUnavailable):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return problem_response(exc, headers)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (unknown route) and 405 (wrong method) as problem+json."""
    if not isinstance(exc, HTTPException):
        raise exc
    if exc.status_code == 404:
        problem: Problem = NotFound(f"No resource at {request.url.path}")
    elif exc.status_code == 405:
        problem = _MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
        allowed = _methods_of(request)
        if allowed:  # every method of the path, not only those of the first route matched
            return problem_response(problem, {"Allow": ", ".join(sorted(allowed))})
    else:
        problem = _Generic(exc.status_code, str(exc.detail))
    response = problem_response(problem, dict(exc.headers or {}))
    return response


def _methods_of(request: Request) -> set[str]:
    """The methods the app's routes accept on this request's path."""
    methods: set[str] = set()
    for route in getattr(request.app, "routes", []):
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches({**request.scope, "method": "GET"})
            if match is not Match.NONE:
                methods |= route.methods
    return methods


async def handle_outage(request: Request, exc: Exception) -> Response:
    """A backing service out: 503 naming it, with Retry-After. (Handled here, in the
    exception middleware, not as a 500 that the server's error middleware re-raises.)"""
    service = unreachable(exc)
    if service is None:  # an error answer of the store that is not an outage: a bug
        return _logged_500(exc)
    logger.warning("%s unreachable", service, extra={"error_type": type(exc).__name__})
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.outages.labels(service).inc()
    problem = ServiceUnavailable(
        f"{service} is unreachable; try again in a few seconds", retry_after_s=RETRY_AFTER_S
    )
    return problem_response(problem, {"Retry-After": str(RETRY_AFTER_S)})


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    return _logged_500(exc)


def _logged_500(exc: Exception) -> Response:
    # The traceback goes to the log (no request data in it), never to the client.
    logger.error("unhandled error", exc_info=exc, extra={"error_type": type(exc).__name__})
    return problem_response(Problem("The server failed to handle this request; it was logged."))


class _MethodNotAllowed(Problem):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class _Generic(Problem):
    slug, title = "http-error", "HTTP error"

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status  # type: ignore[misc]


EXCEPTION_HANDLERS = {
    Problem: handle_problem,
    HTTPException: handle_http_exception,
    **dict.fromkeys(OUTAGE_TYPES, handle_outage),
    Exception: handle_unexpected,
}
