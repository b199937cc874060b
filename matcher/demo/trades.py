"""The demo trades (``trades.yaml``) and the league-cities they are spread over.

Each trade is a CSCO 2022 level-4 occupation as the region's industries hire for it: the
titles, skills and duties the generator draws from, and the permits the law requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

# fmt: off
# League-city code: short name (for enterprise names) and weight in the data set.
CITIES: dict[str, tuple[str, int]] = {
    "150100": ("呼和浩特", 14), "150200": ("包头", 14), "150300": ("乌海", 5),
    "150400": ("赤峰", 11), "150500": ("通辽", 8), "150600": ("鄂尔多斯", 13),
    "150700": ("呼伦贝尔", 8), "150800": ("巴彦淖尔", 6), "150900": ("乌兰察布", 7),
    "152200": ("兴安盟", 4), "152500": ("锡林郭勒", 6), "152900": ("阿拉善", 4),
}
# fmt: on
SO, SE, OTHER = "special_operation", "special_equipment", "other"
PERMIT_TYPES = {"SO": SO, "SE": SE, "OTHER": OTHER}
Permit = tuple[str, str]  # (certificate type, name)


@dataclass(frozen=True)
class Trade:
    code: str  # CSCO 2022 level-4 code
    name: str
    industry: str
    group: str | None
    cities: tuple[str, ...]
    weight: float
    titles: tuple[str, ...]
    specs: tuple[str, ...]
    work: str
    skills: tuple[str, ...]
    duties: tuple[str, ...]
    permits: tuple[tuple[Permit, ...], ...]


def _permit(text: str) -> Permit:
    kind, name = text.split(" ", 1)
    return PERMIT_TYPES[kind], name


@cache
def trades() -> tuple[Trade, ...]:
    """The trade table (read and parsed on first use)."""
    out = []
    text = resources.files("matcher.demo").joinpath("trades.yaml").read_text("utf-8")
    for e in yaml.safe_load(text):
        cities = str(e["cities"])
        out.append(
            Trade(
                code=e["code"],
                name=e["name"],
                industry=e["industry"],
                group=e["group"],
                cities=tuple(CITIES) if cities == "ALL" else tuple(cities.split()),
                weight=float(e["weight"]),
                titles=tuple(e["titles"].split()),
                specs=tuple(str(e["specs"]).split()),
                work=e["work"],
                skills=tuple(e["skills"].split()),
                duties=tuple(e["duties"].split()),
                permits=tuple(
                    tuple(_permit(alt) for alt in slot.split("/")) for slot in e["permits"]
                ),
            )
        )
    return tuple(out)
