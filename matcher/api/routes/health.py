"""Probes for orchestrators: liveness is the process, readiness is its dependencies too."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response

from matcher import __version__
from matcher.api.http import ApiRoute, Call, json_response
from matcher.foundation.problems import ServiceUnavailable
from matcher.store.health import OK


class Health(BaseModel):
    status: str
    version: str


class Ready(BaseModel):
    status: str
    checks: dict[str, str]


async def healthz(call: Call[None, None]) -> Response:
    """The process is up and serving; says nothing about Elasticsearch or Redis."""
    return json_response(Health(status="ok", version=__version__))


async def readyz(call: Call[None, None]) -> Response:
    """Elasticsearch and Redis reachable and every index present; else 503 naming what is down."""
    svc = call.services
    checks = await svc.store.readiness()
    down = [name for name, state in checks.items() if state != OK]
    if down:
        raise ServiceUnavailable(f"Not ready: {', '.join(down)}", checks=checks)
    return json_response(Ready(status="ready", checks=checks))


ROUTES = [
    ApiRoute("/healthz", "GET", healthz, "Liveness", None, "health", response=Health),
    ApiRoute("/readyz", "GET", readyz, "Readiness", None, "health", response=Ready),
]
