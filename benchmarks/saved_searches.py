"""What it costs to find the saved searches a new posting satisfies, at 100,000 saved searches.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -u benchmarks/saved_searches.py --searches 100000

In a scratch index prefix: prepares N generated postings as the API does (normalize, segment,
embed), stores S saved searches built from them (their words are 1–2 title words of a random
posting, their trade its minor group; some name a region, a wage floor, a grade, an industry
or incentives only; a tenth state nothing; three in ten follow a profile's trade), then prints:

1. the inverted check (``matcher.store.saved_searches``): one query per new posting, p50/p95
   ms and how many candidates it returns;
2. the whole step per posting as the job runs it (inverted check, then the confirming
   multi-search), p50/p95;
3. the baseline in the same run: a loop over every saved search (scan all, check each in
   Python with the same conditions) for a few postings, and whether both find the same set;
4. end to end: a posting written through the service until its alert is in the inbox, with
   the job run every 5 s as the worker's cron runs it, at the configured settle time.

Deletes its indexes at the end. Needs the local ES node and Redis (scripts/services.sh start).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import random
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

from elasticsearch.helpers import async_scan

from matcher.demo.generate import generate_postings
from matcher.foundation.principals import Principal, Role
from matcher.foundation.settings import Settings
from matcher.foundation.text import tokens
from matcher.imports.service import KINDS
from matcher.incentives.service import current_policies, in_force_policies
from matcher.postings.models import PostingIn
from matcher.postings.service import put_posting
from matcher.records.prepare import WriteContext, prepare
from matcher.services import Services, open_services
from matcher.store.queries import InboxScope, is_open_posting
from matcher.store.saved_searches import meets_conditions, posting_conditions, unstated
from matcher.subscriptions.models import SubscriptionIn
from matcher.subscriptions.service import (
    create_subscription,
    match_new_records,
    notices_for_postings,
    posting_traits,
)
from workers.queue import ArqQueue

ADMIN = Principal(token_id="bench", role=Role.ADMIN, subject="bench")  # noqa: S106
KINDS_CHECKED = ["postings", "profile_matches"]
# The league-cities of Inner Mongolia (the region the demo data lies in).
CITIES = [
    "1501",
    "1502",
    "1503",
    "1504",
    "1505",
    "1506",
    "1507",
    "1508",
    "1509",
    "1522",
    "1525",
    "1529",
]


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def saved_search(
    i: int, rng: random.Random, sources: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """One saved search or subscription, drawn like a region's users would make them (see the
    module's text): trades, titles and places from the generated postings."""
    source = rng.choice(sources)
    code = str(source.get("occupation_code") or "")
    city = str(source["region_code"])[:4]
    stamp = "2026-01-01T00:00:00Z"
    doc: dict[str, Any] = unstated() | {
        "id": f"ss-{i:06d}",
        "owner": f"seeker:bench-{i}",
        "owner_role": "seeker",
        "owner_subject": f"bench-{i}",
        "kind": "postings",
        "name": "",
        "delivery": "instant",
        "webhook_state": "none",
        "webhook_failures": 0,
        "match_any": False,
        "confirm_in_search": False,
        "created_at": stamp,
        "updated_at": stamp,
        "indexed_at": stamp,
    }
    roll = rng.random()
    if roll < 0.55:  # a subscription to a profile's or a posting's trade
        kind = "profile_matches" if roll < 0.30 else "posting_candidates"
        doc |= {"kind": kind, "target_id": f"rec-{i}", "occupation_groups": [code[:7]]}
        if kind == "profile_matches":
            doc |= _profile_places(rng, city)
        return doc
    doc["search"] = _search_of(doc, rng, source, city, filters_only=roll < 0.60)
    return doc


def _profile_places(rng: random.Random, city: str) -> dict[str, Any]:
    place = rng.random()
    if place < 0.7:
        return {"region_scope": [city]}
    if place < 0.9:
        return {"region_scope": sorted({city, *rng.sample(CITIES, k=rng.choice((1, 2)))})}
    return {}


def _search_of(
    doc: dict[str, Any],
    rng: random.Random,
    source: Mapping[str, Any],
    city: str,
    *,
    filters_only: bool,
) -> dict[str, Any]:
    """Fill ``doc``'s structured part and return the search it stands for."""
    code = str(source.get("occupation_code") or "")
    search: dict[str, Any] = {}
    if filters_only:  # a place and often a wage floor
        doc["match_any"] = True
        doc["region_scope"] = [city]
        search["region_code"] = city + "00"
        if rng.random() < 0.5:
            doc["wage_floor"] = search["wage_floor"] = rng.choice((5000, 6000, 8000, 10000))
    else:
        title_words = [w for w in tokens(str(source.get("title") or "")) if len(w) > 1]
        words = sorted(set(rng.sample(title_words, k=min(len(title_words), rng.choice((1, 2))))))
        doc |= {
            "words": words,
            "words_count": len(words),
            "occupation_codes": [code] if code else [],
            "occupation_groups": [code[:7]] if code else [],
        }
        search["q"] = " ".join(words)
        if rng.random() < 0.8:
            chosen = city if rng.random() < 0.8 else rng.choice(CITIES)
            doc["region_scope"] = [chosen]
            search["region_code"] = chosen + "00"
        if rng.random() < 0.3:
            doc["wage_floor"] = search["wage_floor"] = rng.choice((4000, 5000, 6000, 8000))
        if rng.random() < 0.2:
            doc["grade"] = search["grade"] = rng.choice((2, 3, 4))
        if rng.random() < 0.05 and source.get("industry"):
            doc["industry"] = search["industry"] = source["industry"]
        if rng.random() < 0.03:
            doc["incentives_only"] = search["remote_incentives_only"] = True
    return search


async def prepare_postings(svc: Services, n: int, seed: int) -> list[dict[str, Any]]:
    spec = KINDS["postings"]
    records = generate_postings(n, seed)
    out: list[dict[str, Any]] = []
    policies = await current_policies(svc)
    for start in range(0, len(records), 128):
        chunk = records[start : start + 128]
        items = [
            (
                str(r["id"]),
                spec.model.model_validate({k: v for k, v in r.items() if k != "id"}),
                None,
            )
            for r in chunk
        ]
        docs = await prepare(svc, spec, items, context=WriteContext(policies))
        errors = await svc.store.postings.write_many([(d["id"], d) for d in docs])
        if errors:
            raise RuntimeError(f"postings: {list(errors.items())[:3]}")
        out.extend(dict(d) for d in docs)
    await svc.store.postings.refresh_now()
    return out


async def store_searches(svc: Services, n_searches: int, seed: int) -> None:
    rng = random.Random(seed)
    started = time.perf_counter()
    sources = generate_postings(20_000, seed + 1)
    docs = [saved_search(i, rng, sources) for i in range(n_searches)]
    for start in range(0, len(docs), 5000):
        chunk = docs[start : start + 5000]
        errors = await svc.store.saved_searches.write_many(
            [(d["id"], d) for d in chunk]  # type: ignore[misc]
        )
        if errors:
            raise RuntimeError(f"saved searches: {list(errors.items())[:3]}")
    await svc.store.saved_searches.refresh_now()
    await svc.store.es.indices.forcemerge(
        index=svc.store.indexes.saved_searches.write_alias, max_num_segments=1
    )
    print(f"stored {n_searches} saved searches in {time.perf_counter() - started:.0f} s")
    # The generated searches are not the service's to hold: drop them, so the collector's
    # pauses over them do not count as the check's time.
    del docs, sources
    gc.collect()


async def time_checks(svc: Services, new: Sequence[Mapping[str, Any]], live: list[str]) -> None:
    """1. the inverted check, and where its time goes."""
    for p in new[:20]:  # warm up
        await svc.store.saved_searches.candidates(
            KINDS_CHECKED, posting_conditions(posting_traits(p, live))
        )
    checks, counts, counting, ids_only = [], [], [], []
    index = svc.store.indexes.saved_searches.read_alias
    for p in new:
        conditions = posting_conditions(posting_traits(p, live))
        t = time.perf_counter()
        found = await svc.store.saved_searches.candidates(KINDS_CHECKED, conditions)
        checks.append((time.perf_counter() - t) * 1000)
        counts.append(len(found))
        # The same query counting only, and returning ids only.
        query = {"bool": {"filter": [{"terms": {"kind": KINDS_CHECKED}}, *conditions]}}
        t = time.perf_counter()
        await svc.store.es.count(index=index, query=query)
        counting.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        await svc.store.es.search(
            index=index, query=query, size=5000, source=False, track_total_hits=False
        )
        ids_only.append((time.perf_counter() - t) * 1000)
    print(
        f"1. inverted check, {len(new)} new postings: p50 {pct(checks, 0.5):.1f} ms, "
        f"p95 {pct(checks, 0.95):.1f} ms; candidates p50 {pct(counts, 0.5):.0f}, "
        f"p95 {pct(counts, 0.95):.0f}, max {max(counts)}"
    )
    print(
        f"   the same query counting only: p50 {pct(counting, 0.5):.1f} ms, p95 "
        f"{pct(counting, 0.95):.1f} ms; returning ids only: p50 {pct(ids_only, 0.5):.1f}"
        f" ms, p95 {pct(ids_only, 0.95):.1f} ms"
    )


async def time_steps(svc: Services, new: Sequence[Mapping[str, Any]]) -> None:
    """2. the job's whole step per posting."""
    steps = []
    for p in new[:100]:
        t = time.perf_counter()
        await notices_for_postings(svc, [str(p["id"])])
        steps.append((time.perf_counter() - t) * 1000)
    print(
        f"2. whole step per posting (check + confirming multi-search), {len(steps)} "
        f"postings: p50 {pct(steps, 0.5):.1f} ms, p95 {pct(steps, 0.95):.1f} ms"
    )


async def time_baseline(
    svc: Services, sample: Sequence[Mapping[str, Any]], live: list[str]
) -> None:
    """3. the baseline: a loop over every saved search, checked in Python."""
    loops, agree = [], 0
    for p in sample:
        t = time.perf_counter()
        traits = posting_traits(p, live)
        hits = set()
        async for hit in async_scan(
            svc.store.es,
            index=svc.store.indexes.saved_searches.read_alias,
            query={"query": {"terms": {"kind": KINDS_CHECKED}}},
            size=5000,
        ):
            if meets_conditions(hit["_source"], traits):
                hits.add(hit["_id"])
        loops.append((time.perf_counter() - t) * 1000)
        found = await svc.store.saved_searches.candidates(KINDS_CHECKED, posting_conditions(traits))
        agree += {d["id"] for d in found} == hits
    print(
        f"3. baseline, loop over all saved searches: {statistics_line(loops)}; "
        f"same candidates as the inverted check for {agree} of {len(sample)} postings"
    )


async def main(n_searches: int, n_postings: int, seed: int, e2e: bool) -> None:
    prefix = f"bench-saved-{os.getpid()}"
    settings = Settings.from_env(
        {**os.environ, "MATCHER_INDEX_PREFIX": prefix, "MATCHER_QUEUE_NAME": f"{prefix}:queue"}
    )
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    async with open_services(settings, ArqQueue) as svc:
        await svc.store.ensure_indexes()
        try:
            started = time.perf_counter()
            postings = await prepare_postings(svc, n_postings, seed)
            print(f"prepared {len(postings)} postings in {time.perf_counter() - started:.0f} s")
            await store_searches(svc, n_searches, seed)
            today = svc.clock.today()
            live = [p.policy_id for p in await in_force_policies(svc, today)]
            new = [p for p in postings if is_open_posting(p, today)]
            await time_checks(svc, new, live)
            await time_steps(svc, new)
            await time_baseline(svc, new[:5], live)
            if e2e:
                await end_to_end(svc, new[0])
        finally:
            dropped = await svc.store.drop_all()
            await svc.store.redis.delete(
                svc.store.posting_changes.key, svc.store.profile_changes.key
            )
            print(f"dropped {len(dropped)} indexes")


def statistics_line(values: Sequence[float]) -> str:
    return f"{len(values)} postings, mean {sum(values) / len(values):.0f} ms per posting"


async def end_to_end(svc: Services, template: Mapping[str, Any]) -> None:
    """A saved search, then a posting it matches written through the service; the job runs
    every 5 s (the worker's cron) until the alert is in the inbox."""
    await match_new_records(svc)  # the job's place in the logs
    owner = Principal(token_id="bench", role=Role.SEEKER, subject="bench-e2e")  # noqa: S106
    body = SubscriptionIn.model_validate(
        {"kind": "postings", "search": {"q": str(template.get("title") or "")}}
    )
    sub = await create_subscription(svc, principal=owner, body=body)
    fields = {k: template[k] for k in PostingIn.model_fields if k in template}
    fields["required_certificates"] = [
        {k: v for k, v in c.items() if k != "key"} for c in fields.get("required_certificates", [])
    ]
    fields |= {"enterprise_id": "bench-ent", "status": "active"}
    started = time.perf_counter()
    await put_posting(svc, principal=ADMIN, posting_id="e2e-posting", body=PostingIn(**fields))
    written = time.perf_counter()
    runs = 0
    while True:
        runs += 1
        t = time.perf_counter()
        done = await match_new_records(svc)
        job_ms = (time.perf_counter() - t) * 1000
        docs, _, _ = await svc.store.alerts.page(
            InboxScope(f"seeker:{owner.subject}"), unread_only=False, offset=0, limit=10
        )
        if any(d.get("subscription_id") == sub.id for d in docs):
            break
        if time.perf_counter() - written > 300:
            print("4. end to end: no alert within 300 s")
            return
        await asyncio.sleep(5)
    total = time.perf_counter() - started
    print(
        f"4. end to end (settle {svc.settings.feed_settle_s:.0f} s, job every 5 s): write "
        f"{(written - started) * 1000:.0f} ms, alert in the inbox {total:.1f} s "
        f"after the write began ({runs} job runs; the run that found it took {job_ms:.0f} ms, "
        f"{done['postings_read']} log entries)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end timing")
    args = parser.parse_args()
    asyncio.run(main(args.searches, args.postings, args.seed, not args.no_e2e))
