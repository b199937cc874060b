import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from matcher.demo.generate import generate_postings, generate_profiles, main
from matcher.demo.trades import trades
from matcher.policy.fairness import field_errors, protected_fields
from matcher.postings.models import PostingIn
from matcher.profiles.models import ProfileIn
from matcher.taxonomy.grades import recognised_award
from matcher.taxonomy.occupations import OccupationCatalog
from matcher.taxonomy.regions import RegionCatalog

N = 1000
FORBIDDEN_WORDS = ("年龄", "性别", "民族", "婚", "户籍", "户口", "男", "女", "岁")
LEAGUE_CITIES = {"150100", "150200", "150300", "150400", "150500", "150600", "150700",
                 "150800", "150900", "152200", "152500", "152900"}  # fmt: skip


@pytest.fixture(scope="module")
def profiles() -> list[dict[str, Any]]:
    return generate_profiles(N, seed=7)


@pytest.fixture(scope="module")
def postings() -> list[dict[str, Any]]:
    return generate_postings(N, seed=7)


@pytest.fixture(scope="module")
def regions() -> RegionCatalog:
    return RegionCatalog.load()


def _strings(value: object) -> Iterator[str]:
    """Every key and string value in a record, at any depth."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _body(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "id"}


def test_same_seed_same_records_and_another_seed_other_records() -> None:
    assert generate_profiles(50, seed=3) == generate_profiles(50, seed=3)
    assert generate_postings(50, seed=3) == generate_postings(50, seed=3)
    assert generate_profiles(50, seed=3) != generate_profiles(50, seed=4)
    assert generate_postings(50, seed=3) != generate_postings(50, seed=4)
    # A longer run starts with the shorter one: records do not depend on n.
    assert generate_postings(60, seed=3)[:50] == generate_postings(50, seed=3)


def test_counts_and_ids(profiles: list[dict[str, Any]], postings: list[dict[str, Any]]) -> None:
    assert len(profiles) == N
    assert len(postings) == N
    assert profiles[122]["id"] == "gen-prof-000123"
    assert postings[44]["id"] == "gen-post-000045"
    assert len({r["id"] for r in profiles}) == N
    assert len({r["id"] for r in postings}) == N
    assert generate_profiles(0, seed=1) == []


def test_every_profile_validates(profiles: list[dict[str, Any]]) -> None:
    for record in profiles:
        ProfileIn.model_validate(_body(record))
        assert field_errors(_body(record), ("title", "summary", "skills")) == []


def test_every_posting_validates(postings: list[dict[str, Any]]) -> None:
    for record in postings:
        PostingIn.model_validate(_body(record))
        assert field_errors(_body(record), ("title", "description")) == []


def test_codes_are_real_regions_and_csco_occupations(
    profiles: list[dict[str, Any]], postings: list[dict[str, Any]], regions: RegionCatalog
) -> None:
    occupations = OccupationCatalog.load()
    codes = [c for p in profiles for c in p["occupation_codes"]]
    codes += [p["occupation_code"] for p in postings] + [t.code for t in trades()]
    for code in set(codes):
        occupation = occupations.get(code)
        assert occupation is not None, code
        assert occupation.level == 4, code
    places = [p["region_code"] for p in profiles + postings]
    places += [c for p in profiles for c in p["preferred_region_codes"]]
    assert all(regions.is_valid(code) for code in places)
    assert all(regions.within(p["region_code"], "150000") for p in profiles + postings)


def test_all_twelve_league_cities_appear(
    profiles: list[dict[str, Any]], postings: list[dict[str, Any]], regions: RegionCatalog
) -> None:
    for records in (profiles, postings):
        assert {regions.city_of(r["region_code"]) for r in records} == LEAGUE_CITIES


def test_no_protected_trait_anywhere(
    profiles: list[dict[str, Any]], postings: list[dict[str, Any]]
) -> None:
    for record in profiles + postings:
        assert protected_fields(record) == []
        for text in _strings(record):
            assert not any(word in text for word in FORBIDDEN_WORDS), (record["id"], text)


def test_grades_lean_to_senior_and_intermediate(profiles: list[dict[str, Any]]) -> None:
    grades = Counter(p["skill_level"] for p in profiles)
    top_two = {g for g, _ in grades.most_common(2)}
    assert top_two == {3, 4}
    assert set(grades) <= {1, 2, 3, 4, 5, None}


def test_experience_fits_the_grade(profiles: list[dict[str, Any]]) -> None:
    by_grade: dict[int, list[float]] = {}
    for p in profiles:
        if p["skill_level"]:
            by_grade.setdefault(p["skill_level"], []).append(p["years_experience"])
    means = {g: sum(ys) / len(ys) for g, ys in by_grade.items()}
    assert means[1] > means[2] > means[3] > means[4] > means[5]
    assert max(by_grade[5]) <= 3


def test_people_and_contacts_are_plausible_and_fake(profiles: list[dict[str, Any]]) -> None:
    willing = sum(p["willing_to_relocate"] for p in profiles) / N
    assert 0.3 < willing < 0.5
    assert all(p["preferred_region_codes"] == [] for p in profiles if not p["willing_to_relocate"])
    awards = [a for p in profiles for a in p["awards"]]
    assert 0 < len(awards) < 0.06 * N
    assert all(recognised_award(a) is not None for a in awards)
    for p in profiles:
        contact = p["contact"]
        assert re.fullmatch(r"138\d{8}", contact["phone"])
        assert contact["email"] is None or contact["email"].endswith("@example.cn")
    assert Counter(p["status"] for p in profiles).most_common(1)[0][0] == "active"


def test_certificates_fit_the_trade_and_some_have_lapsed(
    profiles: list[dict[str, Any]],
) -> None:
    welders = [p for p in profiles if p["occupation_codes"][0] == "6-18-02-04"]
    permits = [c for p in welders for c in p["certificates"] if c["type"] == "special_operation"]
    assert permits
    assert {c["name"] for c in permits} == {"熔化焊接与热切割作业"}
    assert any(
        not any(c["type"] == "special_operation" for c in p["certificates"]) for p in welders
    )
    every = [c for p in profiles for c in p["certificates"]]
    assert {c["type"] for c in every} >= {"skill_level", "special_operation", "special_equipment"}
    lapsed = [c for c in every if c["expires_on"] and c["expires_on"] < "2026-01-01"]
    assert 0 < len(lapsed) < len(every) / 4


def test_postings_look_like_shortage_postings(
    postings: list[dict[str, Any]], regions: RegionCatalog
) -> None:
    unpaid = [p for p in postings if p["wage_min"] is None]
    assert 0.05 * N < len(unpaid) < 0.3 * N
    for p in postings:
        if p["wage_min"] is not None:
            assert 3000 <= p["wage_min"] <= p["wage_max"] <= 30000
        assert p["valid_from"].startswith("2026")
        assert p["valid_from"] < p["valid_until"]
        if p["occupation_code"] in ("6-18-02-04", "6-31-01-03"):
            required = [c for c in p["required_certificates"] if c["type"] == "special_operation"]
            assert required
            assert all(c["mandatory"] for c in required)
    statuses = Counter(p["status"] for p in postings)
    assert statuses["active"] > 0.7 * N
    assert len({p["enterprise_id"] for p in postings}) > 50


def test_some_postings_are_at_remote_key_projects(
    postings: list[dict[str, Any]], regions: RegionCatalog
) -> None:
    remote = [p for p in postings if p["key_project"] and p["key_project"]["remote"]]
    assert 0.05 * N < len(remote) < 0.2 * N
    for p in remote:
        assert regions.is_remote(p["region_code"])
        county = regions.get(p["region_code"])
        assert county is not None
        assert p["key_project"]["name"].startswith(county.name)


def test_titles_are_varied(postings: list[dict[str, Any]]) -> None:
    titles = {p["title"] for p in postings}
    assert len(titles) > 300
    assert any("（" in t for t in titles)
    assert any(t.endswith("技师") for t in titles)


def test_main_writes_jsonl_files(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    main(["--profiles", "5", "--postings", "3", "--seed", "11", "--out", str(out)])
    lines = (out / "profiles.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == generate_profiles(5, seed=11)
    assert "\\u" not in lines[0]  # Chinese written as UTF-8, not escaped
    postings = (out / "postings.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line) for line in postings] == generate_postings(3, seed=11)
