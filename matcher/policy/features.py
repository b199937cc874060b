"""Re-ranking features of a (posting, profile) pair: each in [0, 1], each explainable.

Inputs are stored documents. Nothing here reads contact details or any protected trait; the
fairness test changes only such data and checks that no feature moves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from matcher.policy.incentive_models import Grant
from matcher.policy.relevance import OccupationFit
from matcher.policy.relevance import feature_detail as relevance_detail
from matcher.taxonomy.certificates import certificate_key, is_hard, valid_cert_keys
from matcher.taxonomy.occupations import OccupationCatalog
from matcher.taxonomy.regions import RegionCatalog

Doc = Mapping[str, Any]


@dataclass(frozen=True)
class Feature:
    value: float
    detail: str  # Chinese, shown to seekers and desk staff
    # Whether the detail may be said as a reason for the match: a neutral default ("the
    # posting names no grade") or a shortfall ("expects more than the posting pays") is not.
    reason: bool = True


@dataclass(frozen=True)
class Gap:
    kind: str
    detail: str
    next_step: str


def occupation(fit: OccupationFit, catalog: OccupationCatalog) -> Feature:
    """The expected similarity of the two occupations (``matcher.policy.relevance``)."""
    return Feature(fit.similarity, relevance_detail(fit, catalog))


def grade(posting: Doc, profile: Doc) -> Feature:
    required, level = posting.get("required_level"), profile.get("effective_level")
    if not required:
        return Feature(0.8, "岗位未要求技能等级", reason=False)
    if level is None:
        return Feature(0.0, "无技能等级")
    above = int(required) - int(level)
    bonus = "（含获奖破格）" if profile.get("award_bonus") else ""
    if above <= 0:
        return Feature(1.0 if above == 0 else 0.0, f"技能等级符合要求{bonus}")
    return Feature(max(1.0 - 0.1 * above, 0.6), f"技能等级高于要求{above}级{bonus}")


def certificates(posting: Doc, profile: Doc, day: date) -> tuple[Feature, list[Gap]]:
    preferred = [r for r in posting.get("required_certificates", []) if not is_hard(r)]
    if not preferred:
        return Feature(1.0, "岗位未列加分证书", reason=False), []
    held = set(valid_cert_keys(profile, day))
    missing = [r for r in preferred if (r.get("key") or certificate_key(r["name"])) not in held]
    gaps = [
        Gap("certificate", f"缺少优先证书：{r['name']}", f"参加{r['name']}相关培训和考核")
        for r in missing
    ]
    value = 1 - len(missing) / len(preferred)
    return Feature(value, f"持有{len(preferred) - len(missing)}/{len(preferred)}项优先证书"), gaps


def skills(posting: Doc, profile: Doc) -> Feature:
    wanted = profile.get("skills") or []
    if not wanted:
        return Feature(0.0, "未填写技能")
    text = f"{posting.get('title', '')} {posting.get('description', '')}".lower()
    found = [s for s in wanted if s.lower() in text]
    value = len(found) / len(wanted)
    return Feature(value, f"岗位提到的技能：{'、'.join(found)}" if found else "岗位未提到所填技能")


def experience(profile: Doc) -> Feature:
    years = float(profile.get("years_experience") or 0)
    return Feature(min(years / 10, 1.0), f"从业{years:g}年")


def wage(posting: Doc, profile: Doc) -> tuple[Feature, list[Gap]]:
    low, high = posting.get("wage_min"), posting.get("wage_max")
    expected = profile.get("expected_monthly_wage")
    if expected is None:
        return Feature(0.8, "未填写期望月薪", reason=False), []
    if low is None and high is None:
        # No pay stated is not punished to zero: the desk can ask.
        return Feature(0.6, "岗位未标明薪资", reason=False), []
    top = int(high if high is not None else low or 0)
    if expected <= top:
        return Feature(1.0, "期望月薪在岗位薪资范围内"), []
    over = (expected - top) / max(top, 1)
    gap = Gap(
        "wage",
        f"期望月薪{expected}元高于岗位上限{top}元",
        "可与用人单位协商，或关注薪资更高的同类岗位",
    )
    return Feature(max(1.0 - 2 * over, 0.0), f"期望月薪高于岗位上限{over:.0%}", reason=False), [gap]


def location(posting: Doc, profile: Doc, regions: RegionCatalog) -> Feature:
    where, home = posting.get("region_code"), profile.get("region_code")
    if not where or not home:
        return Feature(0.0, "地区未知")
    if where == home:
        return Feature(1.0, "同一旗县区")
    if regions.city_of(where) == regions.city_of(home):
        return Feature(0.85, "同一盟市")
    preferred = profile.get("preferred_region_codes") or []
    if any(regions.within(where, p) for p in preferred):
        return Feature(0.8, "在意向地区")
    distance = regions.distance_km(where, home)
    near = max(0.0, 1 - distance / 1000) * 0.5 if distance is not None else 0.0
    if profile.get("willing_to_relocate"):
        return Feature(max(0.6, near), "愿意流动")
    label = f"相距约{distance:.0f}公里" if distance is not None else "异地"
    return Feature(near, label)


def at_city_level(profile: Doc, regions: RegionCatalog) -> Doc:
    """The profile as an enterprise may place it: in its league-city. Scored this way, the
    location feature's value no more tells the county (1.0 for the posting's own county) or
    the distance between county centres than its wording does."""
    home = profile.get("region_code")
    city = profile.get("city_code") or (regions.city_of(str(home)) if home else None)
    return {**profile, "region_code": city} if city else profile


def mobility_incentive(profile: Doc, granted: Sequence[Grant]) -> Feature:
    """A willing mover who would receive incentives here (the same grants the match lists)."""
    if not granted:
        return Feature(0.0, "无适用的流动激励政策")
    names = "、".join(g.name for g in granted)
    if profile.get("willing_to_relocate"):
        return Feature(1.0, f"愿意流动，可享受：{names}")
    return Feature(0.0, f"可享受{names}，但未表示愿意流动")
