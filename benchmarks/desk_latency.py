"""Desk page latency: what a staff member waits for at the window.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/desk_latency.py --profiles 600

Fills a scratch prefix (``bench-desk-<pid>``, dropped at the end, also on error) with generated
profiles and postings prepared like the API does (real embeddings), serves the app in-process
(httpx ASGI transport, the lifespan running), signs in to the desk as the bootstrap admin and
times, client side:

- the candidates page for a posting (match + referral lookup + rendering), next to its
  baseline ``matches_for_posting`` alone on the same postings;
- the walk-in page (search + hard-rule checks + rendering) for worker descriptions, next to
  ``search_postings`` alone with the same text;
- the referral steps through the desk's forms (propose, contacted, interviewed, hired — each a
  post and its redirect), the hire including the posting's conditional headcount update.

p50 / p95 / max in ms. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import httpx

from matcher.api.app import create_app
from matcher.demo.generate import generate_postings, generate_profiles
from matcher.foundation.principals import Principal, Role
from matcher.foundation.settings import Settings
from matcher.imports.service import KINDS
from matcher.incentives.service import current_policies
from matcher.matching.service import matches_for_posting
from matcher.records.prepare import WriteContext, prepare
from matcher.search.models import PostingSearch
from matcher.search.service import search_postings
from matcher.services import Services

ADMIN_TOKEN = "bench-desk-admin-token-" + str(os.getpid())
ADMIN = Principal(token_id="bench", role=Role.ADMIN, subject="bench")  # noqa: S106 - an id
WALKINS = [
    "干了十年电焊，有特种作业证",
    "开了八年挖掘机，会修液压",
    "在电厂做过五年电工，高压低压都干过",
    "数控车床操作，会编程，中级工",
    "锅炉工，持证上岗十几年",
    "做过护理，照顾老人",
]


def percentiles(ms: Sequence[float]) -> str:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.1f}   p95 {p95:7.1f}   max {ordered[-1]:7.1f}"


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def fill(svc: Services, profiles: int, postings: int) -> list[str]:
    for kind, records in (
        ("profiles", generate_profiles(profiles, 7)),
        ("postings", generate_postings(postings, 7)),
    ):
        spec = KINDS[kind]
        repo = spec.repository(svc.store)
        items = []
        for record in records:
            body = {k: v for k, v in record.items() if k not in ("id", "valid_from", "valid_until")}
            if kind == "postings":
                body["status"] = "active"
                body["headcount"] = max(int(body.get("headcount", 1)), 5)
            items.append((record["id"], spec.model.model_validate(body), None))
        for start in range(0, len(items), 200):
            # As the API prepares a batch: postings read the policies they may carry.
            policies = await current_policies(svc) if kind == "postings" else None
            docs = await prepare(
                svc, spec, items[start : start + 200], context=WriteContext(policies or ())
            )
            errors = await repo.write_many([(d["id"], d) for d in docs])
            assert not errors, errors
        await repo.refresh_now()
    resp = await svc.store.es.search(
        index=svc.store.indexes.postings.read_alias, query={"match_all": {}}, size=postings
    )
    return [hit["_id"] for hit in resp["hits"]["hits"]]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=600)
    parser.add_argument("--postings", type=int, default=60)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--referrals", type=int, default=15)
    args = parser.parse_args()
    prefix = f"bench-desk-{os.getpid()}"
    settings = Settings.from_env(
        {
            **os.environ,
            "MATCHER_INDEX_PREFIX": prefix,
            "MATCHER_ADMIN_TOKEN": ADMIN_TOKEN,
            "MATCHER_LOG_LEVEL": "WARNING",
        }
    )
    app = create_app(settings, configure_logs=False)
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    async with app.router.lifespan_context(app):
        svc: Services = app.state.services
        try:
            await svc.store.ensure_indexes()
            started = time.perf_counter()
            posting_ids = await fill(svc, args.profiles, args.postings)
            print(
                f"filled {args.profiles} profiles, {len(posting_ids)} postings "
                f"in {time.perf_counter() - started:.0f} s"
            )
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as desk:
                form = await desk.get("/desk/login")
                csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
                assert csrf
                resp = await desk.post(
                    "/desk/login",
                    data={"token": ADMIN_TOKEN, "staff": "bench", "csrf": csrf.group(1)},
                )
                assert resp.status_code == 303, resp.text
                await report(desk, svc, posting_ids, args)
        finally:
            dropped = await svc.store.drop_all()
            print(f"dropped {len(dropped)} scratch indexes")


async def report(
    desk: httpx.AsyncClient, svc: Services, posting_ids: list[str], args: argparse.Namespace
) -> None:
    cycle = [posting_ids[i % len(posting_ids)] for i in range(args.requests)]
    for pid in cycle[:5]:  # warm-up
        await desk.get("/desk/candidates", params={"posting": pid})

    async def page(pid: str) -> None:
        resp = await desk.get("/desk/candidates", params={"posting": pid})
        assert resp.status_code == 200

    async def walk(text: str) -> None:
        resp = await desk.get("/desk/walkin", params={"q": text, "grade": "3"})
        assert resp.status_code == 200

    baseline = [
        await timed(partial(matches_for_posting, svc, principal=ADMIN, posting_id=pid))
        for pid in cycle
    ]
    pages = [await timed(partial(page, pid)) for pid in cycle]
    texts = [WALKINS[i % len(WALKINS)] for i in range(args.requests)]
    search = [
        await timed(partial(search_postings, svc, body=PostingSearch(q=t, grade=3, limit=20)))
        for t in texts
    ]
    walkins = [await timed(partial(walk, t)) for t in texts]
    print(f"\n{args.requests} requests each, ms (client side, in-process ASGI)")
    print(f"  matches_for_posting alone (baseline) {percentiles(baseline)}")
    print(f"  /desk/candidates page                {percentiles(pages)}")
    print(f"  search_postings alone (baseline)     {percentiles(search)}")
    print(f"  /desk/walkin page                    {percentiles(walkins)}")

    steps: dict[str, list[float]] = {
        k: [] for k in ("propose", "contacted", "interviewed", "hired")
    }
    page_html = (await desk.get("/desk/candidates", params={"posting": posting_ids[0]})).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page_html)
    assert csrf
    done = 0
    for pid in posting_ids:
        if done >= args.referrals:
            break
        ranked, _ = await matches_for_posting(svc, principal=ADMIN, posting_id=pid)
        if not ranked:
            continue
        data = {"posting_id": pid, "profile_id": ranked[0].record_id, "csrf": csrf.group(1)}
        ms = await timed(partial(desk.post, "/desk/referrals", data=data))
        steps["propose"].append(ms)
        listed = await desk.get("/desk/referrals")
        rid = re.search(r'data-referral="([^"]+)"', listed.text)
        assert rid
        for status in ("contacted", "interviewed", "hired"):
            url = f"/desk/referrals/{rid.group(1)}/status"
            form = {"status": status, "csrf": csrf.group(1)}
            steps[status].append(await timed(partial(desk.post, url, data=form)))
        done += 1
    print(f"\n{done} referrals through the desk's forms, ms per post (redirect not followed)")
    for name, values in steps.items():
        if values:
            print(f"  {name:<12} {percentiles(values)}")


if __name__ == "__main__":
    asyncio.run(main())
