"""The incentive evaluator: a truth table over each rule kind and their combinations."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from matcher.policy.incentive_models import Policy
from matcher.policy.incentives import (
    evaluate,
    first_year_value,
    grants,
    indexed_policy_ids,
    posting_flags,
)
from matcher.taxonomy.regions import RegionCatalog

DAY = date(2026, 6, 1)
EJINA, ALXA_LEFT, BAOTOU_KUN, HOHHOT = "152923", "152921", "150203", "150102"
BEIJING = "110101"


@pytest.fixture(scope="module")
def regions() -> RegionCatalog:
    return RegionCatalog.load()


def policy(**rule: Any) -> Policy:
    extra = {k: rule.pop(k) for k in ("valid_from", "valid_until", "status") if k in rule}
    return Policy.model_validate(
        {
            "policy_id": "p1",
            "version": 1,
            "status": extra.get("status", "active"),
            "recorded_at": datetime(2026, 1, 1, tzinfo=UTC),
            "recorded_by": "tests",
            "name": "津贴",
            "authority": "人社厅",
            "valid_from": extra.get("valid_from", "2026-01-01"),
            "valid_until": extra.get("valid_until", "2026-12-31"),
            "benefits": [
                {"kind": "monthly_allowance", "unit": "yuan_per_month", "amount": 1000},
                {"kind": "relocation_subsidy", "unit": "yuan_once", "amount": 5000},
                {"kind": "appraisal_priority", "unit": "in_kind"},
            ],
            "eligibility": {"key_project": False, "area": "any", **rule},
        }
    )


def posting(**fields: Any) -> dict[str, Any]:
    return {
        "region_code": EJINA,
        "occupation_code": "6-18-02-04",
        "key_project": {"name": "额济纳风电基地", "remote": True},
        "key_project_id": "kp-ejina-wind",  # linked to the registry by an office
        **fields,
    }


def profile(**fields: Any) -> dict[str, Any]:
    return {"region_code": BAOTOU_KUN, "skill_level": 3, "willing_to_relocate": True, **fields}


def granted(p: Policy, post: dict[str, Any], prof: dict[str, Any], regions: RegionCatalog) -> bool:
    return all(c.passed for c in evaluate(p, post, prof, day=DAY, regions=regions))


# (rule, posting fields, profile fields, granted?)
TRUTH_TABLE: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], bool]] = [
    ("no rule", {}, {}, {}, True),
    ("key project: yes", {"key_project": True}, {}, {}, True),
    ("key project: none", {"key_project": True}, {"key_project": None}, {}, False),
    # A project the enterprise named but no office linked to the registry is a claim only.
    ("key project: claimed only", {"key_project": True}, {"key_project_id": None}, {}, False),
    (
        "key project: among the policy's projects",
        {"key_project": True, "project_ids": ["kp-ejina-wind"]},
        {},
        {},
        True,
    ),
    (
        "key project: not among the policy's projects",
        {"key_project": True, "project_ids": ["kp-other"]},
        {},
        {},
        False,
    ),
    ("remote area: 额济纳旗", {"area": "configured_remote"}, {}, {}, True),
    (
        "remote area: 呼和浩特新城区",
        {"area": "configured_remote"},
        {"region_code": HOHHOT},
        {},
        False,
    ),
    ("listed county: in", {"area": "listed", "county_codes": [ALXA_LEFT, EJINA]}, {}, {}, True),
    ("listed county: out", {"area": "listed", "county_codes": [ALXA_LEFT]}, {}, {}, False),
    ("occupation code", {"occupation_codes": ["6-18-02-04"]}, {}, {}, True),
    ("occupation minor group", {"occupation_codes": ["6-18-02"]}, {}, {}, True),
    ("occupation major group", {"occupation_codes": ["6"]}, {}, {}, True),
    ("occupation other group", {"occupation_codes": ["6-28"]}, {}, {}, False),
    ("occupation sibling code", {"occupation_codes": ["6-18-02-05"]}, {}, {}, False),
    (
        "occupation unknown on posting",
        {"occupation_codes": ["6"]},
        {"occupation_code": None},
        {},
        False,
    ),
    ("grade: exactly the minimum", {"min_grade": 3}, {}, {"skill_level": 3}, True),
    ("grade: one above", {"min_grade": 3}, {}, {"skill_level": 2}, True),
    ("grade: one below", {"min_grade": 3}, {}, {"skill_level": 4}, False),
    ("grade: 高级技师 for 高级技师", {"min_grade": 1}, {}, {"skill_level": 1}, True),
    ("grade: 技师 for 高级技师", {"min_grade": 1}, {}, {"skill_level": 2}, False),
    ("grade: none held", {"min_grade": 5}, {}, {"skill_level": None}, False),
    # The award's one-grade-up counts for ranking, not for money.
    (
        "grade: award does not lift it",
        {"min_grade": 2},
        {},
        {"skill_level": 3, "effective_level": 2, "award_bonus": True},
        False,
    ),
    ("moving: other city", {"moving_from": "other_city"}, {}, {}, True),
    (
        "moving: same city, other county",
        {"moving_from": "other_city"},
        {},
        {"region_code": ALXA_LEFT},
        False,
    ),
    ("moving: same county", {"moving_from": "other_city"}, {}, {"region_code": EJINA}, False),
    (
        "moving: outside region from Beijing",
        {"moving_from": "outside_region"},
        {},
        {"region_code": BEIJING},
        True,
    ),
    ("moving: outside region from 包头", {"moving_from": "outside_region"}, {}, {}, False),
    (
        "moving: other city from outside",
        {"moving_from": "other_city"},
        {},
        {"region_code": BEIJING},
        True,
    ),
    ("commitment: posting silent", {"min_commitment_months": 24}, {}, {}, True),
    ("commitment: long enough", {"min_commitment_months": 24}, {"contract_months": 24}, {}, True),
    ("commitment: too short", {"min_commitment_months": 24}, {"contract_months": 12}, {}, False),
    (
        "all rules, all met",
        {
            "key_project": True,
            "area": "configured_remote",
            "occupation_codes": ["6-18"],
            "min_grade": 2,
            "moving_from": "other_city",
            "min_commitment_months": 12,
        },
        {"contract_months": 36},
        {"skill_level": 2},
        True,
    ),
    (
        "all rules, only the grade fails",
        {
            "key_project": True,
            "area": "configured_remote",
            "occupation_codes": ["6-18"],
            "min_grade": 2,
            "moving_from": "other_city",
        },
        {},
        {"skill_level": 3},
        False,
    ),
    (
        "all rules, only the place fails",
        {"key_project": True, "area": "configured_remote", "min_grade": 3},
        {"region_code": BAOTOU_KUN},
        {"region_code": HOHHOT},
        False,
    ),
]


@pytest.mark.parametrize(
    ("rule", "post", "prof", "expected"),
    [pytest.param(r, p, q, e, id=name) for name, r, p, q, e in TRUTH_TABLE],
)
def test_truth_table(
    regions: RegionCatalog,
    rule: dict[str, Any],
    post: dict[str, Any],
    prof: dict[str, Any],
    expected: bool,
) -> None:
    p = policy(**rule)
    assert granted(p, posting(**post), profile(**prof), regions) is expected
    # grants() agrees with the checks and the failing check is named.
    found = grants([p], posting(**post), profile(**prof), day=DAY, regions=regions)
    assert bool(found) is expected
    if expected:
        # Each part the policy sets is one named check in the grant; unset parts none.
        names = {
            "key_project": "key_project",
            "area": "area",
            "occupation_codes": "occupation",
            "min_grade": "grade",
            "moving_from": "moving_from",
            "min_commitment_months": "commitment",
        }
        wanted = {names[k] for k, v in rule.items() if k in names and v not in (False, "any")}
        assert {c.rule for c in found[0].granted_by} == wanted | {"in_force"}


@pytest.mark.parametrize(
    ("when", "dates", "expected"),
    [
        ("first day", {"valid_from": "2026-06-01"}, True),
        ("last day", {"valid_until": "2026-06-01"}, True),
        ("expired yesterday", {"valid_until": "2026-05-31"}, False),
        ("starts tomorrow", {"valid_from": "2026-06-02"}, False),
        ("open-ended", {"valid_until": None}, True),
        ("retired", {"status": "retired"}, False),
    ],
)
def test_validity_period_and_retirement(
    regions: RegionCatalog, when: str, dates: dict[str, Any], expected: bool
) -> None:
    p = policy(**dates)
    checks = evaluate(p, posting(), profile(), day=DAY, regions=regions)
    assert all(c.passed for c in checks) is expected, when
    assert bool(posting_flags([p], posting(), day=DAY, regions=regions)) is expected


def test_a_failed_rule_says_why(regions: RegionCatalog) -> None:
    p = policy(min_grade=2, moving_from="other_city")
    checks = evaluate(
        p, posting(), profile(skill_level=4, region_code=EJINA), day=DAY, regions=regions
    )
    failed = {c.rule: c.detail for c in checks if not c.passed}
    assert set(failed) == {"grade", "moving_from"}
    assert "中级" in failed["grade"]
    assert "技师" in failed["grade"]


def test_posting_flags_say_for_whom_and_ignore_the_candidate(regions: RegionCatalog) -> None:
    p = policy(key_project=True, area="configured_remote", min_grade=3, moving_from="other_city")
    (flag,) = posting_flags([p], posting(), day=DAY, regions=regions)
    assert flag.candidates == ["技能等级高级及以上", "从其他盟市（或区外）流动而来"]
    assert {c.rule for c in flag.posting_rule} == {"key_project", "area"}
    assert (flag.monthly_total, flag.one_off_total) == (1000, 5000)
    assert not posting_flags([p], posting(key_project=None), day=DAY, regions=regions)


def test_index_flags_ignore_dates_but_not_retirement(regions: RegionCatalog) -> None:
    live = policy(area="configured_remote")
    expired = policy(area="configured_remote", valid_until="2026-01-31").model_copy(
        update={"policy_id": "p2"}
    )
    retired = policy(area="configured_remote", status="retired").model_copy(
        update={"policy_id": "p3"}
    )
    elsewhere = policy(area="listed", county_codes=[ALXA_LEFT]).model_copy(
        update={"policy_id": "p4"}
    )
    # Queries restrict the stored ids to the policies in force on the day.
    assert indexed_policy_ids([live, expired, retired, elsewhere], posting(), regions) == [
        "p1",
        "p2",
    ]


def test_totals_and_first_year_value(regions: RegionCatalog) -> None:
    a = policy()
    b = policy().model_copy(update={"policy_id": "p2"})
    found = grants([a, b], posting(), profile(), day=DAY, regions=regions)
    assert [g.monthly_total for g in found] == [1000, 1000]
    assert first_year_value(found) == 2 * (12 * 1000 + 5000)


@pytest.mark.parametrize(
    ("benefit", "message"),
    [
        ({"kind": "monthly_allowance", "unit": "yuan_once", "amount": 1}, "yuan_per_month"),
        ({"kind": "relocation_subsidy", "unit": "yuan_once"}, "needs an amount"),
        ({"kind": "appraisal_priority", "unit": "in_kind", "amount": 5}, "no amount"),
    ],
)
def test_benefits_must_fit_their_kind(benefit: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        policy().model_validate({**policy().model_dump(), "benefits": [benefit]})


def test_listed_area_needs_counties() -> None:
    with pytest.raises(ValueError, match="county_codes"):
        policy(area="listed")
    with pytest.raises(ValueError, match="only read"):
        policy(area="any", county_codes=[EJINA])
