"""Lookups in the vocabularies (keyword-only service functions)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import anyio.to_thread

from matcher.foundation.problems import NotFound
from matcher.lookups.models import (
    AccessRuleOut,
    CandidateOut,
    CodeName,
    NormalizeOut,
    NormalizeResult,
    OccupationDetail,
    OccupationSummary,
    RegionList,
    RegionOut,
)
from matcher.services import Services
from matcher.taxonomy.normalize import Candidate

# A normalizer candidate this sure is what an everyday word means (电焊 → 焊工).
EVERYDAY_WORD = 0.6
EVERYDAY_CANDIDATES = 3


async def find_occupations(
    svc: Services, *, q: str, level: int | None, limit: int
) -> list[OccupationSummary]:
    """Typeahead over occupation names and aliases (Chinese); without ``q``, the groups of
    ``level`` (the major groups by default) from the catalog.

    Everyday and partial words that no name or alias holds (电焊, 挖机, 汽修, 开吊车, 护工) are
    read by the title normalizer: its confident candidates come first, then the name and alias
    hits; an occupation named exactly ``q`` always leads (焊工 before 焊接设备操作工)."""
    catalog = svc.taxonomy.occupations
    if not q:
        wanted = level or 1
        return [_summary(svc, o.code) for o in catalog.all() if o.level == wanted][:limit]
    hits, readings = await asyncio.gather(
        svc.store.occupations.typeahead(q=q, level=level, limit=min(3 * limit, 50)),
        _everyday(svc, q) if level in (None, 4) else _nothing(),
    )
    found = [OccupationSummary.model_validate(dict(h)) for h in hits]
    sure = [_summary(svc, c.code) for c in readings if c.score >= EVERYDAY_WORD]
    # The exact name, then what the everyday word means, then names that begin with the
    # word (shortest first: 焊 → 焊工 before 焊接工程技术人员), then the other hits in the
    # index's order, then the normalizer's less sure candidates.
    starting = sorted((o for o in found if o.name.startswith(q)), key=lambda o: len(o.name))
    ordered = [o for o in found if o.name == q] + sure + starting + found
    ordered += [_summary(svc, c.code) for c in readings]
    unique: dict[str, OccupationSummary] = {}
    for occupation in ordered:  # each code at its first place
        unique.setdefault(occupation.code, occupation)
    return list(unique.values())[:limit]


async def _everyday(svc: Services, q: str) -> list[Candidate]:
    ranked = await anyio.to_thread.run_sync(
        svc.taxonomy.normalizer.normalize, [q], EVERYDAY_CANDIDATES
    )
    return ranked[0]


async def _nothing() -> list[Candidate]:
    return []


def _summary(svc: Services, code: str) -> OccupationSummary:
    catalog = svc.taxonomy.occupations
    occupation = catalog.get(code)
    if occupation is None:  # pragma: no cover - the normalizer ranks catalog codes only
        raise NotFound(f"No occupation {code}")
    return OccupationSummary(
        code=occupation.code,
        name=occupation.name,
        level=occupation.level,
        marks=sorted(occupation.marks),
        access_controlled=catalog.access_rule(occupation.code) is not None,
    )


def occupation_detail(svc: Services, code: str) -> OccupationDetail:
    """One occupation or group: definition, main tasks, aliases, parents, children and, for
    employment-access occupations, the certificate required and how to obtain it."""
    catalog = svc.taxonomy.occupations
    occupation = catalog.get(code)
    if occupation is None:
        raise NotFound(f"No occupation {code} in CSCO 2022")
    rule = catalog.access_rule(code)
    parents = [catalog.get(c) for c in occupation.parent_codes]
    return OccupationDetail(
        code=occupation.code,
        name=occupation.name,
        level=occupation.level,
        marks=sorted(occupation.marks),
        definition=occupation.definition,
        tasks=list(occupation.tasks),
        aliases=list(occupation.aliases),
        parents=[CodeName(code=p.code, name=p.name) for p in parents if p is not None],
        children=[CodeName(code=c.code, name=c.name) for c in catalog.children(code)],
        access_rule=AccessRuleOut(
            certificate_type=rule.certificate_type,
            certificate_name=rule.certificate_name,
            accepted_names=list(rule.accepted_names),
            how_to_obtain=rule.how_to_obtain,
            basis=rule.basis,
        )
        if rule
        else None,
    )


def child_regions(svc: Services, parent: str | None) -> RegionList:
    """Child regions of ``parent`` (a GB/T 2260 code); without it, the provinces."""
    regions = svc.taxonomy.regions
    if parent is not None and not regions.is_valid(parent):
        raise NotFound(f"No region {parent}")
    return RegionList(
        regions=[
            RegionOut(
                code=r.code,
                name=r.name,
                level=r.level,
                parent_code=r.parent_code,
                lon=r.lon,
                lat=r.lat,
                remote=regions.is_remote(r.code),
            )
            for r in regions.children(parent)
        ]
    )


async def normalize_titles(svc: Services, titles: Sequence[str]) -> NormalizeOut:
    """The top 5 CSCO 2022 occupations for each free job title, best first, scores in
    [0, 1]."""
    ranked = await anyio.to_thread.run_sync(svc.taxonomy.normalizer.normalize, list(titles), 5)
    return NormalizeOut(
        results=[
            NormalizeResult(
                title=title,
                candidates=[
                    CandidateOut(code=c.code, name=c.name, score=round(c.score, 4))
                    for c in candidates
                ],
            )
            for title, candidates in zip(titles, ranked, strict=True)
        ]
    )
