"""The supply-demand bulletin (人力资源市场供求信息) from aggregated counts.

Rows by occupation (each level-4 occupation and its minor, middle and major groups), by grade
(all five plus "none stated", always listed so an empty grade shows as 0) and by region (every
region one level below the scope, always listed). Groups are sums of their occupations' counts;
shares are of the bulletin's total. The shortage ranking orders occupations by demand − supply.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from matcher.bulletins.models import Measure, Ratio, ShortageRow, SupplyDemandRow
from matcher.store.bulletin_counts import Cell, PeriodCounts, Scope
from matcher.taxonomy.catalog import Taxonomy
from matcher.taxonomy.grades import SkillGrade

MEASURES = ("demand", "supply", "placements")
GROUP_LEVELS = {1: "major", 2: "middle", 3: "minor", 4: "occupation"}
NO_GRADE = "不限/未评定"
NO_OCCUPATION = "未分类"
NO_REGION = "未注明地区"

Totals = dict[str, dict[str, int]]  # measure → key → count


def occupation_name(code: str, taxonomy: Taxonomy) -> str:
    """The name of an occupation or of a group given by its prefix ("6-18" is catalogued as
    "6-18-00-00")."""
    if not code:
        return NO_OCCUPATION
    parts = code.split("-")
    return taxonomy.occupation_name("-".join(parts + ["00"] * (4 - len(parts))))


def grade_name(grade: int | None) -> str:
    return SkillGrade(grade).zh_name if grade is not None else NO_GRADE


def ratio(demand: int, supply: int) -> float | None:
    """求人倍率; undefined (None) when nobody seeks work in the cell."""
    return round(demand / supply, 2) if supply else None


def _pct(now: int, before: int) -> float | None:
    return round((now - before) / before, 4) if before else None


def _collapse(counts: dict[Cell, int], position: int) -> dict[str, int]:
    """Counts summed over every cell dimension but one (None keys become "")."""
    out: dict[str, int] = defaultdict(int)
    for cell, value in counts.items():
        key = cell[position]
        out["" if key is None else str(key)] += value
    return out


def _with_groups(by_code: dict[str, int]) -> dict[str, int]:
    """Occupation counts plus their major, middle and minor groups' sums."""
    out: dict[str, int] = defaultdict(int)
    for code, value in by_code.items():
        if not code:
            out[""] += value
            continue
        parts = code.split("-")
        for n in range(1, len(parts) + 1):
            out["-".join(parts[:n])] += value
    return out


def _measures(
    key: str, periods: tuple[Totals, Totals, Totals], grand: dict[str, int]
) -> dict[str, Measure]:
    now, before, year_ago = periods
    out = {}
    for m in MEASURES:
        value, prev, ago = now[m].get(key, 0), before[m].get(key, 0), year_ago[m].get(key, 0)
        out[m] = Measure(
            value=value,
            share=round(value / grand[m], 4) if grand[m] else None,
            previous=prev,
            change=value - prev,
            change_pct=_pct(value, prev),
            year_ago=ago,
            change_yoy=value - ago,
            change_yoy_pct=_pct(value, ago),
        )
    return out


def _row(
    dimension: str,
    level: str,
    key: str,
    name: str,
    periods: tuple[Totals, Totals, Totals],
    grand: dict[str, int],
) -> SupplyDemandRow:
    def r(t: Totals) -> float | None:
        return ratio(t["demand"].get(key, 0), t["supply"].get(key, 0))

    return SupplyDemandRow(
        dimension=dimension,
        level=level,
        key=key,
        name=name,
        measures=_measures(key, periods, grand),
        ratio=Ratio(value=r(periods[0]), previous=r(periods[1]), year_ago=r(periods[2])),
    )


def _totals(counts: PeriodCounts, key: Callable[[dict[Cell, int]], dict[str, int]]) -> Totals:
    return {m: key(getattr(counts, m)) for m in MEASURES}


def _everything(counts: dict[Cell, int]) -> dict[str, int]:
    return {"": sum(counts.values())}


def _by_occupation(counts: dict[Cell, int]) -> dict[str, int]:
    return _with_groups(_collapse(counts, 0))


def _by_grade(counts: dict[Cell, int]) -> dict[str, int]:
    return _collapse(counts, 1)


def _by_region(counts: dict[Cell, int]) -> dict[str, int]:
    return _collapse(counts, 2)


def build_rows(
    current: PeriodCounts,
    previous: PeriodCounts,
    year_ago: PeriodCounts,
    *,
    scope: Scope,
    taxonomy: Taxonomy,
) -> tuple[SupplyDemandRow, list[SupplyDemandRow]]:
    """The total row and the occupation, grade and region rows."""
    periods = (current, previous, year_ago)
    total_t = tuple(_totals(c, _everything) for c in periods)
    grand = {m: total_t[0][m].get("", 0) for m in MEASURES}
    totals = _row("total", "total", "", "合计", (total_t[0], total_t[1], total_t[2]), grand)

    rows: list[SupplyDemandRow] = []
    occ = tuple(_totals(c, _by_occupation) for c in periods)
    occ_t = (occ[0], occ[1], occ[2])
    keys = {k for t in occ for m in MEASURES for k in t[m]}
    # Group before its members: "6" < "6-18" < "6-18-02" < "6-18-02-04"; unclassified last.
    for key in sorted(keys, key=lambda k: (k == "", k.split("-"))):
        level = GROUP_LEVELS[len(key.split("-"))] if key else "occupation"
        name = occupation_name(key, taxonomy)
        rows.append(_row("occupation", level, key, name, occ_t, grand))

    grades = tuple(_totals(c, _by_grade) for c in periods)
    for grade in [*(str(g.value) for g in sorted(SkillGrade, reverse=True)), ""]:
        if grade or any(t[m].get("", 0) for t in grades for m in MEASURES):
            name = grade_name(int(grade) if grade else None)
            rows.append(
                _row("grade", "grade", grade, name, (grades[0], grades[1], grades[2]), grand)
            )

    regions = tuple(_totals(c, _by_region) for c in periods)
    region_codes = [r.code for r in taxonomy.regions.children(scope.code)]
    seen = {k for t in regions for m in MEASURES for k in t[m]}
    extra = sorted(seen - set(region_codes))  # records on the scope itself, or unplaced
    for code in [*region_codes, *extra]:
        found = taxonomy.regions.get(code) if code else None
        name = found.name if found else (code or NO_REGION)
        rows.append(
            _row("region", "region", code, name, (regions[0], regions[1], regions[2]), grand)
        )
    return totals, rows


def _ranking(counts: PeriodCounts) -> list[tuple[str, int, int]]:
    """(occupation, demand, supply) of ranked occupations, best rank first."""
    demand, supply = _collapse(counts.demand, 0), _collapse(counts.supply, 0)
    codes = (set(demand) | set(supply)) - {""}
    items = [(code, demand.get(code, 0), supply.get(code, 0)) for code in codes]
    items = [i for i in items if i[1] or i[2]]
    return sorted(items, key=lambda i: (-(i[1] - i[2]), -i[1], i[0]))


def _ranks(items: list[tuple[str, int, int]]) -> dict[str, int]:
    """Competition ranks ("1224"): equal gaps share a rank."""
    ranks: dict[str, int] = {}
    last_gap: int | None = None
    rank = 0
    for position, (code, demand, supply) in enumerate(items, start=1):
        if demand - supply != last_gap:
            rank, last_gap = position, demand - supply
        ranks[code] = rank
    return ranks


def shortage_ranking(
    current: PeriodCounts, previous: PeriodCounts, *, taxonomy: Taxonomy
) -> list[ShortageRow]:
    """最缺工职业排行: every occupation with demand or supply, by demand − supply."""
    items = _ranking(current)
    ranks = _ranks(items)
    before = _ranks(_ranking(previous))
    return [
        ShortageRow(
            rank=ranks[code],
            previous_rank=before.get(code),
            occupation_code=code,
            name=taxonomy.occupation_name(code),
            demand=demand,
            supply=supply,
            gap=demand - supply,
            ratio=ratio(demand, supply),
        )
        for code, demand, supply in items
    ]


def raw_counts(counts: PeriodCounts) -> dict[str, dict[str, list[Any]]]:
    """The cells as stored with a bulletin, column-wise (occupation, grade, region, value):
    compact, and quick to write for the tens of thousands of cells of a whole region."""

    def columns(values: dict[Cell, int]) -> dict[str, list[Any]]:
        if not values:
            return {"occupation": [], "grade": [], "region": [], "value": []}
        occupation, grade, region = (list(c) for c in zip(*values, strict=True))
        return {
            "occupation": occupation,
            "grade": grade,
            "region": region,
            "value": list(values.values()),
        }

    return {
        "demand": columns(counts.demand),
        "postings": columns(counts.postings),
        "supply": columns(counts.supply),
        "placements": columns(counts.placements),
    }
