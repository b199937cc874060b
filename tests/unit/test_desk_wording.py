"""What the desk says about a pair, on fixed pairs: incentives in money and conditions, reasons
that are reasons, certificates named with their document, a grade still to verify."""

from datetime import date
from typing import Any, cast

from indexes.documents import PostingDoc, ProfileDoc
from matcher.desk.explain import explain, incentive_badges
from matcher.desk.pages import looks_like_id, named_id
from matcher.policy import features as f
from matcher.policy.incentive_models import Benefit, BenefitKind, Grant, Unit
from matcher.policy.ranking import Scored
from matcher.policy.relevance import Tier, fit, summary
from matcher.policy.rules import RuleResult, check
from matcher.taxonomy.certificates import catalogue_names, satisfies
from matcher.taxonomy.occupations import OccupationCatalog
from matcher.walkin.service import parse_certificates

DAY = date(2026, 12, 7)
WELDER_POSTING: dict[str, Any] = {
    "id": "p-weld",
    "title": "焊工",
    "occupation_code": "6-18-02-04",
    "required_level": 3,
    "wage_min": 6000,
    "wage_max": 8000,
    "required_certificates": [],
    "key_project": {"name": "东乌旗特高压项目", "remote": True},
}
WELDER: dict[str, Any] = {
    "skill_level": 3,
    "effective_level": 3,
    "expected_monthly_wage": 8800,
    "certificates": [],
    "permits": [],
}


def allowance() -> Grant:
    return Grant(
        policy_id="remote-key-project-allowance",
        version=1,
        name="边远地区重点建设项目高技能人才岗位津贴",
        authority="自治区人力资源和社会保障厅（示例）",
        benefits=[
            Benefit(kind=BenefitKind.MONTHLY_ALLOWANCE, unit=Unit.YUAN_PER_MONTH, amount=1500),
            Benefit(
                kind=BenefitKind.APPRAISAL_PRIORITY,
                unit=Unit.IN_KIND,
                description="技师评聘同等条件下优先",
            ),
        ],
        monthly_total=1500,
        one_off_total=0,
        granted_by=[],
        conditions=["须在项目服务满12个月"],
        valid_until=date(2028, 12, 31),
    )


def scored(
    features: dict[str, f.Feature], rules: list[RuleResult], grants: list[Grant] | None = None
) -> Scored:
    return Scored(
        "p-weld",
        0.8,
        features,
        {name: feat.value for name, feat in features.items()},
        [],
        rules,
        WELDER_POSTING,
        grants=grants or [],
        summary="职业对口",
    )


def test_an_incentive_is_said_in_money_place_and_conditions() -> None:
    [badge] = incentive_badges(scored({}, [], [allowance()]))
    assert badge.label == "边远地区重点建设项目高技能人才岗位津贴"
    assert badge.detail == (
        "去东乌旗特高压项目每月多 1500 元，技师评聘同等条件下优先；须在项目服务满12个月"
        "（政策有效至2028年12月31日）"
    )
    assert incentive_badges(scored({}, [])) == []


def test_neutral_defaults_and_shortfalls_are_never_given_as_reasons() -> None:
    wage, gaps = f.wage(WELDER_POSTING, WELDER)
    certs, _ = f.certificates(WELDER_POSTING, WELDER, DAY)
    grade = f.grade(WELDER_POSTING, WELDER)
    explained = explain(scored({"wage": wage, "certificates": certs, "grade": grade}, []))
    said = [r.detail for r in explained.reasons]
    assert gaps, "a wage above the range is a gap"
    assert wage.detail == "期望月薪高于岗位上限10%"
    assert said == ["技能等级符合要求"]
    assert "推荐理由：技能等级符合要求" in explained.summary


def test_the_employment_access_rule_names_its_document() -> None:
    rules = check(
        cast(PostingDoc, WELDER_POSTING), cast(ProfileDoc, WELDER), DAY, OccupationCatalog.load()
    )
    access = next(r for r in rules if r.rule == "employment_access")
    assert not access.passed
    assert access.detail == "就业准入职业：须持有效的《特种作业操作证》（熔化焊接与热切割作业）"


def test_a_grade_to_verify_is_neither_met_nor_failed() -> None:
    pending = RuleResult("grade", False, "技能等级要求高级工及以上", None, pending=True)
    met = RuleResult("employment_access", True, "就业准入职业：已持证")
    explained = explain(scored({}, [pending, met]))
    assert explained.eligible
    assert explained.summary.startswith("职业对口。待核实：技能等级要求高级工及以上")
    assert "均符合" not in explained.summary
    assert explained.missing == []


def test_a_typeahead_pick_names_its_posting_id() -> None:
    assert named_id("焊工（包钢）（post-2024-0001）") == "post-2024-0001"
    assert named_id("焊工") == "焊工"
    assert looks_like_id("post-2024-0001")
    assert not looks_like_id("PLC")
    assert not looks_like_id("焊工")


def test_everyday_certificate_names_are_read_as_the_official_items() -> None:
    assert parse_certificates("电焊证，叉车证; 低压电工作业") == [
        "熔化焊接与热切割作业",
        "叉车司机（N1）",
        "低压电工作业",
    ]
    welder = OccupationCatalog.load().access_rule("6-18-02-04")
    assert welder is not None
    cert = {"type": "special_operation", "name": parse_certificates("电焊证")[0]}
    assert satisfies(cert, welder)
    assert {"叉车司机（N1）", "熔化焊接与热切割作业"} <= set(catalogue_names())


def test_the_same_trade_read_unsurely_is_never_called_unrelated() -> None:
    catalog = OccupationCatalog.load()
    unsure = fit([("6-18-02-04", 1.0)], [("6-18-02-04", 0.4), ("6-31-01-03", 0.3)])
    assert unsure.tier is Tier.UNRELATED
    said = summary(unsure, catalog)
    assert said.startswith("未能确认对口：岗位招“焊工”")
    assert "不对口" not in said
    other = fit([("6-18-02-04", 1.0)], [("6-31-01-03", 1.0)])
    assert summary(other, catalog).startswith("不对口：岗位招“焊工”")
