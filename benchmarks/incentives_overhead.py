"""What incentives cost: reading the policies, evaluating pairs, re-flagging postings, and
the opportunities feed — on generated data in a scratch index prefix.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -u benchmarks/incentives_overhead.py --postings 1000

Loads the packaged seed policies, indexes N generated postings and M generated profiles
(matcher.demo.generate, through the API's preparation: normalize, segment, embed), then
prints:
1. reading the policies in force (one ES query per request that shows incentives): p50/p95;
2. the evaluator alone: grants() over every posting × profile pair, pairs/s;
3. a full re-flag pass (``reflag_postings``) with nothing to change, and one after a new
   policy version that changes the flags of every remote key-project posting;
4. the opportunities feed for willing profiles, p50/p95 (its matching part included);
5. posting → candidates matching for the remote key-project postings with the policies in
   force and again after retiring them all (same data, same run): what incentives add.
Deletes its indexes at the end. Needs the local ES node (scripts/services.sh start).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

from elasticsearch.helpers import async_scan

from matcher.demo.generate import generate_postings, generate_profiles
from matcher.feed import service as feed
from matcher.foundation.principals import Principal, Role
from matcher.foundation.settings import Settings
from matcher.imports.service import KINDS
from matcher.incentives.models import PolicyIn
from matcher.incentives.service import (
    current_policies,
    in_force_policies,
    load_policy_file,
    put_policy,
    reflag_postings,
    retire_policy,
    seed_policy_text,
)
from matcher.matching.service import matches_for_posting
from matcher.policy.incentive_models import Policy
from matcher.policy.incentives import applicable, grants
from matcher.records.prepare import WriteContext, prepare
from matcher.services import Services, open_services
from workers.queue import ArqQueue

ADMIN = Principal(token_id="bench", role=Role.ADMIN, subject="bench")  # noqa: S106


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


async def index(svc: Services, kind: str, records: list[dict[str, object]]) -> None:
    spec = KINDS[kind]
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
        # As the API prepares a batch: postings read the policies they may carry.
        policies = await current_policies(svc) if kind == "postings" else None
        docs = await prepare(svc, spec, items, context=WriteContext(policies or ()))
        errors = await spec.repository(svc.store).write_many([(d["id"], d) for d in docs])
        if errors:
            raise RuntimeError(f"{kind}: {list(errors.items())[:3]}")
    await spec.repository(svc.store).refresh_now()


async def main(n_postings: int, n_profiles: int, seed: int) -> None:
    prefix = f"bench-incentives-{os.getpid()}"
    settings = Settings.from_env({**os.environ, "MATCHER_INDEX_PREFIX": prefix})
    async with open_services(settings, ArqQueue) as svc:
        await svc.store.ensure_indexes()
        try:
            await load_policy_file(
                svc, text=seed_policy_text(), source="seed_policies.yaml", recorded_by="bench"
            )
            started = time.perf_counter()
            await index(svc, "postings", generate_postings(n_postings, seed))
            await index(svc, "profiles", generate_profiles(n_profiles, seed))
            print(
                f"indexed {n_postings} postings, {n_profiles} profiles in "
                f"{time.perf_counter() - started:.0f} s (embedding dominates)"
            )

            reads = []
            for _ in range(200):
                t = time.perf_counter()
                policies = await in_force_policies(svc)
                reads.append((time.perf_counter() - t) * 1000)
            print(
                f"1. policies in force ({len(policies)}): p50 {pct(reads, 0.5):.2f} ms, "
                f"p95 {pct(reads, 0.95):.2f} ms"
            )

            postings = [
                h["_source"]
                async for h in _scan(
                    svc,
                    "postings",
                    ["region_code", "occupation_code", "key_project", "contract_months"],
                )
            ]
            profiles = [
                h["_source"]
                async for h in _scan(
                    svc, "profiles", ["region_code", "skill_level", "willing_to_relocate"]
                )
            ]
            evaluator(svc, policies, postings, profiles)

            t = time.perf_counter()
            idle = await reflag_postings(svc)
            idle_s = time.perf_counter() - t
            body = PolicyIn.model_validate(
                {
                    "name": "bench: all remote key projects",
                    "authority": "bench",
                    "valid_from": "2026-01-01",
                    "benefits": [{"kind": "appraisal_priority", "unit": "in_kind"}],
                    "eligibility": {"key_project": True, "area": "configured_remote"},
                }
            )
            await put_policy(svc, policy_id="bench-all", body=body, recorded_by="bench")
            t = time.perf_counter()
            busy = await reflag_postings(svc)
            busy_s = time.perf_counter() - t
            print(
                f"3. re-flag {idle['scanned']} postings: nothing to change {idle_s * 1000:.0f} ms; "
                f"after a new policy, {busy['changed']} changed in {busy_s * 1000:.0f} ms"
            )

            willing = [
                h["_id"]
                async for h in _scan(svc, "profiles", ["willing_to_relocate"])
                if h["_source"].get("willing_to_relocate")
            ][:100]
            times, non_empty = [], 0
            for profile_id in willing:
                t = time.perf_counter()
                found = await feed.opportunities(svc, principal=ADMIN, profile_id=profile_id)
                times.append((time.perf_counter() - t) * 1000)
                non_empty += found.total > 0
            print(
                f"4. feed for {len(willing)} willing profiles: p50 {pct(times, 0.5):.1f} ms, "
                f"p95 {pct(times, 0.95):.1f} ms, mean {statistics.fmean(times):.1f} ms; "
                f"{non_empty} non-empty"
            )
            remote = [
                h["_id"]
                async for h in _scan(svc, "postings", ["incentive_policy_ids"])
                if h["_source"].get("incentive_policy_ids")
            ][:50]

            async def match_times() -> list[float]:
                out = []
                for _ in range(2):
                    for posting_id in remote:
                        t = time.perf_counter()
                        await matches_for_posting(svc, principal=ADMIN, posting_id=posting_id)
                        out.append((time.perf_counter() - t) * 1000)
                return out

            with_policies = await match_times()
            for policy in await current_policies(svc):
                await retire_policy(svc, policy_id=policy.policy_id, recorded_by="bench")
            without = await match_times()
            print(
                f"5. matches for {len(remote)} incentive postings ×2: with policies p50 "
                f"{pct(with_policies, 0.5):.1f} / p95 {pct(with_policies, 0.95):.1f} ms; "
                f"all retired p50 {pct(without, 0.5):.1f} / p95 {pct(without, 0.95):.1f} ms"
            )
        finally:
            await svc.store.drop_all()
    print(
        f"machine: {platform.machine()} {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d}, embedder {settings.embedder}"
    )


def evaluator(
    svc: Services,
    policies: Sequence[Policy],
    postings: Sequence[dict[str, Any]],
    profiles: Sequence[dict[str, Any]],
) -> None:
    """Step 2: ``grants()`` over every posting × profile pair, then as ranking calls it."""
    regions, today = svc.taxonomy.regions, date.today()
    t = time.perf_counter()
    granted = 0
    for posting in postings:
        for profile in profiles:
            granted += bool(grants(policies, posting, profile, day=today, regions=regions))
    took = time.perf_counter() - t
    pairs = len(postings) * len(profiles)
    t = time.perf_counter()
    for posting in postings:
        # As ranking does it: the posting side once per posting.
        mine = applicable(policies, posting, day=today, regions=regions)
        for profile in profiles:
            grants(mine, posting, profile, day=today, regions=regions)
    ranked = time.perf_counter() - t
    print(
        f"2. evaluator: {pairs} pairs × {len(policies)} policies: grants() per pair "
        f"{pairs / took:,.0f} pairs/s; posting side once per posting "
        f"{pairs / ranked:,.0f} pairs/s ({granted} pairs granted something)"
    )


async def _scan(svc: Services, kind: str, fields: list[str]) -> AsyncIterator[dict[str, Any]]:
    async for hit in async_scan(
        svc.store.es,
        index=KINDS[kind].repository(svc.store).spec.read_alias,
        query={"sort": ["_doc"]},
        _source_includes=fields,
    ):
        yield hit


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postings", type=int, default=1000)
    parser.add_argument("--profiles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    asyncio.run(main(args.postings, args.profiles, args.seed))
