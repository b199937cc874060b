"""The arq worker: settings shared by every job, and its startup/shutdown.

- JSON job serialisation (never pickle: Redis content must not be able to run code).
- Callers give job ids (``_job_id``) derived from what the job does, so a duplicate enqueue
  while the first is queued, running or its result kept is a no-op.
- Bounded tries and per-job timeouts; results kept for an hour for progress pages.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, cast
from zoneinfo import ZoneInfo

from arq.connections import RedisSettings
from arq.cron import CronJob, cron
from arq.typing import WorkerCoroutine
from arq.worker import Function, Worker, func

from matcher.embeddings import Embedder, build_embedder
from matcher.foundation.cron import Schedule, parse_schedule
from matcher.foundation.logs import configure_logging
from matcher.foundation.settings import Settings
from matcher.imports.service import RUN_SLICE_S
from matcher.services import Services, build_services
from matcher.store.outages import unreachable
from workers.jobs import (
    counted,
    deliver_alert,
    deliver_digest,
    digest_subscriptions,
    find_duplicates,
    health_check,
    match_subscriptions,
    merge_segments,
    posting_lifecycle,
    publish_bulletins,
    reconcile_places,
    reflag_incentives,
    reflag_sweep,
    resume_imports,
    run_import,
    sweep_uploads,
)
from workers.queue import ArqQueue, job_deserializer, job_serializer

logger = logging.getLogger("matcher.worker")

MAX_TRIES = 3
JOB_TIMEOUT_S = 600
KEEP_RESULT_S = 3600


def _job(job: WorkerCoroutine, name: str, timeout_s: int, max_tries: int) -> Function:
    """A function the worker runs by ``name``, its outcomes tallied (workers.jobs.counted)."""
    return func(counted(name, job), name=name, timeout=timeout_s, max_tries=max_tries)


FUNCTIONS = [
    _job(health_check, "health_check", 30, MAX_TRIES),
    # An import runs in slices of at most RUN_SLICE_S, each a job of its own; a run that dies
    # is resumed from its checkpoint by resume_imports (never retried blindly by arq).
    _job(run_import, "run_import", RUN_SLICE_S + 600, 1),
    _job(resume_imports, "resume_imports", 60, 1),
    # Idempotent (recomputes every posting's flags from the current policies): safe to retry.
    _job(reflag_incentives, "reflag_incentives", JOB_TIMEOUT_S, MAX_TRIES),
    _job(sweep_uploads, "sweep_uploads", JOB_TIMEOUT_S, MAX_TRIES),
    _job(reflag_sweep, "reflag_sweep", JOB_TIMEOUT_S, MAX_TRIES),
    _job(publish_bulletins, "publish_bulletins", JOB_TIMEOUT_S, MAX_TRIES),
    _job(reconcile_places, "reconcile_places", JOB_TIMEOUT_S, MAX_TRIES),
    # Follows the change logs from its own position; alerts are written once each.
    _job(match_subscriptions, "match_subscriptions", 120, 1),
    _job(find_duplicates, "find_duplicates", 120, 1),
    # Retries itself (arq Retry, backoff) up to MATCHER_WEBHOOK_TRIES; the bound here is
    # the largest that setting allows.
    _job(deliver_alert, "deliver_alert", 60, 20),
    _job(deliver_digest, "deliver_digest", 60, 20),
    _job(digest_subscriptions, "digest_subscriptions", 120, MAX_TRIES),
    # Idempotent: each step changes or tells nothing twice (matcher.lifecycle).
    _job(posting_lifecycle, "posting_lifecycle", JOB_TIMEOUT_S, MAX_TRIES),
    # Idempotent (an index in one segment is skipped); Elasticsearch finishes a merge whose
    # caller went away, and a second call waits for the running one. A long merge is waited
    # for by continuations (workers.jobs.MERGE_WAIT_S), never by one job for hours: arq locks
    # every job a killed worker held for the longest timeout here.
    _job(merge_segments, "merge_segments", JOB_TIMEOUT_S, MAX_TRIES),
]


def cron_jobs(settings: Settings) -> list[CronJob]:
    """The bulletin publication on ``MATCHER_BULLETIN_CRON`` (see matcher.bulletins.schedule),
    the hourly check for posting places held by unrecorded hires, the nightly segment merge
    on ``MATCHER_MERGE_CRON`` (see indexes.maintenance) and the ten-minute incentive re-flag
    sweep, the hourly sweep of import uploads nothing will read, and the posting life cycle
    every 15 minutes."""
    bulletins = parse_schedule(settings.bulletin_cron, "MATCHER_BULLETIN_CRON")
    merge = parse_schedule(settings.merge_cron, "MATCHER_MERGE_CRON")
    return [
        _scheduled(publish_bulletins, "publish_bulletins_scheduled", JOB_TIMEOUT_S, bulletins),
        _scheduled(
            reconcile_places,
            "reconcile_places_hourly",
            JOB_TIMEOUT_S,
            Schedule(minute={17}, hour=None, day=None, month=None),
        ),
        _scheduled(merge_segments, "merge_segments_nightly", JOB_TIMEOUT_S, merge),
        _scheduled(
            sweep_uploads,
            "sweep_uploads_hourly",
            JOB_TIMEOUT_S,
            Schedule(minute={47}, hour=None, day=None, month=None),
        ),
        _scheduled(
            posting_lifecycle,
            "posting_lifecycle_15min",
            JOB_TIMEOUT_S,
            Schedule(minute={7, 22, 37, 52}, hour=None, day=None, month=None),
        ),
        # The daily digests of subscriptions that asked for one (07:30, before the day's work).
        _scheduled(
            digest_subscriptions,
            "digest_subscriptions_daily",
            JOB_TIMEOUT_S,
            Schedule(minute={30}, hour={7}, day=None, month=None),
        ),
        # New postings and profiles against the saved searches (alerts, webhooks).
        _every_5s(match_subscriptions, "match_subscriptions_5s", offset=1, timeout_s=120),
        # New postings and profiles checked for duplicates (matcher.duplicates).
        _every_5s(find_duplicates, "find_duplicates_5s", offset=3, timeout_s=120),
        # Imports whose run died (a killed worker) go on from their checkpoint.
        _every_5s(resume_imports, "resume_imports_5s", offset=2, timeout_s=60),
        # The incentive re-flag outbox: a version whose job was never queued (Redis was out
        # when it was written) is re-flagged within ten minutes.
        _scheduled(
            reflag_sweep,
            "reflag_sweep_10min",
            JOB_TIMEOUT_S,
            Schedule(minute=set(range(3, 60, 10)), hour=None, day=None, month=None),
        ),
    ]


def _every_5s(job: WorkerCoroutine, name: str, *, offset: int, timeout_s: int) -> CronJob:
    """A sweep every five seconds (at second ``offset``, 5 + offset …): one try, no result
    kept, never two at the same moment; the next run is the retry."""
    return cron(
        counted(name, job),
        name=name,
        second=set(range(offset, 60, 5)),
        timeout=timeout_s,
        keep_result=0,
        max_tries=1,
        unique=True,
    )


def _scheduled(job: WorkerCoroutine, name: str, timeout_s: int, when: Schedule) -> CronJob:
    """A cron entry named apart from its function (arq keys both by name, so an entry of the
    same name would take the function's place when it is enqueued), keeping results and
    retrying failures like the functions; ``unique`` keeps two workers from running it at the
    same moment."""
    return cron(
        counted(name, job),
        name=name,
        minute=when.minute,
        hour=when.hour,
        day=when.day,
        month=when.month,
        timeout=timeout_s,
        keep_result=KEEP_RESULT_S,
        max_tries=MAX_TRIES,
        unique=True,
    )


def create_worker(
    settings: Settings,
    *,
    burst: bool = False,
    embedder_factory: Callable[[Settings], Embedder] = build_embedder,
    handle_signals: bool = True,
) -> Worker:
    """A worker for the settings' Redis and queue; ``burst`` drains the queue and returns."""

    async def startup(ctx: dict[str, Any]) -> None:
        embedder = await asyncio.to_thread(embedder_factory, settings)
        ctx["services"] = await asyncio.to_thread(
            build_services, settings, embedder, ArqQueue(settings)
        )

    async def shutdown(ctx: dict[str, Any]) -> None:
        svc: Services | None = ctx.get("services")
        if svc is not None:
            await svc.close()

    return Worker(
        functions=FUNCTIONS,
        cron_jobs=cron_jobs(settings),
        # arq types this as a fixed offset but only passes it to datetime.now(tz=...), where
        # any tzinfo works; a ZoneInfo keeps daylight-saving regions right.
        timezone=cast(Any, ZoneInfo(settings.timezone)),
        queue_name=settings.queue_name,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        burst=burst,
        handle_signals=handle_signals,
        job_serializer=job_serializer,
        job_deserializer=job_deserializer,
        max_tries=MAX_TRIES,
        job_timeout=JOB_TIMEOUT_S,
        keep_result=KEEP_RESULT_S,
        max_jobs=4,
        poll_delay=0.2,
    )


# After Redis went away the worker starts again, waiting 1, 2, 4 … up to 30 s between tries;
# a worker that then ran a minute without trouble starts the count again.
RESTART_DELAYS_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
STEADY_S = 60.0


def run_worker(settings: Settings) -> None:
    """Run until interrupted. arq's poll loop raises when Redis goes away; the worker then
    starts again with backoff instead of exiting for good. Queued jobs survive in Redis (the
    append-only file is on); a job that was running is retried by arq as usual."""
    configure_logging(settings.log_level)
    embedder: list[Embedder] = []

    def once(s: Settings) -> Embedder:  # the model is loaded once, not on every restart
        if not embedder:
            embedder.append(build_embedder(s))
        return embedder[0]

    failures = 0
    while True:
        started = time.monotonic()
        try:
            create_worker(settings, embedder_factory=once).run()
            return  # stopped by a signal
        except Exception as exc:
            if unreachable(exc) is None and not isinstance(exc, OSError):
                raise
            if time.monotonic() - started > STEADY_S:
                failures = 0
            delay = RESTART_DELAYS_S[min(failures, len(RESTART_DELAYS_S) - 1)]
            failures += 1
            logger.warning(
                "Redis unreachable; the worker starts again in %.0f s",
                delay,
                extra={"error_type": type(exc).__name__, "restart": failures},
            )
            time.sleep(delay)
