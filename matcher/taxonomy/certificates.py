"""Which certificates a seeker holds, in the terms hard rules are checked in.

Certificate names are written many ways (熔化焊接与热切割作业 / 焊接与热切割作业操作证 / 焊工证);
``certificate_key`` reduces a name to a comparable key (driving licences and special-equipment
items by their class code: "B2驾照" and "机动车驾驶证（B2）" are one key). ``covered_keys`` adds
what a certificate implies: a driving-licence class includes lower classes (准驾车型), and a
special-operation item meets a requirement for its category (登高架设作业 → 高处作业).
``permits`` lists, for a profile, the employment-access rules its valid certificates satisfy
(stored with the profile, as are the covered keys, so the hard rules are Elasticsearch filters).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

from matcher.taxonomy.occupations import AccessRule

_NOISE = re.compile(
    r"[\s()（）《》\[\]【】·、,，.。:：-]|中华人民共和国|特种作业|操作证|证书|资格证|证$"
)


# A class code standing alone (not part of a longer word or number): "B2", "（A1）", "C1照".
_CLASS = r"(?<![A-Za-z0-9])({})(?![A-Za-z0-9])"
_LICENCE = re.compile(r"驾驶证|驾照|准驾")
_LICENCE_CLASS = re.compile(_CLASS.format("A[1-3]|B[12]|C[1-6]|[DEFMNP]"))
# 准驾车型 (机动车驾驶证申领和使用规定): the classes each class may also drive.
_LICENCE_COVERS: Final[dict[str, tuple[str, ...]]] = {
    "A1": ("A3", "B1", "B2", "C1", "C2", "C3", "C4", "M"),
    "A2": ("B1", "B2", "C1", "C2", "C3", "C4", "C6", "M"),
    "A3": ("C1", "C2", "C3", "C4"),
    "B1": ("C1", "C2", "C3", "C4", "M"),
    "B2": ("C1", "C2", "C3", "C4", "M"),
    "C1": ("C2", "C3", "C4"),
    "C3": ("C4",),
    "D": ("E",),
}
# 特种设备作业人员资格认定项目 by code (市场监管总局公告2019年第3号), the ones trades ask for.
_EQUIPMENT_ITEMS: Final[dict[str, str]] = {
    "Q1": "起重机指挥",
    "Q2": "起重机司机",
    "N1": "叉车司机",
    "N2": "观光车和观光列车司机",
    "G1": "工业锅炉司炉",
    "G2": "电站锅炉司炉",
    "G3": "锅炉水处理",
    "R1": "快开门式压力容器操作",
    "R2": "移动式压力容器充装",
    "P": "气瓶充装",
    "T": "客运索道作业",
}
_EQUIPMENT_CODE = re.compile(_CLASS.format("|".join(sorted(_EQUIPMENT_ITEMS, key=len)[::-1])))
# 特种作业目录: the items of each category; a requirement naming the category is met by any.
_OPERATION_CATEGORIES: Final[dict[str, tuple[str, ...]]] = {
    "电工作业": (
        "低压电工作业",
        "高压电工作业",
        "电力电缆作业",
        "继电保护作业",
        "电气试验作业",
        "防爆电气作业",
    ),
    "焊接与热切割作业": ("熔化焊接与热切割作业", "压力焊作业", "钎焊作业"),
    "高处作业": ("登高架设作业", "高处安装、维护、拆除作业"),
    "制冷与空调作业": ("制冷与空调设备运行操作作业", "制冷与空调设备安装修理作业"),
}


# What workers call their certificates at the desk, and the official item each one means.
EVERYDAY_NAMES: Final[dict[str, str]] = {
    "电焊证": "熔化焊接与热切割作业",
    "焊工证": "熔化焊接与热切割作业",
    "气焊证": "熔化焊接与热切割作业",
    "电工证": "低压电工作业",
    "低压电工证": "低压电工作业",
    "高压电工证": "高压电工作业",
    "登高证": "登高架设作业",
    "高空作业证": "高处安装、维护、拆除作业",
    "叉车证": "叉车司机（N1）",
    "吊车证": "起重机司机（Q2）",
    "天车证": "起重机司机（Q2）",
    "行车证": "起重机司机（Q2）",
    "塔吊证": "起重机司机（Q2）",
    "司索证": "起重机指挥（Q1）",
    "锅炉证": "工业锅炉司炉（G1）",
    "司炉证": "工业锅炉司炉（G1）",
    "制冷证": "制冷与空调设备运行操作作业",
}


def official_name(name: str) -> str:
    """The official certificate item a name means: an everyday name (电焊证, 叉车证) as the
    catalogue writes it; any other name as it is."""
    plain = unicodedata.normalize("NFKC", name).strip()
    return EVERYDAY_NAMES.get(plain, plain)


def catalogue_names() -> list[str]:
    """Every certificate item the hard rules know by name, for a pick list."""
    items = [item for group in _OPERATION_CATEGORIES.values() for item in group]
    items += [f"{name}（{code}）" for code, name in _EQUIPMENT_ITEMS.items()]
    return sorted(dict.fromkeys(items))


def _plain_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).lower()
    return _NOISE.sub("", text) or text


def certificate_key(name: str) -> str:
    """A comparable key: full-width folded, spaces, brackets and boilerplate words removed;
    a driving licence is ``驾驶证`` + its class, a special-equipment item its name + code."""
    text = unicodedata.normalize("NFKC", name).upper()
    if _LICENCE.search(text) and (found := _LICENCE_CLASS.search(text)):
        return "驾驶证" + found.group(1)
    if (found := _EQUIPMENT_CODE.search(text)) and _EQUIPMENT_ITEMS[found.group(1)][:2] in text:
        code = found.group(1)
        return _plain_key(_EQUIPMENT_ITEMS[code]) + code.lower()
    return _plain_key(name)


_CATEGORY_OF: Final[dict[str, str]] = {
    _plain_key(item): _plain_key(category)
    for category, items in _OPERATION_CATEGORIES.items()
    for item in items
}


def covered_keys(name: str) -> list[str]:
    """The keys a certificate meets as a requirement: its own, the driving-licence classes its
    class includes, and the special-operation category its item belongs to."""
    key = certificate_key(name)
    keys = [key]
    if key.startswith("驾驶证"):
        keys += ["驾驶证" + c for c in _LICENCE_COVERS.get(key.removeprefix("驾驶证"), ())]
    if key in _CATEGORY_OF:
        keys.append(_CATEGORY_OF[key])
    return keys


def is_valid_on(certificate: Mapping[str, Any], day: date) -> bool:
    expires = certificate.get("expires_on")
    return expires is None or str(expires) >= day.isoformat()


def satisfies(certificate: Mapping[str, Any], rule: AccessRule) -> bool:
    """A certificate meets an access rule: same kind, and the same item (or one the rule
    accepts instead, e.g. 叉车司机 N1 for 起重装卸机械操作工) or the same occupation."""
    if certificate.get("type") != rule.certificate_type:
        return False
    if certificate.get("occupation_code") == rule.code:
        return True
    held = certificate_key(str(certificate.get("name", "")))
    if not held:
        return False
    for name in (rule.certificate_name, *rule.accepted_names):
        needed = certificate_key(name)
        # "电工作业（低压电工作业/高压电工作业）" is met by "低压电工作业" and the reverse holds.
        if held in needed or needed in held:
            return True
    return False


def permits(
    certificates: Iterable[Mapping[str, Any]], rules: Iterable[AccessRule]
) -> list[dict[str, Any]]:
    """For each access rule some certificate satisfies: the occupation code and the latest
    expiry among the satisfying certificates (None = does not expire)."""
    out = []
    for rule in rules:
        matching = [c for c in certificates if satisfies(c, rule)]
        if not matching:
            continue
        expiries = [c.get("expires_on") for c in matching]
        expires = None if any(e is None for e in expiries) else max(str(e) for e in expiries)
        out.append({"code": rule.code, "expires_on": expires})
    return out


# By law no one performs these without a valid permit: a posting that asks for one makes it a
# hard rule whatever its occupation, and whether or not it marks it mandatory (docs/domain.md).
HARD_CERTIFICATE_TYPES: Final = frozenset({"special_operation", "special_equipment"})


def is_hard(requirement: Mapping[str, Any]) -> bool:
    """A posting's certificate requirement that filters candidates (not only ranks them)."""
    return bool(requirement.get("mandatory")) or requirement.get("type") in HARD_CERTIFICATE_TYPES


def requirement_key(requirement: Mapping[str, Any]) -> str:
    return str(requirement.get("key") or certificate_key(str(requirement.get("name", ""))))


def valid_cert_keys(profile: Mapping[str, Any], day: date) -> list[str]:
    """The requirement keys the profile's certificates valid on ``day`` meet
    (``covered_keys``)."""
    return sorted(
        {
            key
            for c in profile.get("certificates") or []
            if is_valid_on(c, day)
            for key in (c.get("covers") or covered_keys(str(c.get("name", ""))))
        }
    )


def valid_permit_codes(profile: Mapping[str, Any], day: date) -> list[str]:
    """The access-controlled occupations the profile's permits open on ``day``."""
    return sorted({p["code"] for p in profile.get("permits") or [] if is_valid_on(p, day)})
