"""Where a request's time goes: named stages, timed per request.

The HTTP middleware opens a collection for each request (``collect``); code on the request's
path wraps its stages in ``stage(name)``; at the end the middleware writes the stages into the
access log (``stages_ms``) and into the ``matcher_stage_duration_seconds`` histogram. Stages
that run side by side (the BM25 and kNN searches of one match) are each timed on the wall
clock, so their sum can exceed the request's duration. A stage entered twice in one request
adds up. Outside a request (the worker, the command line) ``stage`` times nothing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

# The stages the service names, in the order a request meets them (docs/performance.md).
STAGES = (
    "auth",  # the bearer token resolved to a principal
    "rate_limit",  # the per-minute request count
    "read_record",  # the record being matched, read with its vector
    "read_query",  # a search text read for the trades it names (it embeds; cached as well)
    "embed",  # the query text embedded (a search; a cached text costs nothing)
    "es_bm25",  # keyword retrieval
    "es_knn",  # vector retrieval
    "incentives",  # the incentive policies in force
    "fusion",  # reciprocal-rank fusion of the two lists
    "rerank",  # hard rules, features, tiers and incentive grants of each candidate
    "consent",  # an enterprise's quota and its contact requests for the page
    "explain",  # the page's matches with their explanations, as response models
    "serialise",  # the response body written as JSON
)

_current: ContextVar[dict[str, float] | None] = ContextVar("stage_timings", default=None)


@contextmanager
def collect() -> Iterator[dict[str, float]]:
    """Collect the stages timed inside the block into the dict it yields (seconds)."""
    timings: dict[str, float] = {}
    token = _current.set(timings)
    try:
        yield timings
    finally:
        _current.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the block as stage ``name`` of the current request, if any."""
    timings = _current.get()
    if timings is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started


async def timed(name: str, awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` as stage ``name``."""
    with stage(name):
        return await awaitable
