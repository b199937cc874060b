"""The wage-guidance bulletin (工资指导价位) from aggregated wage statistics.

A posting's offered monthly wage is the midpoint of its range, or the one end it states
(``postings.service.monthly_wage``); each posting is one sample, whatever its headcount.
Cells are occupation × grade; a cell whose sample is below the minimum is rolled up to the
nearest occupation group (minor, then middle, then major) with the same grade that meets it,
and marked so; with none, it is suppressed. Group × grade, grade and overall cells are
published when their own sample meets the minimum. Occupation × grade × region cells are
published only where their own sample meets the minimum (the others are counted in a note).
"""

from __future__ import annotations

from matcher.bulletins.models import WageCell
from matcher.bulletins.supply_demand import GROUP_LEVELS, grade_name, occupation_name
from matcher.store.bulletin_counts import Scope, WageCounts, WageStats
from matcher.taxonomy.catalog import Taxonomy

OWN, ROLLED_UP, SUPPRESSED = "own", "rolled_up", "suppressed"


def _figures(stats: WageStats) -> dict[str, int | None]:
    # Published to the yuan; ES returns None for a percentile of an empty set.
    out: dict[str, int | None] = {
        k: (round(v) if v is not None else None) for k, v in stats.percentiles.items()
    }
    out["mean"] = round(stats.mean) if stats.mean is not None else None
    return out


def _cell(
    level: str,
    code: str | None,
    grade: int | None,
    stats: WageStats,
    *,
    min_sample: int,
    taxonomy: Taxonomy,
) -> WageCell:
    basis = OWN if stats.n >= min_sample else SUPPRESSED
    return WageCell(
        level=level,
        occupation_code=code or "",
        occupation_name=occupation_name(code or "", taxonomy),
        grade=grade,
        grade_name=grade_name(grade),
        sample_size=stats.n,
        basis=basis,
        **(_figures(stats) if basis == OWN else {}),
    )


def build_cells(
    counts: WageCounts, *, scope: Scope, min_sample: int, taxonomy: Taxonomy
) -> tuple[list[WageCell], list[str]]:
    """Every published cell, in reading order, and notes on what was left out."""
    cells: list[WageCell] = []
    overall = _cell("total", None, None, counts.overall, min_sample=min_sample, taxonomy=taxonomy)
    names = {"occupation_name": "全部职业", "grade_name": "全部等级"}
    cells.append(overall.model_copy(update=names))
    for grade, stats in sorted(counts.grades.items(), key=lambda i: -(i[0] or 6)):
        cell = _cell("all", None, grade, stats, min_sample=min_sample, taxonomy=taxonomy)
        cells.append(cell.model_copy(update={"occupation_name": "全部职业"}))

    def order(key: tuple[str | None, int | None]) -> tuple[str, int]:
        # CSCO codes sort as strings in catalog order ("6" < "6-18" < "6-18-02" < "6-18-02-04"):
        # each level after the first has two digits. Unclassified last; grades high to low.
        return (key[0] or "~", -(key[1] or 6))

    for (code, grade), stats in sorted(counts.groups.items(), key=lambda i: order(i[0])):
        if code is None:
            continue
        level = GROUP_LEVELS[len(code.split("-"))]
        cells.append(_cell(level, code, grade, stats, min_sample=min_sample, taxonomy=taxonomy))

    for (code, grade), stats in sorted(counts.occupations.items(), key=lambda i: order(i[0])):
        cell = _cell("occupation", code, grade, stats, min_sample=min_sample, taxonomy=taxonomy)
        if cell.basis == SUPPRESSED and code is not None:
            cell = _roll_up(cell, code, grade, counts, min_sample)
        cells.append(cell)

    omitted = 0
    for (code, grade, region), stats in sorted(
        counts.regions.items(), key=lambda i: (order(i[0][:2]), i[0][2] or "")
    ):
        if stats.n < min_sample:
            omitted += 1
            continue
        cell = _cell("occupation", code, grade, stats, min_sample=min_sample, taxonomy=taxonomy)
        found = taxonomy.regions.get(region) if region else None
        cells.append(
            cell.model_copy(
                update={"region_code": region or "", "region_name": found.name if found else ""}
            )
        )
    notes = [
        f"样本量少于 {min_sample} 的职业×等级单元不单独发布：上卷至同等级的上级职业类别（标注"
        "“上卷”），仍不足者不发布（标注“样本不足”）。",
        f"按{'盟市' if scope.level == 'province' else '旗县区'}细分的单元只发布样本量达到 "
        f"{min_sample} 的；{omitted} 个单元因样本不足未发布。",
    ]
    return cells, notes


def _roll_up(
    cell: WageCell, code: str, grade: int | None, counts: WageCounts, min_sample: int
) -> WageCell:
    parts = code.split("-")
    for depth in (3, 2, 1):
        group = "-".join(parts[:depth])
        stats = counts.groups.get((group, grade))
        if stats is not None and stats.n >= min_sample:
            return cell.model_copy(
                update={
                    "basis": ROLLED_UP,
                    "basis_code": group,
                    "basis_sample_size": stats.n,
                    **_figures(stats),
                }
            )
    return cell
