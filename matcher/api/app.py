"""The starlette application factory.

``create_app`` builds routes and handlers only; clients are created in the lifespan (once per
process) and closed on shutdown, so importing or building the app does no I/O.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from matcher import __version__
from matcher.api.errors import EXCEPTION_HANDLERS
from matcher.api.http import ApiRoute
from matcher.api.metrics import Metrics, metrics_endpoint
from matcher.api.middleware import RequestContextMiddleware
from matcher.api.openapi import build_openapi, render_docs
from matcher.api.routes.alerts import ROUTES as ALERT_ROUTES
from matcher.api.routes.auth import ROUTES as AUTH_ROUTES
from matcher.api.routes.bulletins import ROUTES as BULLETIN_ROUTES
from matcher.api.routes.changes import ROUTES as CHANGE_ROUTES
from matcher.api.routes.consent import ROUTES as CONSENT_ROUTES
from matcher.api.routes.health import ROUTES as HEALTH_ROUTES
from matcher.api.routes.imports import ROUTES as IMPORT_ROUTES
from matcher.api.routes.incentives import ROUTES as INCENTIVE_ROUTES
from matcher.api.routes.matching import ROUTES as MATCHING_ROUTES
from matcher.api.routes.postings import ROUTES as POSTING_ROUTES
from matcher.api.routes.privacy import ROUTES as PRIVACY_ROUTES
from matcher.api.routes.profiles import ROUTES as PROFILE_ROUTES
from matcher.api.routes.projects import ROUTES as PROJECT_ROUTES
from matcher.api.routes.referrals import ROUTES as REFERRAL_ROUTES
from matcher.api.routes.search import ROUTES as SEARCH_ROUTES
from matcher.api.routes.subscriptions import ROUTES as SUBSCRIPTION_ROUTES
from matcher.api.routes.taxonomy import ROUTES as TAXONOMY_ROUTES
from matcher.desk.routes import desk_mount
from matcher.embeddings import build_embedder
from matcher.foundation.clock import Clock
from matcher.foundation.logs import configure_logging
from matcher.foundation.settings import Settings
from matcher.services import EmbedderFactory, QueueFactory, open_services
from workers.queue import ArqQueue

logger = logging.getLogger("matcher.api.app")

API_ROUTES: list[ApiRoute] = [
    *HEALTH_ROUTES,
    *AUTH_ROUTES,
    *TAXONOMY_ROUTES,
    *PROFILE_ROUTES,
    *POSTING_ROUTES,
    *IMPORT_ROUTES,
    *MATCHING_ROUTES,
    *SEARCH_ROUTES,
    *CONSENT_ROUTES,
    *PRIVACY_ROUTES,
    *INCENTIVE_ROUTES,
    *BULLETIN_ROUTES,
    *REFERRAL_ROUTES,
    *ALERT_ROUTES,
    *CHANGE_ROUTES,
    *SUBSCRIPTION_ROUTES,
    *PROJECT_ROUTES,
]


def create_app(
    settings: Settings | None = None,
    *,
    embedder_factory: EmbedderFactory = build_embedder,
    queue_factory: QueueFactory = ArqQueue,
    clock: Clock | None = None,
    configure_logs: bool = True,
) -> Starlette:
    """Build the ASGI app. ``embedder_factory`` lets tests share one loaded model, ``clock``
    fixes the date the service sees."""
    settings = settings or Settings.from_env()
    if configure_logs:
        configure_logging(settings.log_level)
    openapi = build_openapi(API_ROUTES)
    docs_html = render_docs(openapi)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_services(settings, queue_factory, embedder_factory, clock=clock) as svc:
            app.state.services = svc
            logger.info(
                "started", extra={"version": __version__, "embedder": svc.embedder.model_id}
            )
            yield
        logger.info("stopped")

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(openapi)

    async def docs(request: Request) -> Response:
        return HTMLResponse(docs_html)

    routes = [
        *(r.route() for r in API_ROUTES),
        Route("/openapi.json", openapi_json, methods=["GET"], include_in_schema=False),
        Route("/docs", docs, methods=["GET"], include_in_schema=False),
        Route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False),
        desk_mount(settings.timezone),
    ]
    app = Starlette(routes=routes, exception_handlers=EXCEPTION_HANDLERS, lifespan=lifespan)
    app.state.metrics = Metrics()
    app.add_middleware(RequestContextMiddleware)
    return app
