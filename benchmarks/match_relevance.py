"""Match relevance: posting → candidate profiles, BM25 alone, kNN alone and the full pipeline.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/match_relevance.py [--variants]
        [--read-postings]

Data, ``benchmarks/data/match_relevance.jsonl`` (UTF-8, one JSON object a line):

    {"kind": "meta", "written": "YYYY-MM-DD", "method": "..."}
    {"kind": "posting", "id": ID, "body": <PostingIn>,
     "judge": {"same": [CODE, ...], "related": [CODE, ...], "key_skills": [TEXT, ...]}}
    {"kind": "profile", "id": ID, "body": <ProfileIn>, "truth_codes": [CODE, ...],
     "labels": {POSTING_ID: 0-3, ...}, "note": "why, where the label is not obvious"}

``body`` is exactly what ``PUT /v1/postings/{id}`` or ``PUT /v1/profiles/{id}`` accepts. The
postings and profiles were written by hand, and labelled, before any system output was seen.
``judge`` is the desk's reading of a posting: the occupations that ARE the job (``same``), the
ones that are near it (``related``) and the words that show the experience it asks for
(``key_skills``). ``truth_codes`` is the desk's reading of what a seeker does (profiles may omit
``occupation_codes`` and leave them to the title normalizer, which can be wrong).

Relevance of a (posting, profile) pair, graded as a public employment office would:
- a pair failing a hard rule (grade, employment access, mandatory certificate) is 0: the office
  may not introduce them (docs/domain.md), and all three rankings exclude them alike;
- an explicit label in the profile's ``labels`` wins (the desk's judgement, with a note);
- otherwise the rule: a true occupation in ``same`` starts at 3 (excellent); minus 1 when the
  seeker is neither in the posting's league-city nor willing to move nor prefers its region;
  minus 1 when nothing in the title, summary or skills shows a ``key_skills`` item; minus 1
  when the expected wage is above the posting's top, and at most 1 when more than 25 % above;
  never below 1. A true occupation in ``related`` is 1; anything else 0.
Distractors are the demo generator's profiles (seeded), labelled by the same rule with the
trade their text describes (their first occupation code) as the truth.

Rankings, all under the same hard-rule filters (``candidate_filters``), so all three are compared
on the same eligible set: BM25 alone and kNN alone are the raw orders of ``retrieve`` with
mode "bm25" / "knn" (the BM25 query keeps the service's occupation-code boost); the full
pipeline is ``matches_for_posting`` (RRF fusion and feature re-ranking). Metrics: nDCG@10
(gain 2^label - 1), Recall@10, Recall@50 and MRR over labels >= 2. ``--variants`` also scores
alternative ranking configurations (``variants``) on the same data, fold by fold.
``--read-postings`` drops every posting's ``occupation_code``, so the service reads the
occupation from the posting's title, description and certificates as it does for most real
postings, and prints how many it read right (a code in the posting's ``same``).
Needs the local ES node (scripts/services.sh start); writes to a scratch index prefix only.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import os
import platform
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import anyio

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

from indexes.documents import PostingDoc, ProfileDoc
from matcher.demo.generate import generate_profiles
from matcher.foundation.principals import Principal, Role
from matcher.foundation.settings import Settings
from matcher.imports.service import KINDS
from matcher.incentives.service import current_policies
from matcher.matching.service import Retrieval, matches_for_posting, retrieve
from matcher.policy.fairness import field_errors
from matcher.policy.ranking import RankingConfig
from matcher.policy.rules import check
from matcher.records.prepare import WriteContext, prepare
from matcher.services import Services, open_services
from matcher.store.rule_filters import candidate_filters
from workers.queue import ArqQueue

DATA = Path(__file__).parent / "data" / "match_relevance.jsonl"
ADMIN = Principal(token_id="bench", role=Role.ADMIN, subject="bench")  # noqa: S106 - an id
SYSTEMS = ("BM25 only", "kNN only", "full pipeline")
Doc = Mapping[str, Any]


@dataclasses.dataclass
class Case:
    """One posting: its judge block and, per system, the ranked profile ids."""

    posting_id: str
    judge: dict[str, list[str]]
    covered: bool  # the generator has profiles of the same occupation
    labels: dict[str, int]  # eligible profiles only
    rankings: dict[str, list[str]] = dataclasses.field(default_factory=dict)


def reweighed(config: RankingConfig, **changes: float) -> RankingConfig:
    """``config`` with some weights replaced (on the normalized scale), normalized again."""
    weights = config.weights | changes
    total = sum(weights.values())
    return dataclasses.replace(config, weights={k: w / total for k, w in weights.items()})


def variants(shipped: RankingConfig) -> dict[str, RankingConfig]:
    """Alternative ranking configurations for --variants (matching.yaml is not changed):
    each feature left out in turn, then a few changes of weight and of the RRF constant."""
    out = {"shipped (matching.yaml)": shipped}
    out |= {f"without {name}": reweighed(shipped, **{name: 0.0}) for name in shipped.weights}
    out |= {
        "retrieval 0.30": reweighed(shipped, retrieval=0.30),
        "retrieval 0.40, no experience": reweighed(shipped, retrieval=0.40, experience=0.0),
        "rrf_k 20": dataclasses.replace(shipped, rrf_k=20),
        "rrf_k 5": dataclasses.replace(shipped, rrf_k=5),
        # The latency benchmark's lean retrieval: half the hits to fetch and re-rank.
        "lean: BM25 50, kNN 50/100, depth 100": dataclasses.replace(
            shipped, bm25_size=50, knn_k=50, knn_num_candidates=100, rerank_depth=100
        ),
        # The keyword query without its commonest words (benchmarks/bm25_query.py).
        "BM25 words in ≤ 20 % of profiles": dataclasses.replace(
            shipped, bm25_max_share=0.2, bm25_max_share_from=0
        ),
        "BM25 words in ≤ 5 % of profiles": dataclasses.replace(
            shipped, bm25_max_share=0.05, bm25_max_share_from=0
        ),
        "BM25 all words": dataclasses.replace(shipped, bm25_max_share=None),
    }
    return out


def load_data(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    meta: dict[str, Any] = {}
    posts, profs = [], []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        kind = record.get("kind")
        if kind == "meta":
            meta = record
        elif kind == "posting":
            posts.append(record)
        elif kind == "profile":
            profs.append(record)
        else:
            raise ValueError(f"{path.name}:{number}: unknown kind {kind!r}")
    return meta, posts, profs


def validated(svc: Services, kind: str, records: Sequence[dict[str, Any]]) -> list[Any]:
    """The API's own checks (fairness, model, catalog codes): the data must be admissible."""
    spec, items = KINDS[kind], []
    for record in records:
        problems = field_errors(
            record["body"], spec.text_fields, self_description=spec.self_description
        )
        body = spec.model.model_validate(record["body"])
        problems += spec.catalog_errors(body, svc.taxonomy)
        if problems:
            raise ValueError(f"{record['id']}: {problems}")
        items.append((record["id"], body, None))
    return items


async def index(svc: Services, kind: str, items: Sequence[Any]) -> list[dict[str, Any]]:
    spec = KINDS[kind]
    repo = spec.repository(svc.store)
    docs: list[dict[str, Any]] = []
    for start in range(0, len(items), 128):
        # As the API prepares a batch: postings read the policies they may carry.
        policies = await current_policies(svc) if kind == "postings" else None
        batch = await prepare(
            svc, spec, items[start : start + 128], context=WriteContext(policies or ())
        )
        errors = await repo.write_many([(d["id"], d) for d in batch])
        if errors:
            raise RuntimeError(f"{kind}: {len(errors)} documents failed: {errors}")
        docs += batch
    await repo.refresh_now()
    return docs


def rule_label(
    posting: Doc, profile: Doc, truth: Sequence[str], judge: Mapping[str, Any], regions: Any
) -> int:
    """The stated labelling rule (module docstring) for pairs without an explicit label."""
    if set(truth) & set(judge["same"]):
        label = 3
        where, home = posting["region_code"], profile["region_code"]
        near = (
            regions.city_of(where) == regions.city_of(home)
            or profile.get("willing_to_relocate")
            or any(regions.within(where, p) for p in profile.get("preferred_region_codes") or [])
        )
        label -= 0 if near else 1
        text = " ".join(
            [profile.get("title", ""), profile.get("summary", ""), *profile.get("skills", [])]
        ).lower()
        keys = judge.get("key_skills") or []
        label -= 1 if keys and not any(k.lower() in text for k in keys) else 0
        expected, top = profile.get("expected_monthly_wage"), posting.get("wage_max")
        top = top if top is not None else posting.get("wage_min")
        if expected and top:
            if expected > 1.25 * top:
                label = min(label, 1)
            elif expected > top:
                label -= 1
        return max(label, 1)
    return 1 if set(truth) & set(judge["related"]) else 0


def ndcg(ranked: Sequence[str], labels: Mapping[str, int], k: int = 10) -> float | None:
    ideal = sorted(labels.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    if best == 0:
        return None
    got = sum((2 ** labels.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    return float(got / best)


def recall(ranked: Sequence[str], labels: Mapping[str, int], k: int = 50) -> float | None:
    relevant = {d for d, g in labels.items() if g >= 2}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else None


def mrr(ranked: Sequence[str], labels: Mapping[str, int]) -> float | None:
    if not any(g >= 2 for g in labels.values()):
        return None
    return next((1 / i for i, d in enumerate(ranked, start=1) if labels.get(d, 0) >= 2), 0.0)


def summary(cases: Sequence[Case], system: str) -> tuple[float, float, float, float, int]:
    """Mean nDCG@10, Recall@10, Recall@50 and MRR over the postings where each is defined."""

    def mean(metric: Any) -> float:
        values = [v for c in cases if (v := metric(c.rankings[system], c.labels)) is not None]
        return sum(values) / len(values) if values else float("nan")

    def recall10(ranked: Sequence[str], labels: Mapping[str, int]) -> float | None:
        return recall(ranked, labels, 10)

    return mean(ndcg), mean(recall10), mean(recall), mean(mrr), len(cases)


def table(title: str, rows: Sequence[tuple[str, Sequence[Case], str]]) -> None:
    print(f"\n{title}")
    print(f"  {'':20} {'postings':>8} {'nDCG@10':>8} {'R@10':>7} {'R@50':>7} {'MRR':>7}")
    for name, cases, system in rows:
        n10, r10, r50, rr, n = summary(cases, system)
        print(f"  {name:20} {n:8d} {n10:8.3f} {r10:7.3f} {r50:7.3f} {rr:7.3f}")


async def rank_all(svc: Services, cases: Sequence[Case], docs: Mapping[str, Doc]) -> list[str]:
    """Fill every case's three rankings; returns retrieved ids that break a hard rule."""
    today, violations = svc.clock.today(), []
    for case in cases:
        posting = await svc.store.postings.get(case.posting_id, with_vector=True)
        if posting is None or not posting.get("embedding"):
            raise LookupError(f"posting {case.posting_id} was not indexed with its vector")
        # The same filters and boost as matches_for_posting.
        code = posting.get("occupation_code")
        query = Retrieval(
            text=posting.get("search_text", ""),
            vector=posting.get("embedding"),
            filters=candidate_filters(posting, today),
            must_not=[],
            boosts=[{"term": {"occupation_codes": {"value": code, "boost": 3}}}] if code else [],
        )
        repo = svc.store.profiles
        bm25 = await retrieve(repo, query, svc.ranking, mode="bm25")
        knn = await retrieve(repo, query, svc.ranking, mode="knn")
        full, _ = await matches_for_posting(svc, principal=ADMIN, posting_id=case.posting_id)
        case.rankings = {
            "BM25 only": [f.record_id for f in bm25],
            "kNN only": [f.record_id for f in knn],
            "full pipeline": [s.record_id for s in full],
        }
        for ranked in case.rankings.values():
            violations += [d for d in ranked if d not in case.labels and d in docs]
    return violations


async def main(
    distractors: int,
    seed: int,
    with_variants: bool,
    per_posting: bool,
    dump: Path | None,
    read_postings: bool = False,
) -> None:
    started = time.perf_counter()
    meta, post_records, prof_records = load_data(DATA)
    if read_postings:
        # As most real postings arrive: no code; the service reads title, text, certificates.
        post_records = [
            r | {"body": {k: v for k, v in r["body"].items() if k != "occupation_code"}}
            for r in post_records
        ]
    generated = generate_profiles(distractors, seed)
    prefix = f"bench-relevance-{os.getpid()}"
    settings = Settings.from_env({**os.environ, "MATCHER_INDEX_PREFIX": prefix})
    async with open_services(settings, ArqQueue) as svc:
        await svc.store.ensure_indexes()
        try:
            gen_records = [
                {"id": r["id"], "body": {k: v for k, v in r.items() if k != "id"}}
                for r in generated
            ]
            prof_docs = await index(
                svc, "profiles", validated(svc, "profiles", prof_records + gen_records)
            )
            post_docs = await index(svc, "postings", validated(svc, "postings", post_records))
            if read_postings:
                judged = {r["id"]: r["judge"]["same"] for r in post_records}
                right = sum(d.get("occupation_code") in judged[d["id"]] for d in post_docs)
                print(f"postings read without a code: occupation right {right}/{len(post_docs)}")
            docs = {d["id"]: d for d in prof_docs}
            truth = {r["id"]: r["truth_codes"] for r in prof_records}
            truth |= {r["id"]: r["occupation_codes"][:1] for r in generated}
            explicit = {r["id"]: r["labels"] for r in prof_records}
            gen_codes = {r["occupation_codes"][0] for r in generated}
            pool = Pool(docs, truth, explicit, gen_codes)
            cases, excluded, counts = build_cases(svc, post_records, post_docs, pool)
            violations = await rank_all(svc, cases, docs)
            variant_names = await score_variants(svc, cases) if with_variants else []
        finally:
            await svc.store.drop_all()
    if dump:
        rows = [dataclasses.asdict(c) for c in cases]
        await anyio.Path(dump).write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    run = Run(
        meta=meta,
        hand=len(prof_records),
        distractors=distractors,
        seed=seed,
        active=sum(d["status"] == "active" for d in docs.values()),
        cases=cases,
        counts=counts,
        excluded=excluded,
        violations=violations,
        variant_names=variant_names,
    )
    report(svc, run, seconds=time.perf_counter() - started, per_posting=per_posting)


@dataclasses.dataclass(frozen=True)
class Pool:
    """The profiles every posting is ranked against, and what the desk knows of them."""

    docs: Mapping[str, Doc]  # id → indexed document
    truth: Mapping[str, Sequence[str]]  # id → what the seeker does (``truth_codes``)
    explicit: Mapping[str, Mapping[str, int]]  # id → posting id → hand label
    gen_codes: set[str]  # the occupations the generated distractors hold


def build_cases(
    svc: Services,
    post_records: Sequence[dict[str, Any]],
    post_docs: Sequence[Doc],
    pool: Pool,
) -> tuple[list[Case], list[tuple[str, str, int]], Counter[int]]:
    """Labels of every eligible pair; also the hand labels >= 2 that a hard rule excludes."""
    docs, truth, explicit, gen_codes = pool.docs, pool.truth, pool.explicit, pool.gen_codes
    today, regions = svc.clock.today(), svc.taxonomy.regions
    by_id = {d["id"]: d for d in post_docs}
    cases, excluded, counts = [], [], Counter[int]()
    for record in post_records:
        posting, judge = by_id[record["id"]], record["judge"]
        labels: dict[str, int] = {}
        for profile_id, profile in docs.items():
            given = explicit.get(profile_id, {}).get(record["id"])
            rules = check(
                cast(PostingDoc, posting),
                cast(ProfileDoc, profile),
                today,
                svc.taxonomy.occupations,
            )
            if not all(r.passed for r in rules):
                if given is not None and given >= 2:
                    excluded.append((record["id"], profile_id, given))
                continue
            labels[profile_id] = (
                given
                if given is not None
                else rule_label(posting, profile, truth[profile_id], judge, regions)
            )
        counts.update(g for g in labels.values() if g)
        covered = bool(set(judge["same"]) & gen_codes)
        cases.append(Case(record["id"], judge, covered, labels))
    return cases, excluded, counts


async def score_variants(svc: Services, cases: Sequence[Case]) -> list[str]:
    """Re-rank every posting under each variant; the variant names, in order."""
    shipped: RankingConfig = svc.ranking
    configs = variants(shipped)
    for name, config in configs.items():
        svc.ranking = config
        try:
            for case in cases:
                full, _ = await matches_for_posting(
                    svc, principal=ADMIN, posting_id=case.posting_id
                )
                case.rankings[name] = [s.record_id for s in full]
        finally:
            svc.ranking = shipped
    return list(configs)


def variant_table(cases: Sequence[Case], names: Sequence[str]) -> None:
    """nDCG@10 and MRR of each variant, on all postings, on each fold and on the hand-only
    postings, so that a change that helps only where it was looked for shows."""
    folds = {
        "all": cases,
        "fold A": cases[0::2],
        "fold B": cases[1::2],
        "hand-only": [c for c in cases if not c.covered],
    }
    print("\nfull-pipeline variants, nDCG@10 (MRR) — fold A: postings 1, 3, 5 …; fold B: 2, 4, 6 …")
    print("  " + f"{'':38}" + "".join(f"{k:>16}" for k in folds))
    for name in names:
        cells = []
        for subset in folds.values():
            n10, _, _, rr, _ = summary(subset, name)
            cells.append(f"{n10:.3f} ({rr:.3f})")
        print("  " + f"{name:38}" + "".join(f"{c:>16}" for c in cells))


@dataclasses.dataclass(frozen=True)
class Run:
    """One evaluation: what was indexed and what the rankings gave."""

    meta: Mapping[str, Any]
    hand: int
    distractors: int
    seed: int
    active: int
    cases: Sequence[Case]
    counts: Counter[int]
    excluded: Sequence[tuple[str, str, int]]
    violations: Sequence[str]
    variant_names: Sequence[str]


def report(svc: Services, run: Run, *, seconds: float, per_posting: bool) -> None:
    meta, cases, counts, excluded = run.meta, run.cases, run.counts, run.excluded
    hand, distractors, seed, active = run.hand, run.distractors, run.seed, run.active
    violations, variant_names = run.violations, run.variant_names
    config: RankingConfig = svc.ranking
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()}, "
        f"{os.cpu_count()} cores; embedder: {svc.embedder.model_id}"
    )
    print(
        f"data: {DATA.name} (written {meta.get('written', '?')}): {len(cases)} postings, {hand} "
        f"hand-written profiles + {distractors} generated distractors (seed {seed}); "
        f"{active} of {hand + distractors} profiles active"
    )
    print(
        f"eligible pairs labelled 3/2/1: {counts[3]}/{counts[2]}/{counts[1]} "
        f"(rest 0); postings with a label >= 2: "
        f"{sum(any(g >= 2 for g in c.labels.values()) for c in cases)}"
    )
    print(
        "hard rules (candidate_filters) applied in all three rankings; retrieved profiles that "
        f"fail a rule in Python: {len(violations)}"
    )
    print(
        f"ranking config: rrf_k {config.rrf_k}, bm25_size {config.bm25_size}, knn_k "
        f"{config.knn_k}, num_candidates {config.knn_num_candidates}, rerank_depth "
        f"{config.rerank_depth}"
    )
    rows = [(s, cases, s) for s in SYSTEMS]
    table("all postings", rows)
    covered = [c for c in cases if c.covered]
    others = [c for c in cases if not c.covered]
    table(
        f"postings whose occupation the generator also produces ({len(covered)})",
        [(s, covered, s) for s in SYSTEMS],
    )
    table(
        f"postings with hand-written candidates only ({len(others)})",
        [(s, others, s) for s in SYSTEMS],
    )
    if per_posting:
        print(f"\n  {'posting':12} {'eligible':>8} {'>=2':>4}  nDCG@10 BM25 / kNN / full")
        for c in cases:
            relevant = sum(g >= 2 for g in c.labels.values())
            scores = " / ".join(f"{ndcg(c.rankings[s], c.labels) or 0:.3f}" for s in SYSTEMS)
            print(f"  {c.posting_id:12} {len(c.labels):8d} {relevant:4d}  {scores}")
    if variant_names:
        variant_table(cases, variant_names)
    if excluded:
        print(f"\nhand labels >= 2 excluded by a hard rule ({len(excluded)}):")
        for posting_id, profile_id, given in excluded:
            print(f"  {posting_id} / {profile_id} (label {given})")
    print(f"\nrun time: {seconds:.0f} s (embedding dominates)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distractors", type=int, default=1000, help="generated profiles")
    parser.add_argument("--seed", type=int, default=2027, help="generator seed")
    parser.add_argument("--variants", action="store_true", help="also score ranking variants")
    parser.add_argument("--per-posting", action="store_true", help="print each posting's nDCG")
    parser.add_argument("--dump", type=Path, help="write rankings and labels as JSON here")
    parser.add_argument(
        "--read-postings", action="store_true", help="drop the postings' codes: read them"
    )
    args = parser.parse_args()
    asyncio.run(
        main(
            args.distractors,
            args.seed,
            args.variants,
            args.per_posting,
            args.dump,
            args.read_postings,
        )
    )
