"""No discrimination: fields and phrases about protected traits are refused, never stored.

Postings and searches must not filter or rank on age, gender, ethnicity, marital status or
household registration (docs/domain.md). A body that carries such a field, or free text that states
such a requirement (限男性, 35岁以下, 本地户口 …), is rejected with a 422 naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

# Field names (English and Chinese, compared case- and separator-insensitively).
PROTECTED_FIELDS = frozenset(
    {
        "age",
        "ages",
        "min_age",
        "max_age",
        "age_min",
        "age_max",
        "birth_date",
        "birthdate",
        "birthday",
        "date_of_birth",
        "dob",
        "year_of_birth",
        "birth_year",
        "gender",
        "sex",
        "ethnicity",
        "ethnic_group",
        "nation",
        "race",
        "marital_status",
        "married",
        "marriage",
        "hukou",
        "household_registration",
        "household_type",
        "registered_residence",
        "domicile",
        "年龄",
        "出生日期",
        "出生年月",
        "生日",
        "性别",
        "民族",
        "婚姻状况",
        "婚否",
        "户籍",
        "户口",
        "户口所在地",
        "户籍所在地",
    }
)

_TRAITS = "age, gender, ethnicity, marital status or household registration"

# Phrases that state a requirement or preference on a protected trait.
_HAN = r"[\u4e00-\u9fff]"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "gender",
        re.compile(
            r"(限|仅限|只招|只要|要求|优先|适合)\s*(男|女)(性|士|生)?|(男|女)(性|士|生)?\s*(优先|限定)"
        ),
    ),
    (
        "age",
        re.compile(
            r"年龄\s*(要求|限|在|须|需|:)?\s*\d|\d{2}\s*[-~至到—]\s*\d{2}\s*周?岁"
            r"|\d{2}\s*周?岁\s*(以下|以上|以内|之间|左右)|(不超过|不满|未满|超过|低于|高于)\s*\d{2}\s*周?岁"
        ),
    ),
    (
        "ethnicity",
        re.compile(
            rf"(限|仅限|只招|要求|优先)\s*({_HAN}{{1,3}}族)|({_HAN}{{1,3}}族)\s*(优先|限定|者优先)"
        ),
    ),
    ("marital status", re.compile(r"已婚|未婚|婚育|已育|未育")),
    ("household registration", re.compile(r"户口|户籍|本地人\s*优先|限本地")),
]


# In a seeker's own text, a plain statement of a trait is enough: it would reach the keyword
# index and the embedding, and so the ranking.
_SELF_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("gender", re.compile(r"本人\s*(性别)?\s*[:：]?\s*(男|女)|性别\s*[:：]?\s*(男|女)")),
    (
        "age",
        re.compile(
            r"(今年|现年|本人)?\s*\d{2}\s*周?岁|\d{4}\s*年\s*(出生|生人)|属[鼠牛虎兔龙蛇马羊猴鸡狗猪]"
        ),
    ),
]


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lower().replace("-", "_").replace(" ", "_")


def protected_fields(body: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of keys in ``body`` (searched recursively) that name a protected trait."""
    found = []
    for key, value in body.items():
        path = f"{prefix}{key}"
        if _key(str(key)) in PROTECTED_FIELDS:
            found.append(path)
        elif isinstance(value, Mapping):
            found += protected_fields(value, f"{path}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    found += protected_fields(item, f"{path}.{i}.")
    return found


def protected_phrases(text: str, *, self_description: bool = False) -> list[tuple[str, str]]:
    """(trait, phrase) pairs for each discriminatory requirement stated in ``text``; with
    ``self_description`` (a seeker's own text) also plain statements of age or gender."""
    normal = unicodedata.normalize("NFKC", text)
    hits = []
    for trait, pattern in _PATTERNS + (_SELF_PATTERNS if self_description else []):
        match = pattern.search(normal)
        if match:
            # A little context either side, so the caller recognises the phrase.
            hits.append((trait, normal[max(0, match.start() - 2) : match.end() + 3].strip()))
    return hits


def field_errors(
    body: Mapping[str, Any], text_fields: Iterable[str], *, self_description: bool = False
) -> list[dict[str, str]]:
    """Validation errors (``{"field", "message"}``) for protected fields and phrases."""
    errors = [
        {"field": path, "message": f"not accepted: matching never uses {_TRAITS}"}
        for path in protected_fields(body)
    ]
    for name in text_fields:
        values = body.get(name)
        items = values if isinstance(values, list) else [values]
        for value in items:
            if not isinstance(value, str):
                continue
            for trait, phrase in protected_phrases(value, self_description=self_description):
                errors.append(
                    {
                        "field": name,
                        "message": f"states a requirement on {trait} ({phrase!r}); "
                        f"remove it: postings and profiles may not refer to {_TRAITS}",
                    }
                )
    return errors
