"""A bulletin's tables for Excel: as CSV, one table per file — UTF-8 with a byte-order mark
(without it Excel reads UTF-8 as the local code page and garbles Chinese), CRLF line ends,
Chinese headers — or as one ``.xlsx`` workbook, one sheet per table.

Undefined figures (a ratio without supply, a suppressed wage) are empty cells. Shares and
percent changes are fractions (0.125 = 12.5 %), exactly as in the JSON.
"""

from __future__ import annotations

import csv
import io

from matcher.bulletins.models import Bulletin, Kind
from matcher.foundation.sheets import Sheet, write_workbook

BOM = "\ufeff"
MEASURE_NAMES = {"demand": "需求人数", "supply": "求职人数", "placements": "介绍成功人数"}
MEASURE_FIELDS = (
    ("value", ""),
    ("share", "占比"),
    ("previous", "上期"),
    ("change", "环比增减"),
    ("change_pct", "环比增幅"),
    ("year_ago", "上年同期"),
    ("change_yoy", "同比增减"),
    ("change_yoy_pct", "同比增幅"),
)
RATIO_COLUMNS = ("求人倍率", "上期求人倍率", "上年同期求人倍率")
SHORTAGE_COLUMNS = (
    "排名",
    "上期排名",
    "职业代码",
    "职业名称",
    "需求人数",
    "求职人数",
    "缺口",
    "求人倍率",
)
WAGE_COLUMNS = (
    ("level", "层级"),
    ("occupation_code", "职业代码"),
    ("occupation_name", "职业名称"),
    ("grade", "等级"),
    ("grade_name", "等级名称"),
    ("region_code", "地区代码"),
    ("region_name", "地区名称"),
    ("sample_size", "样本数"),
    ("basis", "依据"),
    ("basis_code", "依据职业类别"),
    ("basis_sample_size", "依据样本数"),
    ("p10", "低位数(P10)"),
    ("p25", "下四分位数(P25)"),
    ("p50", "中位数(P50)"),
    ("p75", "上四分位数(P75)"),
    ("p90", "高位数(P90)"),
    ("mean", "平均数"),
)
TABLES = {Kind.SUPPLY_DEMAND: ("rows", "shortage"), Kind.WAGES: ("wages",)}


Table = tuple[list[str], list[list[object]]]  # header, rows


def _cell(value: object) -> object:
    return "" if value is None else value


def _write(table: Table) -> str:
    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return BOM + out.getvalue()


def measure_header(measure: str) -> list[str]:
    name = MEASURE_NAMES.get(measure, measure)
    return [f"{name}{suffix}" for _, suffix in MEASURE_FIELDS]


def supply_demand_table(bulletin: Bulletin) -> Table:
    rows = [r for r in [bulletin.totals, *bulletin.rows] if r is not None]
    measures = list(rows[0].measures) if rows else []
    header = ["维度", "层级", "代码", "名称"]
    for m in measures:
        header += measure_header(m)
    header += list(RATIO_COLUMNS)
    lines = []
    for row in rows:
        line: list[object] = [row.dimension, row.level, row.key, row.name]
        for m in measures:
            figures = row.measures[m].model_dump()
            line += [figures[field] for field, _ in MEASURE_FIELDS]
        line += [row.ratio.value, row.ratio.previous, row.ratio.year_ago]
        lines.append(line)
    return header, lines


def shortage_table(bulletin: Bulletin) -> Table:
    return list(SHORTAGE_COLUMNS), [
        [r.rank, r.previous_rank, r.occupation_code, r.name, r.demand, r.supply, r.gap, r.ratio]
        for r in bulletin.shortage
    ]


def wages_table(bulletin: Bulletin) -> Table:
    return [title for _, title in WAGE_COLUMNS], [
        [getattr(cell, field) for field, _ in WAGE_COLUMNS] for cell in bulletin.wages
    ]


def to_csv(bulletin: Bulletin, table: str | None) -> str:
    """``table``: rows (default) or shortage for supply-demand; wages for wage guidance."""
    if bulletin.kind is Kind.WAGES:
        return _write(wages_table(bulletin))
    return _write(
        shortage_table(bulletin) if table == "shortage" else supply_demand_table(bulletin)
    )


def to_xlsx(bulletin: Bulletin) -> bytes:
    """Every table of the bulletin, one sheet each (empty figures are empty cells)."""
    if bulletin.kind is Kind.WAGES:
        tables = [("工资指导价位", wages_table(bulletin))]
    else:
        tables = [
            ("供求情况", supply_demand_table(bulletin)),
            ("紧缺排行", shortage_table(bulletin)),
        ]
    return write_workbook([Sheet(name, header, rows) for name, (header, rows) in tables])
