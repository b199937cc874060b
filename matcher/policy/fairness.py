"""No discrimination: fields and phrases about protected traits are refused, never stored.

Postings and searches must not filter or rank on age, gender, ethnicity, marital or
childbearing status, health, household registration, religion or appearance (docs/domain.md).
A body that carries such a field, or free text that states such a requirement (限男性, 招小伙子,
90后优先, 本地户口, 乙肝勿扰, 身高170以上 …), is rejected with a 422 naming the field; inclusive
wording (男女不限, 不限户籍) and the legal minimum age (未满16周岁不得录用) pass. Measured on
blind data by ``benchmarks/discrimination_detector.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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

_TRAITS = (
    "age, gender, ethnicity, marital or childbearing status, health, household registration, "
    "religion or appearance"
)

# The traits as an office reads them (the names the detector's hits carry).
TRAIT_NAMES = {
    "age": "年龄",
    "gender": "性别",
    "ethnicity": "民族",
    "marital or childbearing status": "婚育",
    "health": "健康",
    "household registration": "户籍",
    "religion": "宗教信仰",
    "appearance": "相貌",
}

# Why a requirement on each trait is not published, as an enterprise is told (the law where
# one forbids it; for age and appearance, which no national law names, the service's rule).
GROUNDS = {
    "gender": "不得以性别为由拒绝录用或提高录用标准（《就业促进法》第二十七条）",
    "marital or childbearing status": "不得将婚姻、生育状况作为录用条件"
    "（《妇女权益保障法》第四十三条）",
    "ethnicity": "各民族劳动者享有平等的劳动权利（《就业促进法》第二十八条）",
    "household registration": "不得对农村劳动者进城就业设置歧视性限制（《就业促进法》第三十一条），"
    "本服务的岗位不设户籍条件",
    "health": "不得歧视残疾人或以传染病病原携带者为由拒绝录用"
    "（《就业促进法》第二十九条、第三十条）；岗位确需的体检按国家规定执行",
    "religion": "劳动者不因宗教信仰不同而受歧视（《就业促进法》第三条）",
    "age": "本服务不发布年龄限制（法定最低就业年龄除外）",
    "appearance": "本服务不发布与岗位无关的身高、相貌等要求",
}

_HAN = r"[\u4e00-\u9fff]"
# The 56 recognised ethnic groups, by the name written before 族 (蒙古族, 维吾尔族 …).
_ETHNIC = (
    r"(汉|蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲"
    r"|高山|拉祜|水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌"
    r"|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴"
    r"|珞巴|基诺)族"
)
# Saying who is wanted (招, 要, 找 …) or refused (勿扰, 不要 …).
_WANT = r"(招聘?|要求?|需要?|找|限|仅限|仅招|只招|只要|希望|优先|适合)"
_REFUSE = r"(勿扰|不要|免谈|不考虑|不予录用|不录用|不招|别投|请绕道|不适合)"
# Inclusive or statutory wording, taken out before matching: 男女不限 says no requirement;
# 未满16周岁 and 18周岁以上 are legal minimum ages (the Labour Law's 16, the 18 of special
# operations), not a preference.
_NEUTRAL = re.compile(
    r"男女不限|男女均可|男女皆可|不限男女|性别不限|年龄不限|不限年龄|户籍不限|户口不限"
    r"|不限户籍|不限户口|不限地域|民族不限|不限民族"
    # A legal minimum age, unless an upper bound follows (18岁以上至35岁 is a range).
    r"|((年满|未满|不满)\s*1[68]\s*周?岁|(?<![\d\-~至到—])1[68]\s*周?岁\s*(及)?以上)"
    r"(?!\s*(及)?(以上)?\s*[至到\-~—－]\s*\d)"
)

# Phrases that state a requirement or preference on a protected trait.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "gender",
        re.compile(
            rf"{_WANT}\s*(一个|一名|\d+名|个|名|些|位)?\s*(男|女)(?![装科款鞋包表职])"
            r"|(男|女)(性|士|生|的)?\s*(优先|限定|"
            + _REFUSE[1:]
            + r"|(^|[，,、;；:：\s])(男|女)(性|士|生|的|工)?(?=$|[，,、;；。.\s])"
            r"|^\s*(男|女)(性|的)?(?![装科款鞋包表职士性男女])" + _HAN + r"|性别\s*[:：]?\s*(男|女)"
            r"|小伙子?|小姑娘|姑娘|大姐|阿姨|大叔|女孩子?|男孩子?"
        ),
    ),
    (
        "age",
        re.compile(
            r"年龄\s*(要求|限|在|须|需|:|：)?\s*\d|\d{2}\s*[-~至到—]\s*\d{2}\s*周?岁"
            r"|\d{2}\s*周?岁\s*(及)?(以上)?\s*[至到\-~—－]\s*\d{2}\s*周?岁"
            r"|\d{2}\s*周?岁\s*(以下|以上|以内|之间|左右)"
            r"|(不超过|不满|未满|超过|低于|高于)\s*\d{2}\s*周?岁"
            r"|(?<!\d)\d[05]后"
            rf"|({_WANT[1:-1]}|联系)\S{{0,4}}(年轻|年纪轻|年龄小|中年|大龄|退休)|年轻(人)?优先"
            rf"|(年纪大|年龄大|年龄偏大|大龄|中年人?|老年人|超龄)\S{{0,3}}(的)?\S{{0,3}}{_REFUSE}"
            r"|年纪大的就"
        ),
    ),
    (
        "ethnicity",
        re.compile(
            rf"{_WANT}\s*(一个|一名|个|名|些|位)?\s*{_ETHNIC}|{_ETHNIC}\s*(优先|限定|者优先)"
            rf"|少数民族\S{{0,2}}({_REFUSE[1:-1]}|优先|限定)|民族\s*[:：]\s*{_HAN}"
        ),
    ),
    (
        "marital or childbearing status",
        re.compile(
            r"已婚|未婚|婚育|已育|未育|离异|丧偶|宝妈|孕妇|夫妻工|二胎|三胎|生育计划"
            rf"|{_WANT}\S{{0,2}}夫妻|单身(优先|者|男|女|人士)|怀孕\S{{0,3}}{_REFUSE}"
        ),
    ),
    (
        "health",
        re.compile(
            r"乙肝\S{0,6}" + _REFUSE + r"|(无|非|排除)乙肝|乙肝(五项|两对半)|小三阳|大三阳"
            r"|(病史|疾病史|遗传病)"
            r"|(糖尿病|高血压|心脏病|癫痫|精神病|抑郁症|HIV|艾滋病?|残疾人?)\S{0,4}"
            + _REFUSE
            + r"|(HIV|艾滋)\S{0,4}(阳性|携带)"
        ),
    ),
    (
        "household registration",
        re.compile(
            r"户口|户籍|本地人|限本地"
            rf"|(外地|外省|外市|{_HAN}{{2,3}}人)(人|人员)?\S{{0,2}}{_REFUSE}"
        ),
    ),
    (
        "religion",
        re.compile(
            r"信教|宗教(?!事务)|伊斯兰|穆斯林|佛教徒|基督徒|天主教徒|信佛|信基督|戴头巾|做礼拜"
        ),
    ),
    (
        "appearance",
        re.compile(
            r"身高\s*\d|体重|颜值|五官端正|形象(好|佳)|气质佳|长相|相貌|疤痕|纹身|戴眼镜|太胖|太瘦"
            r"|长得(好|漂亮|帅)"
        ),
    ),
]


# In a seeker's own text, or a search, a plain statement of a trait is enough: it would
# reach the keyword index and the embedding, and so the ranking.
_SELF_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("gender", re.compile(r"本人\s*(性别)?\s*[:：]?\s*(男|女)|我是(男|女)")),
    (
        "age",
        re.compile(
            r"(今年|现年|本人)?\s*\d{2}\s*(多)?\s*周?岁|\d{4}\s*年\s*(出生|生人)"
            r"|属[鼠牛虎兔龙蛇马羊猴鸡狗猪]|年轻|中年|大龄"
        ),
    ),
    ("ethnicity", re.compile(_ETHNIC)),
    ("marital or childbearing status", re.compile(r"生完|怀孕|孩子\s*(刚|才)?\s*\d|单身")),
    ("health", re.compile(r"乙肝|残疾|HIV|艾滋")),
    ("religion", re.compile(r"信(仰)?(佛|基督|伊斯兰|天主)|教徒")),
    ("appearance", re.compile(r"身高|体重|帅气|漂亮")),
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
    normal = _NEUTRAL.sub(" ", unicodedata.normalize("NFKC", text))
    hits = []
    for trait, pattern in _PATTERNS + (_SELF_PATTERNS if self_description else []):
        match = pattern.search(normal)
        if match:
            # A little context either side, so the caller recognises the phrase.
            hits.append((trait, normal[max(0, match.start() - 2) : match.end() + 3].strip()))
    return hits


# Where a requirement ends: the clause it is stated in is cut out, not the whole text.
_CLAUSE = re.compile(r"[^，,。；;！!？?\n]+[，,。；;！!？?\n]*")


@dataclass(frozen=True)
class Sanitized:
    """A text with its discriminatory requirements cut out: what is left, and each clause
    removed with the trait it stated."""

    text: str
    removed: list[tuple[str, str]]


def sanitize(text: str) -> Sanitized:
    """Cut out each clause (up to the next comma, full stop, semicolon, ! ? or line end) that
    states a discriminatory requirement — only in a text that strict checking refuses, and
    read in its place: clause by clause from the start, a clause goes when the text kept so
    far plus that clause states a requirement. A requirement that only the clauses after it
    complete is left in (the caller refuses what ``protected_phrases`` still finds)."""
    if not protected_phrases(text):
        return Sanitized(text, [])
    kept = ""
    removed: list[tuple[str, str]] = []
    for clause in _CLAUSE.findall(text) or [text]:
        hits = protected_phrases(kept + clause)
        if hits:
            removed.append((hits[0][0], clause.strip(" ，,。；;！!？?\n")))
        else:
            kept += clause
    return Sanitized(kept.strip().rstrip("，,；;、"), removed)


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
