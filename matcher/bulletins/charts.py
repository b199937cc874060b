"""Server-rendered SVG charts for bulletin pages: no script, no CDN, readable without CSS.

Each chart is a standalone ``<svg>`` with a ``<title>``, and each bar or box carries
``data-*`` attributes with its figures, so the numbers drawn can be checked (and read by
assistive tools) without measuring pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

DEMAND_COLOUR = "#c0392b"
SUPPLY_COLOUR = "#2471a3"
BOX_COLOUR = "#5d6d7e"
FONT = 'font-family="Noto Sans CJK SC, Microsoft YaHei, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Bars:
    label: str
    demand: int
    supply: int


@dataclass(frozen=True)
class Box:
    label: str
    n: int
    p10: int
    p25: int
    p50: int
    p75: int
    p90: int
    mean: int


def _nice_max(value: float) -> float:
    """A round axis end at or above ``value``: 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return float(factor * step)
    return float(10 * step)


def demand_supply_bars(items: list[Bars], title: str) -> str:
    """Horizontal paired bars (需求 red, 求职 blue) per occupation."""
    left, width, row_h = 170, 420, 34
    height = 50 + row_h * len(items) + 30
    top = _nice_max(max([max(i.demand, i.supply) for i in items], default=0))
    scale = width / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart demand-supply" role="img" '
        f'width="{left + width + 70}" height="{height}" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<rect x="{left}" y="8" width="12" height="12" fill="{DEMAND_COLOUR}"/>'
        f'<text x="{left + 16}" y="19">需求人数</text>'
        f'<rect x="{left + 90}" y="8" width="12" height="12" fill="{SUPPLY_COLOUR}"/>'
        f'<text x="{left + 106}" y="19">求职人数</text>',
    ]
    for index, item in enumerate(items):
        y = 40 + index * row_h
        parts.append(
            f'<text x="{left - 6}" y="{y + 17}" text-anchor="end">{escape(item.label[:14])}</text>'
        )
        for offset, value, colour, kind in (
            (0, item.demand, DEMAND_COLOUR, "demand"),
            (14, item.supply, SUPPLY_COLOUR, "supply"),
        ):
            w = round(value * scale, 1)
            parts.append(
                f'<rect class="bar {kind}" x="{left}" y="{y + offset}" width="{w}" height="12" '
                f'fill="{colour}" data-label="{escape(item.label)}" data-value="{value}">'
                f"<title>{escape(item.label)} {value}</title></rect>"
                f'<text x="{left + w + 4}" y="{y + offset + 10}">{value}</text>'
            )
    axis_y = 40 + row_h * len(items)
    parts.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + width}" y2="{axis_y}" stroke="#999"/>'
        f'<text x="{left}" y="{axis_y + 16}">0</text>'
        f'<text x="{left + width}" y="{axis_y + 16}" text-anchor="end">{int(top)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def wage_boxes(items: list[Box], title: str) -> str:
    """Vertical box plots per grade: whiskers P10–P90, box P25–P75, line P50, dot the mean."""
    left, plot_h, col_w, top_pad = 70, 260, 90, 30
    width = left + col_w * max(len(items), 1) + 20
    height = top_pad + plot_h + 50
    top = _nice_max(max([i.p90 for i in items], default=0))

    def y(value: float) -> float:
        return round(top_pad + plot_h - value / top * plot_h, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart wage-boxes" role="img" '
        f'width="{width}" height="{height}" {FONT}>',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(0, 5):
        value = top * tick / 4
        parts.append(
            f'<line x1="{left}" y1="{y(value)}" x2="{width - 10}" y2="{y(value)}" '
            f'stroke="#e5e5e5"/><text x="{left - 6}" y="{y(value) + 4}" '
            f'text-anchor="end">{int(value)}</text>'
        )
    for index, box in enumerate(items):
        cx = left + col_w * index + col_w / 2
        parts.append(
            f'<g class="box" data-label="{escape(box.label)}" data-n="{box.n}" '
            f'data-p10="{box.p10}" data-p25="{box.p25}" data-p50="{box.p50}" '
            f'data-p75="{box.p75}" data-p90="{box.p90}" data-mean="{box.mean}">'
            f"<title>{escape(box.label)}：P10 {box.p10}，P25 {box.p25}，中位数 {box.p50}，"
            f"P75 {box.p75}，P90 {box.p90}，平均 {box.mean}（样本 {box.n}）</title>"
            f'<line x1="{cx}" y1="{y(box.p10)}" x2="{cx}" y2="{y(box.p90)}" stroke="{BOX_COLOUR}"/>'
            f'<line x1="{cx - 12}" y1="{y(box.p10)}" x2="{cx + 12}" y2="{y(box.p10)}" '
            f'stroke="{BOX_COLOUR}"/>'
            f'<line x1="{cx - 12}" y1="{y(box.p90)}" x2="{cx + 12}" y2="{y(box.p90)}" '
            f'stroke="{BOX_COLOUR}"/>'
            f'<rect x="{cx - 25}" y="{y(box.p75)}" width="50" '
            f'height="{round(y(box.p25) - y(box.p75), 1)}" fill="#d6eaf8" stroke="{BOX_COLOUR}"/>'
            f'<line x1="{cx - 25}" y1="{y(box.p50)}" x2="{cx + 25}" y2="{y(box.p50)}" '
            f'stroke="#1b2631" stroke-width="2"/>'
            f'<circle cx="{cx}" cy="{y(box.mean)}" r="3" fill="{DEMAND_COLOUR}"/>'
            f'<text x="{cx}" y="{top_pad + plot_h + 18}" text-anchor="middle">'
            f"{escape(box.label)}</text>"
            f'<text x="{cx}" y="{top_pad + plot_h + 34}" text-anchor="middle" '
            f'fill="#666">n={box.n}</text></g>'
        )
    parts.append(f'<text x="{left}" y="16">元/月</text></svg>')
    return "".join(parts)
