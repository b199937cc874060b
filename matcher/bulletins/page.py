"""The public HTML page of a published bulletin (Chinese): tables and inline SVG charts.

Everything is in the one response — styles inline, charts as SVG from ``charts`` — so the page
works offline, prints, and loads nothing from a CDN. Every value is escaped.
"""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from matcher.bulletins.charts import Bars, Box, demand_supply_bars, wage_boxes
from matcher.bulletins.export import MEASURE_NAMES
from matcher.bulletins.models import Bulletin, Kind, Measure, SupplyDemandRow, WageCell
from matcher.foundation.periods import in_words

CHART_OCCUPATIONS = 15
SHORTAGE_SHOWN = 30
BASIS_NAMES = {"own": "", "rolled_up": "上卷", "suppressed": "样本不足"}
DIMENSION_NAMES = {"occupation": "按职业", "grade": "按技能等级", "region": "按地区"}
STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1100px;
color:#1b2631;padding:0 1em}table{border-collapse:collapse;margin:1em 0;font-size:14px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f6f7}
td.t:first-child,th{white-space:nowrap}.wide{overflow-x:auto}
td.t{text-align:left}tr.g td{font-weight:bold;background:#fbfcfc}.meta{color:#555}
.note{color:#555;font-size:13px}
"""


def zone_name(zone: ZoneInfo) -> str:
    """How a page names its time zone: 北京时间 for China's, else the zone's own name."""
    return "北京时间" if zone.key in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else zone.key


def _n(value: int | float | None, *, pct: bool = False, signed: bool = False) -> str:
    if value is None:
        return "—"
    if pct:
        return f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.2f}"
    return f"{value:+d}" if signed else str(value)


def _td(text: str, cls: str = "") -> str:
    return f'<td class="{cls}">{escape(text)}</td>' if cls else f"<td>{escape(text)}</td>"


def _measure_cells(m: Measure) -> str:
    return "".join(
        _td(t)
        for t in (
            _n(m.value),
            _n(m.share, pct=True),
            _n(m.change, signed=True),
            _n(m.change_pct, pct=True, signed=True),
            _n(m.change_yoy, signed=True),
            _n(m.change_yoy_pct, pct=True, signed=True),
        )
    )


def _sd_table(title: str, rows: list[SupplyDemandRow]) -> str:
    measures = list(rows[0].measures) if rows else []
    head = '<tr><th rowspan="2">代码</th><th rowspan="2">名称</th>'
    head += "".join(f'<th colspan="6">{escape(MEASURE_NAMES.get(m, m))}</th>' for m in measures)
    head += "".join(f'<th rowspan="2">{t}</th>' for t in ("求人倍率", "上期", "上年同期"))
    head += "</tr><tr>"
    head += (
        "<th>人数</th><th>占比</th><th>环比</th><th>环比%</th><th>同比</th><th>同比%</th>"
        * len(measures)
    )
    body = []
    for row in rows:
        cls = ' class="g"' if row.level in ("major", "middle", "minor", "total") else ""
        body.append(
            f"<tr{cls}>{_td(row.key, 't')}{_td(row.name, 't')}"
            + "".join(_measure_cells(row.measures[m]) for m in measures)
            + _td(_n(row.ratio.value))
            + _td(_n(row.ratio.previous))
            + _td(_n(row.ratio.year_ago))
            + "</tr>"
        )
    return f"<h2>{escape(title)}</h2><table>{head}</tr>{''.join(body)}</table>"


def _supply_demand(b: Bulletin) -> str:
    parts = []
    occupations = [r for r in b.rows if r.dimension == "occupation" and r.level == "occupation"]
    busiest = sorted(
        occupations, key=lambda r: -(r.measures["demand"].value + r.measures["supply"].value)
    )[:CHART_OCCUPATIONS]
    bars = [Bars(r.name, r.measures["demand"].value, r.measures["supply"].value) for r in busiest]
    parts.append("<h2>需求与求职人数（前 15 个职业）</h2>")
    parts.append(demand_supply_bars(bars, "各职业需求人数与求职人数"))
    if b.totals is not None:
        parts.append(_sd_table("合计", [b.totals]))
    for dimension, title in DIMENSION_NAMES.items():
        rows = [r for r in b.rows if r.dimension == dimension]
        parts.append(_sd_table(title, rows))
    rank_rows = "".join(
        "<tr>"
        + _td(str(r.rank))
        + _td(_n(r.previous_rank) if r.previous_rank else "新进")
        + _td(r.occupation_code, "t")
        + _td(r.name, "t")
        + _td(str(r.demand))
        + _td(str(r.supply))
        + _td(_n(r.gap, signed=True))
        + _td(_n(r.ratio))
        + "</tr>"
        # Only shortages: an occupation with more seekers than openings is not 缺工.
        for r in [r for r in b.shortage if r.gap > 0][:SHORTAGE_SHOWN]
    )
    parts.append(
        f"<h2>最缺工职业排行（需求人数多于求职人数的职业，按缺口排序，前 {SHORTAGE_SHOWN} 位）"
        "</h2>"
        + (
            "<table><tr><th>排名</th><th>上期排名</th><th>代码</th><th>职业</th><th>需求人数</th>"
            f"<th>求职人数</th><th>缺口</th><th>求人倍率</th></tr>{rank_rows}</table>"
            if rank_rows
            else '<p class="empty">本期没有需求人数多于求职人数的职业。</p>'
        )
    )
    return "".join(parts)


def _wage_row(c: WageCell) -> str:
    figures = (c.p10, c.p25, c.p50, c.p75, c.p90, c.mean)
    basis = BASIS_NAMES.get(c.basis, c.basis)
    if c.basis == "rolled_up" and c.basis_code:
        basis += f"（{c.basis_code}，样本 {c.basis_sample_size}）"
    cls = ' class="g"' if c.level != "occupation" else ""
    return (
        f"<tr{cls}>{_td(c.occupation_code, 't')}{_td(c.occupation_name, 't')}"
        f"{_td(c.grade_name, 't')}{_td(c.region_name or '', 't')}{_td(str(c.sample_size))}"
        + "".join(_td(_n(v)) for v in figures)
        + _td(basis, "t")
        + "</tr>"
    )


def _wide(rows: str) -> str:
    """A table that scrolls sideways on a narrow screen instead of wrapping codes."""
    return f'<div class="wide"><table>{rows}</table></div>'


def _box(c: WageCell) -> Box | None:
    """A grade's box plot, when its figures are published (not suppressed)."""
    if c.grade is None or c.basis != "own":
        return None
    if c.p10 is None or c.p25 is None or c.p50 is None or c.p75 is None or c.p90 is None:
        return None
    return Box(c.grade_name, c.sample_size, c.p10, c.p25, c.p50, c.p75, c.p90, c.mean or c.p50)


def _wages(b: Bulletin) -> str:
    boxes = [box for c in b.wages if c.level == "all" and (box := _box(c)) is not None]
    head = (
        "<tr><th>代码</th><th>职业</th><th>等级</th><th>地区</th><th>样本数</th>"
        "<th>低位数</th><th>下四分位</th><th>中位数</th><th>上四分位</th><th>高位数</th>"
        "<th>平均数</th><th>说明</th></tr>"
    )
    national = "".join(_wage_row(c) for c in b.wages if c.region_code is None)
    regional = "".join(_wage_row(c) for c in b.wages if c.region_code is not None)
    return (
        "<h2>各技能等级工资分布</h2>"
        + (
            wage_boxes(
                boxes, "各技能等级月工资分布（P10–P90，箱体 P25–P75，横线中位数，圆点平均数）"
            )
            if boxes
            # Nothing to draw: say so, never an empty plot with a meaningless axis.
            else '<p class="empty">各技能等级的样本均不足公布标准，本期不公布工资分布图'
            "（样本过少时公布会暴露个人工资）。</p>"
        )
        + f"<h2>按职业和技能等级（元/月）</h2>{_wide(head + national)}"
        + f"<h2>按职业、技能等级和地区（元/月）</h2>{_wide(head + regional)}"
    )


def render(bulletin: Bulletin, *, superseded_by: str | None, zone: ZoneInfo) -> str:
    """The bulletin's page; times in ``zone`` (the service's, 北京时间 by default)."""
    b = bulletin
    made = b.generated_at.astimezone(zone)
    meta = (
        f"统计期：{b.period_start} 至 {b.period_end}（{escape(in_words(b.period))}）"
        f"　范围：{escape(b.scope_name)}"
        f"（{escape(b.scope)}）　版本：{b.version}"
        f"　生成时间：{made:%Y-%m-%d %H:%M}（{zone_name(zone)}）"
        f"　软件版本：{escape(b.software_version)}"
    )
    if b.replaces:
        meta += (
            f'<br>本版更正并取代 <a href="/bulletins/{escape(b.replaces)}">{escape(b.replaces)}</a>'
        )
        if b.reason:
            meta += f"：{escape(b.reason)}"
    if superseded_by:
        meta += (
            f'<br><strong>本版已被 <a href="/bulletins/{escape(superseded_by)}">'
            f"{escape(superseded_by)}</a> 更正取代。</strong>"
        )
    body = _supply_demand(b) if b.kind is Kind.SUPPLY_DEMAND else _wages(b)
    notes = "".join(f"<li>{escape(n)}</li>" for n in b.notes)
    csv_link = f"/v1/bulletins/{escape(b.id or '')}?format=csv"
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(b.title)}</title><style>{STYLE}</style></head><body>"
        f'<h1>{escape(b.title)}</h1><p class="meta">{meta}</p>{body}'
        f'<h2>说明</h2><ul class="note">{notes}</ul>'
        f'<p class="note">数据下载（需令牌）：<code>{csv_link}</code></p></body></html>'
    )
