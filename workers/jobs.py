"""Job functions. Each takes arq's ``ctx`` (with ``ctx["services"]``) and calls the same
service functions the API calls; arguments and results are JSON-serialisable."""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any, cast

from arq import Retry
from arq.typing import WorkerCoroutine

from matcher import __version__
from matcher.bulletins.schedule import publish_due
from matcher.duplicates.service import check_new_records
from matcher.imports.service import resume_stalled_imports
from matcher.imports.service import run_import as import_rows
from matcher.imports.service import sweep_uploads as delete_stale_uploads
from matcher.incentives.service import reflag_and_mark, reflag_if_behind
from matcher.lifecycle.service import run_lifecycle
from matcher.migrations.service import merge_matching_indexes
from matcher.referrals.service import reconcile_places as release_unrecorded_places
from matcher.services import Services
from matcher.subscriptions.service import deliver_alert as post_alert
from matcher.subscriptions.service import deliver_digest as post_digest
from matcher.subscriptions.service import match_new_records, queue_digests


async def health_check(ctx: dict[str, Any]) -> dict[str, Any]:
    """Prove the worker runs jobs and reaches its dependencies; returns what it saw."""
    svc: Services = ctx["services"]
    checks = await svc.store.readiness()
    return {
        "status": "ok" if all(v == "ok" for v in checks.values()) else "degraded",
        "checks": checks,
        "worker_pid": os.getpid(),
        "version": __version__,
        "embedder": svc.embedder.model_id,
        "job_try": ctx.get("job_try"),
    }


async def run_import(ctx: dict[str, Any], import_id: str) -> dict[str, Any]:
    """Import the file uploaded as ``import_id`` (see ``matcher.imports``)."""
    svc: Services = ctx["services"]
    return await import_rows(svc, import_id=import_id)


async def reflag_incentives(ctx: dict[str, Any]) -> dict[str, int]:
    """Recompute which policies each posting carries, after a policy changed."""
    svc: Services = ctx["services"]
    return await reflag_and_mark(svc)


async def reflag_sweep(ctx: dict[str, Any]) -> dict[str, Any]:
    """Re-flag when a policy version is still owed one (its job was never queued)."""
    svc: Services = ctx["services"]
    return await reflag_if_behind(svc)


async def publish_bulletins(ctx: dict[str, Any]) -> dict[str, Any]:
    """The scheduled publication: the last ended period's bulletins, where still missing."""
    svc: Services = ctx["services"]
    written = await publish_due(svc, today=svc.clock.today())
    return {"published": written}


async def resume_imports(ctx: dict[str, Any]) -> dict[str, list[str]]:
    """Queue again the imports whose run died; they go on from their checkpoint."""
    svc: Services = ctx["services"]
    return {"resumed": await resume_stalled_imports(svc)}


async def sweep_uploads(ctx: dict[str, Any]) -> dict[str, int]:
    """Delete import uploads (personal data) that no import will read again."""
    svc: Services = ctx["services"]
    return await delete_stale_uploads(svc)


async def reconcile_places(ctx: dict[str, Any]) -> dict[str, int]:
    """Give back posting places held by hires that were never recorded (a crash mid-hire)."""
    svc: Services = ctx["services"]
    return await release_unrecorded_places(svc)


async def posting_lifecycle(ctx: dict[str, Any]) -> dict[str, int]:
    """Expire postings past their validity, warn and tell their enterprises, ask hired seekers
    whether to pause, announce postings that open today, trim the change feed."""
    svc: Services = ctx["services"]
    return await run_lifecycle(svc)


async def match_subscriptions(ctx: dict[str, Any]) -> dict[str, int]:
    """Postings and profiles written since the last run against the saved searches: alerts
    in the inbox, webhook deliveries queued."""
    svc: Services = ctx["services"]
    return await match_new_records(svc)


async def find_duplicates(ctx: dict[str, Any]) -> dict[str, int]:
    """Postings and profiles written since the last run checked for duplicates: repeats
    flagged (bulletins count them once), enterprises and offices told."""
    svc: Services = ctx["services"]
    return await check_new_records(svc)


async def deliver_alert(ctx: dict[str, Any], alert_id: str) -> str:
    """POST one alert to its subscription's webhook; a failure is retried with exponential
    backoff (``MATCHER_WEBHOOK_BACKOFF_S`` doubling) until ``MATCHER_WEBHOOK_TRIES``, then the
    subscription is marked failing."""
    return await _with_backoff(
        ctx, lambda svc, last: post_alert(svc, alert_id=alert_id, last_try=last)
    )


async def digest_subscriptions(ctx: dict[str, Any]) -> dict[str, int]:
    """Queue the day's digest of every daily subscription with a webhook."""
    svc: Services = ctx["services"]
    return {"queued": await queue_digests(svc)}


async def deliver_digest(ctx: dict[str, Any], search_id: str) -> str:
    """POST a daily subscription's alerts since its last digest; retried like
    ``deliver_alert``."""
    return await _with_backoff(
        ctx, lambda svc, last: post_digest(svc, search_id=search_id, last_try=last)
    )


async def _with_backoff(
    ctx: dict[str, Any], deliver: Callable[[Services, bool], Awaitable[str]]
) -> str:
    """Run a webhook delivery, telling it whether this is its last try; a ``retry`` outcome
    is tried again after ``MATCHER_WEBHOOK_BACKOFF_S``, doubling each time."""
    svc: Services = ctx["services"]
    job_try = int(ctx.get("job_try") or 1)
    outcome = await deliver(svc, job_try >= svc.settings.webhook_tries)
    await svc.store.tallies.add("alert_deliveries", {"outcome": outcome})
    if outcome == "retry":
        raise Retry(defer=svc.settings.webhook_backoff_s * 2 ** (job_try - 1))
    return outcome


# How long one merge job waits for Elasticsearch before it hands the rest to its continuation.
MERGE_WAIT_S = 480
MERGE_CONTINUE_AFTER_S = 60


async def merge_segments(ctx: dict[str, Any]) -> dict[str, Any]:
    """The nightly merge of the matching indexes to one segment each (see
    ``indexes.maintenance``); nothing when ``MATCHER_MERGE_MAX_MB`` is 0. A merge longer than
    ``MERGE_WAIT_S`` goes on in Elasticsearch while this job ends and queues its continuation,
    which waits for the running merge and does the indexes not yet started: the job stays
    within an ordinary job timeout, and so does the lock a killed worker leaves on every job."""
    svc: Services = ctx["services"]
    if svc.settings.merge_max_mb == 0:
        return {"merged": [], "off": True}
    results = await merge_matching_indexes(
        svc, max_mb=svc.settings.merge_max_mb, wait_s=MERGE_WAIT_S
    )
    continued = None
    if any(r.pending for r in results):
        continued = f"merge-continued:{time.time_ns()}"
        await svc.jobs.enqueue("merge_segments", job_id=continued, defer_s=MERGE_CONTINUE_AFTER_S)
    return {"merged": [asdict(r) for r in results], "off": False, "continued": continued}


def counted(name: str, job: WorkerCoroutine) -> WorkerCoroutine:
    """``job`` with its outcome added to the ``worker_jobs`` tally: complete, retried, failed,
    or cancelled (arq cancels a job at its time-out, and a stopping worker its running jobs;
    the tally is written shielded, so the cancellation does not cut it off)."""

    @functools.wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        tallies = ctx["services"].store.tallies
        try:
            result = await job(ctx, *args, **kwargs)
        except Retry:
            await tallies.add("worker_jobs", {"function": name, "outcome": "retried"})
            raise
        except asyncio.CancelledError:
            labels = {"function": name, "outcome": "cancelled"}
            await asyncio.shield(tallies.add("worker_jobs", labels))
            raise
        except Exception:
            await tallies.add("worker_jobs", {"function": name, "outcome": "failed"})
            raise
        await tallies.add("worker_jobs", {"function": name, "outcome": "complete"})
        return result

    return cast(WorkerCoroutine, run)
