"""Taxonomy lookups and title normalization through the API."""

import httpx
import pytest

from matcher.foundation.principals import Role
from tests.conftest import TokenFactory


@pytest.fixture
async def seeker(make_token: TokenFactory) -> dict[str, str]:
    return await make_token(Role.SEEKER, "seeker-tax")


async def test_typeahead_finds_names_aliases_and_prefixes(
    client: httpx.AsyncClient, seeker: dict[str, str]
) -> None:
    exact = (await client.get("/v1/taxonomy/occupations?q=焊工", headers=seeker)).json()
    assert exact["occupations"][0]["code"] == "6-18-02-04"
    assert exact["occupations"][0]["access_controlled"] is True
    prefix = (await client.get("/v1/taxonomy/occupations?q=锅炉", headers=seeker)).json()
    assert "锅炉操作工" in [o["name"] for o in prefix["occupations"]]
    infix = (await client.get("/v1/taxonomy/occupations?q=电解&level=4", headers=seeker)).json()
    assert "铝电解工" in [o["name"] for o in infix["occupations"]]
    assert all(o["level"] == 4 for o in infix["occupations"])
    limited = await client.get("/v1/taxonomy/occupations?q=工&limit=3", headers=seeker)
    assert len(limited.json()["occupations"]) == 3
    majors = (await client.get("/v1/taxonomy/occupations", headers=seeker)).json()
    assert len(majors["occupations"]) == 8


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("电焊", "焊工"),
        ("挖机", "挖掘铲运和桩工机械司机"),
        ("汽修", "汽车维修工"),
        ("护工", "医疗护理员"),
        # The exact name leads whatever else starts with the character.
        ("焊", "焊工"),
    ],
)
async def test_typeahead_reads_everyday_and_partial_words(
    client: httpx.AsyncClient, seeker: dict[str, str], q: str, first: str
) -> None:
    found = (await client.get(f"/v1/taxonomy/occupations?q={q}", headers=seeker)).json()
    names = [o["name"] for o in found["occupations"]]
    assert names[0] == first, names
    assert len(names) == len(set(names))


@pytest.mark.parametrize("query", ["level=9", "limit=0", "limit=51", "q=" + "焊" * 51])
async def test_typeahead_bounds(
    client: httpx.AsyncClient, seeker: dict[str, str], query: str
) -> None:
    resp = await client.get(f"/v1/taxonomy/occupations?{query}", headers=seeker)
    assert resp.status_code == 422


async def test_occupation_detail_with_access_rule_and_hierarchy(
    client: httpx.AsyncClient, seeker: dict[str, str]
) -> None:
    welder = (await client.get("/v1/taxonomy/occupations/6-18-02-04", headers=seeker)).json()
    assert welder["name"] == "焊工"
    assert welder["tasks"]
    assert welder["definition"]
    assert [p["code"] for p in welder["parents"]] == ["6-00-00-00", "6-18-00-00", "6-18-02-00"]
    assert welder["access_rule"]["certificate_type"] == "special_operation"
    assert welder["access_rule"]["how_to_obtain"]
    group = (await client.get("/v1/taxonomy/occupations/6-18-02-00", headers=seeker)).json()
    assert "6-18-02-04" in [c["code"] for c in group["children"]]
    missing = await client.get("/v1/taxonomy/occupations/6-99-99-99", headers=seeker)
    assert missing.status_code == 404


async def test_regions_by_parent(client: httpx.AsyncClient, seeker: dict[str, str]) -> None:
    cities = (await client.get("/v1/taxonomy/regions?parent=150000", headers=seeker)).json()
    assert len(cities["regions"]) == 12
    assert {"呼和浩特市", "阿拉善盟"} <= {r["name"] for r in cities["regions"]}
    alxa = (await client.get("/v1/taxonomy/regions?parent=152900", headers=seeker)).json()
    ejina = next(r for r in alxa["regions"] if r["code"] == "152923")
    assert ejina["name"] == "额济纳旗"
    assert ejina["remote"] is True
    assert ejina["lat"] is not None
    provinces = (await client.get("/v1/taxonomy/regions", headers=seeker)).json()
    assert len(provinces["regions"]) >= 31
    assert (
        await client.get("/v1/taxonomy/regions?parent=999999", headers=seeker)
    ).status_code == 404


async def test_grades(client: httpx.AsyncClient, seeker: dict[str, str]) -> None:
    grades = (await client.get("/v1/taxonomy/grades", headers=seeker)).json()["grades"]
    assert [(g["level"], g["name"], g["high_skill"]) for g in grades] == [
        (1, "高级技师", True),
        (2, "技师", True),
        (3, "高级", True),
        (4, "中级", False),
        (5, "初级", False),
    ]


async def test_normalize_returns_top_five_per_title_in_order(
    client: httpx.AsyncClient, seeker: dict[str, str]
) -> None:
    titles = ["电焊工（包吃住）", "高压电工 月薪8000+", "风电场运维技师【额济纳】"]
    resp = await client.post("/v1/occupations/normalize", headers=seeker, json={"titles": titles})
    assert resp.status_code == 200
    results = resp.json()["results"]
    assert [r["title"] for r in results] == titles
    assert results[0]["candidates"][0] == {
        "code": "6-18-02-04",
        "name": "焊工",
        "score": results[0]["candidates"][0]["score"],
    }
    assert results[1]["candidates"][0]["code"] == "6-31-01-03"
    for result in results:
        scores = [c["score"] for c in result["candidates"]]
        assert 1 <= len(scores) <= 5
        assert scores == sorted(scores, reverse=True)
        assert all(0 <= s <= 1 for s in scores)
        assert all(c["code"].split("-")[-1] != "00" for c in result["candidates"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"titles": []}, "titles"),
        ({"titles": ["焊工"] * 11}, "titles"),
        ({"titles": ["焊" * 201]}, "titles.0"),
        ({"title": "焊工"}, "title"),
    ],
)
async def test_normalize_bounds(
    client: httpx.AsyncClient, seeker: dict[str, str], body: dict[str, object], field: str
) -> None:
    resp = await client.post("/v1/occupations/normalize", headers=seeker, json=body)
    assert resp.status_code == 422
    assert field in [e["field"] for e in resp.json()["errors"]]
