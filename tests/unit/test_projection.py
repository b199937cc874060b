"""The field-level views of a profile (unit level: no services)."""

from __future__ import annotations

from matcher.foundation.principals import Principal, Role
from matcher.policy.projection import (
    View,
    feature_detail,
    redact_profile,
    redacted_fields,
    region_filter_error,
    view_for,
)
from matcher.taxonomy.regions import RegionCatalog

STORED = {
    "id": "p1",
    "owner_id": "seeker-1",
    "title": "高级焊工",
    "summary": "自述",
    "skills": ["氩弧焊"],
    "skill_level": 3,
    "region_code": "150203",
    "city_code": "150200",
    "awards": ["自治区技术能手"],
    "expected_monthly_wage": 9000,
    "certificates": [{"name": "熔化焊接与热切割作业", "number": "T1", "key": "k"}],
    "contact": {"name": "王", "phone": "13800000001"},
    "search_text": "自述 焊工",
    "embedding": [0.1],
}


def _p(role: Role) -> Principal:
    return Principal(token_id="t", role=role, subject="s", region_code="150000")


def test_views_by_role() -> None:
    assert view_for(_p(Role.SEEKER)) is View.FULL
    assert view_for(_p(Role.OFFICE)) is View.FULL
    assert view_for(_p(Role.ADMIN)) is View.FULL
    assert view_for(_p(Role.ENTERPRISE)) is View.CANDIDATE
    assert view_for(_p(Role.ENTERPRISE), released=True) is View.CONSENTED
    assert view_for(_p(Role.PUBLIC), released=True) is View.CANDIDATE


def test_candidate_view_keeps_what_matching_needs_and_nothing_personal() -> None:
    shown = redact_profile(STORED, View.CANDIDATE)
    for hidden in ("contact", "summary", "awards", "owner_id", "search_text", "embedding"):
        assert hidden not in shown
    assert shown["certificates"] == [{"name": "熔化焊接与热切割作业", "key": "k"}]
    assert shown["region_code"] == "150200"
    assert shown["skill_level"] == 3
    assert shown["expected_monthly_wage"] == 9000
    assert shown["skills"] == ["氩弧焊"]
    # The stored document is untouched.
    assert STORED["certificates"][0]["number"] == "T1"  # type: ignore[index]


def test_consented_and_full_views() -> None:
    consented = redact_profile(STORED, View.CONSENTED)
    assert consented["contact"]["phone"] == "13800000001"
    assert consented["certificates"][0]["number"] == "T1"
    assert consented["region_code"] == "150203"
    assert "owner_id" not in consented
    full = redact_profile(STORED, View.FULL)
    assert full["owner_id"] == "seeker-1"
    assert "embedding" not in full
    assert redacted_fields(View.FULL) == []
    assert redacted_fields(View.CONSENTED) == ["owner_id", "occupation_confirmed_by"]
    assert "certificates.number" in redacted_fields(View.CANDIDATE)


def test_enterprises_filter_candidates_by_city_or_province_only() -> None:
    regions = RegionCatalog.load()
    ent, office = _p(Role.ENTERPRISE), _p(Role.OFFICE)
    assert region_filter_error(ent, "150203", regions)
    assert region_filter_error(ent, "150200", regions) is None
    assert region_filter_error(ent, "150000", regions) is None
    assert region_filter_error(office, "150203", regions) is None


def test_match_explanations_do_not_name_the_county_to_enterprises() -> None:
    assert feature_detail("location", "同一旗县区", View.CANDIDATE) == "同一盟市"
    assert feature_detail("location", "相距约120公里", View.CANDIDATE) == "异地"
    assert feature_detail("location", "相距约120公里", View.FULL) == "相距约120公里"
    assert feature_detail("skills", "同一旗县区", View.CANDIDATE) == "同一旗县区"
