"""``GET /metrics``: the API process's counters in Prometheus's text format.

Per route template (never the raw path) and status: requests and their latency, and the time
spent in each stage of a request (``matcher.foundation.timing``); failures of
Elasticsearch and Redis answered 503; the job queue's depth, read at each scrape; and the
workers' tallies (jobs by function and outcome, import rows, webhook deliveries), which the
workers add up in Redis (``matcher.store.tallies``) and each scrape reads. The registry
belongs to the app (a process running several apps, as the tests do, keeps them apart); with
several API processes, scrape each. Reading needs ``MATCHER_METRICS_TOKEN`` or the admin token
as a bearer token; anything else is a 404, as for an unknown path. Alert rules for the
outages these show are in docs/operations.md.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from matcher.foundation.problems import NotFound
from matcher.services import Services
from matcher.store.tallies import SERIES, parse_field

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Stages are short: finer at the low end (a cached embedding, a fusion take well under 1 ms).
_STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class WorkerTallies(Collector):
    """The workers' tallies as counters, from the snapshot the scrape read last."""

    def __init__(self) -> None:
        self.snapshot: dict[str, int] = {}

    def collect(self) -> Iterator[Metric]:
        families = {
            series: CounterMetricFamily(f"matcher_{series}", what, labels=list(names))
            for series, (what, names) in SERIES.items()
        }
        for stored, total in sorted(self.snapshot.items()):
            parsed = parse_field(stored)
            if parsed is not None:
                series, labels = parsed
                families[series].add_metric(list(labels.values()), total)
        yield from families.values()


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    tallies: WorkerTallies = field(default_factory=WorkerTallies)

    def __post_init__(self) -> None:
        r = self.registry
        r.register(self.tallies)
        self.requests = Counter(
            "matcher_http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "matcher_http_request_duration_seconds",
            "HTTP request duration",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.stages = Histogram(
            "matcher_stage_duration_seconds",
            "Time a request spent in one stage (matcher.foundation.timing.STAGES)",
            ["route", "stage"],
            buckets=_STAGE_BUCKETS,
            registry=r,
        )
        self.outages = Counter(
            "matcher_dependency_unavailable",
            "Requests answered 503 because a backing service was out",
            ["service"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "matcher_queue_depth", "Jobs waiting in the worker's queue", registry=r
        )
        self.scrape_errors = Counter(
            "matcher_metrics_scrape_errors",
            "Scrapes that could not read a gauge (its dependency was out)",
            ["gauge"],
            registry=r,
        )

    def observe(
        self,
        method: str,
        route: str,
        status: int,
        seconds: float,
        stages: Mapping[str, float] | None = None,
    ) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
        for name, spent in (stages or {}).items():
            self.stages.labels(route, name).observe(spent)


def _allowed(request: Request, services: Services) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    names: tuple[Literal["metrics_token", "admin_token"], ...] = ("metrics_token", "admin_token")
    for name in names:
        secret = services.settings.secret(name)
        if secret and hmac.compare_digest(token.encode(), secret.encode()):
            return True
    return False


async def metrics_endpoint(request: Request) -> Response:
    services: Services = request.app.state.services
    metrics: Metrics = request.app.state.metrics
    if not _allowed(request, services):
        raise NotFound(f"No resource at {request.url.path}")
    try:
        metrics.queue_depth.set(await services.store.queue_depth(services.settings.queue_name))
    except Exception:  # Redis out: the other series still answer, and the scrape says so
        metrics.scrape_errors.labels("queue_depth").inc()
    try:
        metrics.tallies.snapshot = await services.store.tallies.read()
    except Exception:  # the last totals read stay (counters only grow)
        metrics.scrape_errors.labels("worker_tallies").inc()
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
