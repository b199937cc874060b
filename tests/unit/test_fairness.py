"""Protected traits are refused as fields and as stated requirements; ordinary text passes."""

import pytest

from matcher.policy.fairness import (
    GROUNDS,
    TRAIT_NAMES,
    Sanitized,
    field_errors,
    protected_fields,
    protected_phrases,
    sanitize,
)


@pytest.mark.parametrize(
    "text",
    [
        "限男性",
        "仅限女性",
        "男性优先",
        "35岁以下",
        "年龄18-45周岁",
        "年龄：20-40",
        "18至35岁",
        "不超过40周岁",
        "汉族优先",
        "限蒙古族",
        "已婚已育",
        "本地户口",
        "户籍不限本地人优先",
        "招小伙子两名，能吃苦",
        "男性焊工，熟练二保焊",
        "90后优先",
        "年纪大的勿扰",
        "宝妈优先",
        "乙肝携带者勿扰",
        "有遗传病史者不予录用",
        "河南人勿扰",
        "外地人员不考虑",
        "信教者勿扰",
        "身高170以上，五官端正",
        "限汉族",
        "少数民族优先",
    ],
)
def test_discriminatory_requirements_are_found(text: str) -> None:
    assert protected_phrases(text)


@pytest.mark.parametrize(
    "text",
    [
        "熟练氩弧焊，持证上岗",
        "5年以上工作经验",
        "男女不限",
        "年龄不限",
        "女装销售",
        "男装店导购",
        "少数民族地区重点项目",
        "民族乐器制作工",
        "户外作业",
        "35kV变电站",
        "单身公寓",
        "3年以上",
        "不限户籍，男女不限",
        "招聘男女不限",
        "男女同工同酬",
        "未满16周岁不得录用",
        "须年满18周岁",
        "特种作业人员须18周岁以上",
        "16周岁及以上",
        "蒙古语翻译",
        "持健康证上岗",
        "提供夫妻房",
        "清真餐厅厨师",
        "乙肝病原携带者可正常报名",
        "残疾人亦可应聘",
        "女职工享受三期保护",
        "能适应高空作业",
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert protected_phrases(text) == []


def test_protected_field_names_in_any_language_and_depth() -> None:
    body = {"title": "焊工", "Gender": "x", "contact": {"年龄": 30}, "certificates": [{"hukou": 1}]}
    assert sorted(protected_fields(body)) == ["Gender", "certificates.0.hukou", "contact.年龄"]


def test_field_errors_name_the_field_and_the_phrase() -> None:
    errors = field_errors({"title": "电焊工", "description": "限男性，45岁以下"}, ["description"])
    assert [e["field"] for e in errors] == ["description", "description"]
    assert "限男性" in errors[0]["message"]


@pytest.mark.parametrize("text", ["本人男，35岁", "性别：女", "今年42岁", "1988年出生", "属龙"])
def test_a_seekers_own_statement_of_age_or_gender_is_found(text: str) -> None:
    assert protected_phrases(text, self_description=True)
    assert not protected_phrases("从事焊接12年，带过3个徒弟", self_description=True)


@pytest.mark.parametrize("text", ["男的", "90后", "蒙古族", "宝妈", "身高170", "我是乙肝小三阳"])
def test_a_search_or_a_seekers_text_naming_a_trait_is_found(text: str) -> None:
    assert protected_phrases(text, self_description=True)
    assert not protected_phrases("蒙古语翻译 呼和浩特", self_description=True)


def test_sanitize_cuts_the_clause_of_each_requirement_and_keeps_the_rest() -> None:
    result = sanitize("招聘焊工2名，限男性，年龄25-35岁，持焊工证，月薪8000元。")
    assert result.text == "招聘焊工2名，持焊工证，月薪8000元。"
    assert [trait for trait, _ in result.removed] == ["gender", "age"]
    assert [clause for _, clause in result.removed] == ["限男性", "年龄25-35岁"]
    assert protected_phrases(result.text) == []
    # Neutral wording is no requirement: nothing is cut.
    # What strict checking accepts is never cut, even a clause that alone would look like one.
    for neutral in (
        "男女不限，能倒班。",
        "少数民族地区项目招聘电工",
        "技能：蒙古语翻译",
        "提供食宿，女工宿舍独立，五险一金",
        "负责男、女浴室保洁",
    ):
        assert sanitize(neutral) == Sanitized(neutral, [])
    # Every line of a multi-line ad is a clause of its own.
    assert sanitize("急招电工\n90后优先\n包吃住").text == "急招电工\n包吃住"


def test_sanitize_reads_a_clause_in_its_place_and_keeps_what_strict_accepts() -> None:
    result = sanitize("提供食宿，女工宿舍独立，限男性")
    assert result.text == "提供食宿，女工宿舍独立"
    assert result.removed == [("gender", "限男性")]


@pytest.mark.parametrize(
    "text",
    [
        "18周岁以上，35周岁以下",
        "18-35周岁",
        "18岁以上至35岁",
        "18岁以上到35岁",
        "18岁以上-40岁",
        "年满18周岁以上至45周岁",
        "年满18周岁至45周岁",
    ],
)
def test_a_legal_minimum_age_does_not_hide_an_upper_limit_next_to_it(text: str) -> None:
    assert protected_phrases(text)


def test_every_trait_has_its_grounds_in_words() -> None:
    assert set(GROUNDS) == set(TRAIT_NAMES)
    assert all(g and "《" in g for t, g in GROUNDS.items() if t not in ("age", "appearance"))
