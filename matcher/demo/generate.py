"""Synthetic demo profiles and postings for the 12 league-cities of Inner Mongolia.

Deterministic by seed (each call builds its own ``random.Random``), realistic enough to
exercise matching, bulletins and incentives: skilled trades of the region's industries with
real CSCO 2022 codes (``trades.yaml``; duties paraphrase the classification's task texts),
grades weighted toward 高级/中级, wages by grade, certificates that fit the trade (some lapsed,
some missing), key projects in the configured remote counties. Every person, enterprise,
phone number (138xxxxxxxx), e-mail address (example.cn) and certificate number is fictional,
and no record carries age, gender, ethnicity, marital status or household registration.

    python -m matcher.demo.generate --profiles 1000 --postings 400 --seed 7 --out DIR
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from matcher.demo.trades import CITIES, OTHER, SE, SO, Permit, Trade, trades
from matcher.taxonomy.regions import RegionCatalog

T = TypeVar("T")

PERMIT_SUFFIX = {SO: "特种作业操作证", SE: "特种设备作业人员证", OTHER: ""}


# fmt: off
# Enterprise lines of business, by group; brand words; key-project name patterns.
BUSINESS: dict[str, tuple[str, ...]] = {
    "煤炭": ("煤业", "矿业", "能源"), "新能源": ("新能源", "风电", "绿色能源"),
    "电力": ("电力", "供电", "电力工程"), "热力": ("热力", "热电"), "钢铁": ("钢铁", "特钢"),
    "铝业": ("铝业", "铝材"), "稀土": ("稀土新材料", "稀土功能材料", "磁材"),
    "硅材料": ("硅材料", "硅业", "铁合金"), "化工": ("化工", "煤化工", "能源化工"),
    "装备": ("重型机械", "装备制造", "机械制造"), "乳业": ("乳业", "乳品"),
    "肉业": ("肉业", "食品", "牧业"), "建筑": ("建设工程", "建筑安装", "路桥工程"),
}
BRANDS = ("恒泰", "北辰", "金桥", "瑞丰", "华宇", "蒙源", "塞北", "青城", "鹿城", "黄河", "天骄",
          "祥泰", "宏达", "新锐", "银河", "鑫源", "广汇", "正和", "兴盛", "草原", "大漠", "长城")
PROJECTS: dict[str, tuple[str, ...]] = {
    "能源": ("{}100万千瓦风电项目", "{}风光储一体化示范项目", "{}500千伏输变电工程",
             "{}光伏治沙示范项目"),
    "冶金": ("{}铜多金属矿选冶项目", "{}硅基新材料项目"),
    "化工": ("{}煤制气示范项目", "{}精细化工园区项目"),
    "装备制造": ("{}新能源装备基地项目", "{}风电装备制造项目"),
    "农畜产品加工": ("{}现代牧业产业园项目", "{}肉羊精深加工项目"),
    "建筑": ("{}口岸基础设施建设项目", "{}边境公路工程", "{}生态移民安置工程"),
}
# Fake names; Mongolian names are written without a surname. Romanised for e-mail addresses.
SURNAMES = {"王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang",
            "赵": "zhao", "黄": "huang", "周": "zhou", "吴": "wu", "徐": "xu", "孙": "sun",
            "马": "ma", "朱": "zhu", "胡": "hu", "郭": "guo", "高": "gao", "韩": "han",
            "白": "bai", "包": "bao", "田": "tian", "苏": "su", "贾": "jia", "郝": "hao"}
GIVEN = ("建国", "志强", "海涛", "俊杰", "晓东", "文博", "思远", "立新", "永刚", "春雨", "秀云",
         "丽娜", "红梅", "宏伟", "振华", "海燕", "鹏飞", "佳琪", "伟", "磊", "静", "敏", "勇")
MONGOLIAN = {"巴特尔": "bateer", "苏和": "suhe", "额尔敦": "eerdun", "格日勒图": "geriletu",
             "孟和": "menghe", "乌力吉": "wuliji", "朝鲁": "chaolu", "斯琴": "siqin",
             "其木格": "qimuge", "萨仁": "saren", "那顺": "nashun", "阿拉坦仓": "alatancang"}

GRADE_WEIGHTS = {3: 36, 4: 30, 2: 12, 5: 10, 1: 4, 0: 8}  # 0: no grade stated
GRADE_NAMES = {1: "高级技师", 2: "技师", 3: "高级", 4: "中级", 5: "初级"}
YEARS = {1: (12, 30), 2: (8, 24), 3: (5, 16), 4: (2, 9), 5: (0, 3), 0: (0, 12)}
WAGES = {1: (12000, 20000), 2: (9500, 15000), 3: (7500, 11500), 4: (5800, 8500),
         5: (4200, 6000), 0: (5000, 8000)}
INDUSTRY_PAY = {"能源": 1.1, "冶金": 1.05, "化工": 1.15, "装备制造": 1.0, "农畜产品加工": 0.85,
                "建筑": 0.95}
EXTRAS = ("带过徒弟", "熟悉安全生产规程，多年无安全事故", "能独立处理常见故障", "有倒班工作经验",
          "参加过技能竞赛", "参与过新装置开车", "熟悉设备点检与保养")
BENEFITS = ("缴纳五险一金", "提供食宿", "倒班补贴", "年度体检", "带薪年休假", "提供技能提升培训")
# fmt: on


@dataclass(frozen=True)
class _Context:
    rng: random.Random
    regions: RegionCatalog
    counties: dict[str, list[str]]  # city → its county codes
    remote: list[str]


def _context(kind: str, seed: int) -> _Context:
    regions = RegionCatalog.load()
    counties = {city: [r.code for r in regions.children(city)] for city in CITIES}
    rng = random.Random(f"{kind}:{seed}")  # noqa: S311 - demo data, not security
    return _Context(rng, regions, counties, sorted(regions.remote_area_codes))


def _weighted(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    return rng.choices(items, weights=weights, k=1)[0]


def _city(ctx: _Context) -> str:
    return _weighted(ctx.rng, list(CITIES), [w for _, w in CITIES.values()])


def _trade(ctx: _Context, city: str) -> Trade:
    options = [t for t in trades() if city in t.cities]
    return _weighted(ctx.rng, options, [t.weight for t in options])


def _grade(rng: random.Random) -> int:
    return _weighted(rng, list(GRADE_WEIGHTS), list(GRADE_WEIGHTS.values()))


def _title(rng: random.Random, trade: Trade, grade: int) -> str:
    base = rng.choice(trade.titles)
    stem = base[:-1] if base.endswith("员") else base
    forms = {
        1: [f"{stem}高级技师", f"高级技师（{base}）"],
        2: [f"{stem}技师"],
        3: [f"高级{base}", f"{base}（高级工）"],
        4: [f"中级{base}", base],
        5: [f"初级{base}", base],
        0: [base],
    }[grade]
    title = rng.choice(forms)
    if "（" not in title and rng.random() < 0.45:
        title += f"（{rng.choice(trade.specs)}）"
    return title


def _permits(rng: random.Random, trade: Trade) -> list[Permit]:
    return [rng.choice(slot) for slot in trade.permits]


def _wage(rng: random.Random, trade: Trade, grade: int, remote: bool) -> tuple[int, int]:
    low, high = WAGES[grade]
    factor = INDUSTRY_PAY[trade.industry] * (1.15 if remote else 1.0) * rng.uniform(0.9, 1.1)
    return int(round(low * factor, -2)), int(round(high * factor, -2))


def _location(ctx: _Context, county: str) -> dict[str, float] | None:
    region = ctx.regions.get(county)
    if region is None or region.lon is None or region.lat is None:
        return None
    jitter = ctx.rng.uniform
    return {
        "lat": round(region.lat + jitter(-0.03, 0.03), 4),
        "lon": round(region.lon + jitter(-0.03, 0.03), 4),
    }


def _enterprise(ctx: _Context, city: str, trade: Trade) -> tuple[str, str]:
    group = trade.group
    while group is None:  # an electrician or welder: any plant of the city hires them
        group = _trade(ctx, city).group
    # A small fixed pool per (city, group): the same enterprise posts several roles.
    number = ctx.rng.randrange(4)
    pool = random.Random(f"{city}:{group}:{number}")  # noqa: S311 - stable fake names
    name = (
        f"{CITIES[city][0]}{pool.choice(BRANDS)}{pool.choice(BUSINESS[group])}"
        f"{pool.choice(('有限公司', '有限责任公司', '股份有限公司'))}"
    )
    return f"gen-ent-{city}-{list(BUSINESS).index(group):02d}{number}", name


def _contact(ctx: _Context, index: int) -> dict[str, str | None]:
    rng = ctx.rng
    if rng.random() < 0.15:
        name, roman = rng.choice(list(MONGOLIAN.items()))
    else:
        surname, roman = rng.choice(list(SURNAMES.items()))
        name = surname + rng.choice(GIVEN)
    email = f"{roman}.{index:06d}@example.cn" if rng.random() < 0.6 else None
    return {"name": name, "phone": f"138{rng.randrange(10**8):08d}", "email": email}


def _certificates(ctx: _Context, trade: Trade, grade: int, city: str) -> list[dict[str, Any]]:
    rng, certs = ctx.rng, []
    if grade and rng.random() < 0.88:
        issued = date(rng.randint(2012, 2025), rng.randint(1, 12), rng.randint(1, 28))
        certs.append(
            {
                "type": "skill_level",
                "name": f"{trade.name}职业技能等级证书",
                "occupation_code": trade.code,
                "level": grade,
                "number": f"S{issued.year}{city[:4]}{rng.randrange(10**7):07d}",
                "issued_on": issued.isoformat(),
                "expires_on": None,
            }
        )
    for kind, name in _permits(rng, trade):
        if rng.random() < 0.12:
            continue  # holds the trade but not the permit: matching must exclude them
        years = {SO: 6, SE: 4, OTHER: 1}[kind]  # validity between reviews
        # About one in ten has lapsed (review missed) before 2026.
        lapsed = rng.random() < 0.1
        start_year = rng.randint(2014, 2025 - years) if lapsed else rng.randint(2026 - years, 2025)
        issued = date(start_year, rng.randint(1, 12), rng.randint(1, 28))
        prefix = {SO: "T", SE: "TS", OTHER: "JK"}[kind]
        certs.append(
            {
                "type": kind,
                "name": name,
                "occupation_code": trade.code if kind != OTHER else None,
                "level": None,
                "number": f"{prefix}{city[:4]}{issued.year}{rng.randrange(10**6):06d}",
                "issued_on": issued.isoformat(),
                "expires_on": issued.replace(year=issued.year + years).isoformat(),
            }
        )
    return certs


def _profile(ctx: _Context, index: int) -> dict[str, Any]:
    rng = ctx.rng
    city = _city(ctx)
    trade = _trade(ctx, city)
    grade = _grade(rng)
    low, high = YEARS[grade]
    years = rng.randint(low, high)
    codes = [trade.code]
    if rng.random() < 0.1:
        other = rng.choice([t for t in trades() if t.industry == trade.industry])
        codes += [other.code] if other.code != trade.code else []
    skills = rng.sample(trade.skills, k=min(len(trade.skills), rng.randint(3, 5)))
    summary = (
        (f"{trade.work}{years}年，熟练{'、'.join(skills[:2])}，{rng.choice(EXTRAS)}。")
        if years
        else f"{trade.work}，刚完成培训，熟悉{skills[0]}。"
    )
    willing = rng.random() < 0.4
    preferred: list[str] = []
    if willing:
        preferred = rng.sample([c for c in CITIES if c != city], k=rng.randint(1, 2))
        if rng.random() < 0.5:
            preferred.append(rng.choice(ctx.remote))
    wage = None
    if rng.random() < 0.9:
        wlow, whigh = _wage(rng, trade, grade, remote=False)
        wage = int(round(rng.uniform(wlow, whigh), -2))
    awards: list[str] = []
    if grade in (1, 2, 3) and rng.random() < 0.06:
        awards = [
            _weighted(rng, ("自治区技术能手", "内蒙古自治区技术能手", "全国技术能手"), (4, 4, 2))
        ]
    status = _weighted(rng, ("active", "paused", "withdrawn"), (88, 8, 4))
    return {
        "id": f"gen-prof-{index:06d}",
        "owner_id": f"gen-seeker-{index:06d}",
        "title": _title(rng, trade, grade),
        "summary": summary,
        "skills": skills,
        "occupation_codes": codes,
        "skill_level": grade or None,
        "certificates": _certificates(ctx, trade, grade, city),
        "years_experience": years,
        "region_code": rng.choice(ctx.counties[city]),
        "willing_to_relocate": willing,
        "preferred_region_codes": preferred,
        "expected_monthly_wage": wage,
        "awards": awards,
        "contact": _contact(ctx, index),
        "status": status,
    }


def _posting(ctx: _Context, index: int) -> dict[str, Any]:
    rng = ctx.rng
    key_project: dict[str, Any] | None = None
    if rng.random() < 0.12:
        county = rng.choice(ctx.remote)
        city = ctx.regions.city_of(county) or "150000"
        trade = _trade(ctx, city)
        region = ctx.regions.get(county)
        place = region.name if region else ""
        key_project = {"name": rng.choice(PROJECTS[trade.industry]).format(place), "remote": True}
    else:
        city = _city(ctx)
        trade = _trade(ctx, city)
        county = rng.choice(ctx.counties[city])
    grade = _grade(rng)
    enterprise_id, enterprise_name = _enterprise(ctx, city, trade)
    title = _title(rng, trade, grade)
    headcount = _weighted(rng, (1, 2, 3, 5, 8, 10, 20), (25, 25, 18, 14, 8, 6, 4))
    permits = _permits(rng, trade)
    required = [{"type": k, "name": n, "mandatory": k != OTHER} for k, n in permits]
    if grade and rng.random() < 0.3:
        required.append(
            {"type": "skill_level", "name": f"{trade.name}职业技能等级证书", "mandatory": False}
        )
    low = YEARS[grade][0]
    need = (f"{GRADE_NAMES[grade]}及以上职业技能等级，" if grade else "") + (
        f"{max(low, 1)}年以上相关工作经验" if low else "有相关工作经验或培训经历者均可"
    )
    if permits:
        need += f"，持有效的{'、'.join(n + PERMIT_SUFFIX[k] for k, n in permits)}"
    duties = "；".join(rng.sample(trade.duties, k=min(3, len(trade.duties))))
    perks = "、".join(rng.sample(BENEFITS, k=3))
    where = f"{key_project['name']}现场" if key_project else "生产一线"
    description = (
        f"{enterprise_name}招聘{title}{headcount}名，工作地点为{where}。"
        f"岗位职责：{duties}。任职要求：{need}。待遇：{perks}。"
    )
    wages: tuple[int | None, int | None] = (None, None)
    if rng.random() < 0.85:
        wages = _wage(rng, trade, grade, remote=key_project is not None)
    if key_project is None and rng.random() < 0.04:
        inland = [p for p in PROJECTS[trade.industry] if "边境" not in p and "口岸" not in p]
        project = rng.choice(inland).format(CITIES[city][0])
        key_project = {"name": project, "remote": False}
    start = date(2026, _weighted(rng, (1, 4, 7, 10), (30, 30, 25, 15)), 1)
    start += timedelta(days=rng.randrange(30))
    until = start + timedelta(days=rng.choice((89, 119, 180)))
    status = _weighted(rng, ("active", "paused", "closed", "filled"), (85, 5, 5, 5))
    return {
        "id": f"gen-post-{index:06d}",
        "enterprise_id": enterprise_id,
        "enterprise_name": enterprise_name,
        "title": title,
        "description": description,
        "occupation_code": trade.code,
        "required_level": grade or None,
        "required_certificates": required,
        "headcount": headcount,
        "wage_min": wages[0],
        "wage_max": wages[1],
        "region_code": county,
        "location": _location(ctx, county),
        "industry": trade.industry,
        "key_project": key_project,
        "valid_from": start.isoformat(),
        "valid_until": until.isoformat(),
        "status": status,
    }


def generate_profiles(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` seeker profiles (with an ``id`` key beside the ``ProfileIn`` fields)."""
    ctx = _context("profiles", seed)
    return [_profile(ctx, i) for i in range(1, n + 1)]


def generate_postings(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` shortage postings (with an ``id`` key beside the ``PostingIn`` fields)."""
    ctx = _context("postings", seed)
    return [_posting(ctx, i) for i in range(1, n + 1)]


def write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write synthetic demo profiles and postings.")
    parser.add_argument("--profiles", type=int, default=1000, help="number of profiles")
    parser.add_argument("--postings", type=int, default=400, help="number of postings")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out / "profiles.jsonl", generate_profiles(args.profiles, args.seed))
    write_jsonl(args.out / "postings.jsonl", generate_postings(args.postings, args.seed))
    print(f"wrote {args.profiles} profiles and {args.postings} postings to {args.out}")


if __name__ == "__main__":
    main()
