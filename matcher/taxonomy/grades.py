"""The five national skill grades (国家职业资格等级) and the awards that lift one (破格).

Grades are ordinal and a LOWER number is a HIGHER grade: 1 高级技师, 2 技师, 3 高级, 4 中级,
5 初级. High-skill talent (高技能人才) is 高级 and above. A required grade is a floor.

``parse_grade`` accepts what people write in forms and spreadsheets: the Chinese names and
their aliases (高级工, 三级, 国家职业资格三级, 技师（二级）), the numbers 1–5 (int or text,
full-width digits too), "3级", and English names.

Errors:
- ``GradeError`` (a ``ValueError``, so pydantic reports it as a field error): a value that is
  no grade; the message lists the accepted forms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import IntEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema


class SkillGrade(IntEnum):
    SENIOR_TECHNICIAN = 1  # 高级技师, 一级
    TECHNICIAN = 2  # 技师, 二级
    SENIOR = 3  # 高级(工), 三级
    INTERMEDIATE = 4  # 中级(工), 四级
    JUNIOR = 5  # 初级(工), 五级

    @property
    def zh_name(self) -> str:
        return _ZH_NAMES[self]

    @property
    def is_high_skill(self) -> bool:
        """高级 and above (高技能人才)."""
        return self <= SkillGrade.SENIOR


_ZH_NAMES = {
    SkillGrade.SENIOR_TECHNICIAN: "高级技师",
    SkillGrade.TECHNICIAN: "技师",
    SkillGrade.SENIOR: "高级",
    SkillGrade.INTERMEDIATE: "中级",
    SkillGrade.JUNIOR: "初级",
}
_CN_DIGITS = "一二三四五"

# Keys are normalized (NFKC, lower case, single spaces).
_ALIASES: dict[str, SkillGrade] = {}
for _grade in SkillGrade:
    _n = int(_grade)
    _ALIASES[str(_n)] = _grade
    _ALIASES[f"{_n}级"] = _grade
    _ALIASES[f"{_CN_DIGITS[_n - 1]}级"] = _grade
    _ALIASES[_grade.zh_name] = _grade
    _ALIASES[f"level {_n}"] = _grade
    _ALIASES[f"grade {_n}"] = _grade
_ALIASES.update(
    {
        "初级工": SkillGrade.JUNIOR,
        "中级工": SkillGrade.INTERMEDIATE,
        "高级工": SkillGrade.SENIOR,
        "senior technician": SkillGrade.SENIOR_TECHNICIAN,
        "technician": SkillGrade.TECHNICIAN,
        "senior": SkillGrade.SENIOR,
        "senior worker": SkillGrade.SENIOR,
        "advanced": SkillGrade.SENIOR,
        "intermediate": SkillGrade.INTERMEDIATE,
        "intermediate worker": SkillGrade.INTERMEDIATE,
        "junior": SkillGrade.JUNIOR,
        "junior worker": SkillGrade.JUNIOR,
        "elementary": SkillGrade.JUNIOR,
    }
)
# Qualifiers people put before the grade: 国家职业资格三级, 职业技能等级二级 …
_PREFIX = re.compile(r"^(国家职业资格|职业资格|职业技能等级|技能等级|等级)\s*")
# Two spellings of one grade: 技师（二级）, 三级/高级工.
_PAIR = re.compile(r"^(.+?)\s*(?:\((.+)\)|/(.+))$")

ACCEPTED_FORMS = (
    "1–5 (1 = highest), 高级技师/技师/高级/中级/初级 (also 高级工、中级工、初级工), "
    "一级…五级, 1级…5级, 国家职业资格三级, 技师（二级）, or English: senior technician, "
    "technician, senior, intermediate, junior"
)


class GradeError(ValueError):
    """Not a skill grade; the message lists the accepted forms."""

    def __init__(self, value: object) -> None:
        super().__init__(f"{value!r} is not a skill grade; use {ACCEPTED_FORMS}")


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return " ".join(text.replace("_", " ").replace("-", " ").split())


def _lookup(text: str) -> SkillGrade | None:
    key = _normalize(text)
    grade = _ALIASES.get(key) or _ALIASES.get(_PREFIX.sub("", key))
    if grade is not None:
        return grade
    pair = _PAIR.match(key)
    if pair is None:
        return None
    first = _lookup(pair.group(1))
    second = _lookup(pair.group(2) or pair.group(3))
    return first if first is not None and first == second else None


def parse_grade(value: str | int | SkillGrade) -> SkillGrade:
    """The grade ``value`` names, in any accepted form; ``GradeError`` otherwise."""
    if isinstance(value, SkillGrade):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= 5:
            return SkillGrade(value)
        raise GradeError(value)
    if isinstance(value, str):
        grade = _lookup(value)
        if grade is not None:
            return grade
    raise GradeError(value)


def meets(held: SkillGrade | None, required: SkillGrade | None) -> bool:
    """A held grade satisfies a required floor (a 技师 meets a 高级 requirement)."""
    if required is None:
        return True
    return held is not None and held <= required


def one_grade_up(grade: SkillGrade) -> SkillGrade:
    """The grade an award holder may be considered at (破格); 高级技师 stays 高级技师."""
    return SkillGrade(max(int(grade) - 1, int(SkillGrade.SENIOR_TECHNICIAN)))


# Province-level and national skill honours. Regional titles are written with the region's
# name (内蒙古自治区技术能手, 广东省技术能手, 北京市技术能手); ``recognised_award`` maps them
# to these canonical names. City-level titles (包头市技术能手) do not count: the 破格 rules
# name national and provincial honours only.
RECOGNISED_AWARDS: frozenset[str] = frozenset(
    {"中华技能大奖", "全国技术能手", "自治区技术能手", "省级技术能手"}
)
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_DECORATION = re.compile(r"(荣誉称号|称号|获得者|奖章)$")


def recognised_award(name: str) -> str | None:
    """The canonical recognised award that ``name`` denotes, or None."""
    text = _DECORATION.sub("", unicodedata.normalize("NFKC", name).replace(" ", "").strip())
    if text in RECOGNISED_AWARDS:
        return text
    if not text.endswith("技术能手"):
        return None
    region = text.removesuffix("技术能手")
    if region.endswith("自治区") and len(region) > 3:
        return "自治区技术能手"
    if (region.endswith("省") and len(region) > 1) or region in _MUNICIPALITIES:
        return "省级技术能手"
    return None


def award_bonus_applies(awards: Iterable[str]) -> bool:
    """Any of ``awards`` is a recognised honour, so the holder may count one grade up."""
    return any(recognised_award(a) is not None for a in awards)


def _serialise(grade: SkillGrade) -> int:
    return int(grade)


def _validate(value: Any) -> SkillGrade:
    return parse_grade(value)


GradeField = Annotated[
    SkillGrade,
    BeforeValidator(_validate),
    PlainSerializer(_serialise, return_type=int),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 5},
                {"type": "string", "examples": ["高级工", "技师", "三级", "3"]},
            ],
            "description": f"Skill grade (1 = 高级技师 … 5 = 初级): {ACCEPTED_FORMS}",
        },
        mode="validation",
    ),
]
"""A pydantic field type: accepts every form ``parse_grade`` does, serialises as the int."""
