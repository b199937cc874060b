from pathlib import Path

import pytest

from matcher.store.queries import region_prefix
from matcher.taxonomy.regions import RegionCatalog, RegionDataError

LEAGUE_CITIES = {
    "150100": "呼和浩特市",
    "150200": "包头市",
    "150300": "乌海市",
    "150400": "赤峰市",
    "150500": "通辽市",
    "150600": "鄂尔多斯市",
    "150700": "呼伦贝尔市",
    "150800": "巴彦淖尔市",
    "150900": "乌兰察布市",
    "152200": "兴安盟",
    "152500": "锡林郭勒盟",
    "152900": "阿拉善盟",
}


@pytest.fixture(scope="module")
def regions() -> RegionCatalog:
    return RegionCatalog.load()


def test_inner_mongolia_has_its_twelve_league_cities(regions: RegionCatalog) -> None:
    im = regions.get("150000")
    assert im is not None
    assert im.name == "内蒙古自治区"
    assert im.level == "province"
    cities = regions.children("150000")
    assert {c.code: c.name for c in cities} == LEAGUE_CITIES
    assert all(c.level == "city" and c.parent_code == "150000" for c in cities)


def test_every_inner_mongolia_county_has_coordinates(regions: RegionCatalog) -> None:
    counties = [c for city in LEAGUE_CITIES for c in regions.children(city)]
    assert len(counties) == 103  # see REGIONS_SOURCES.md for docs/domain.md's "108"
    for county in counties:
        assert county.level == "county"
        assert county.lon is not None, county
        assert county.lat is not None, county
        assert 97 < county.lon < 127, county
        assert 37 < county.lat < 54, county


def test_alxa_league_has_its_three_banners(regions: RegionCatalog) -> None:
    names = {c.code: c.name for c in regions.children("152900")}
    assert names == {"152921": "阿拉善左旗", "152922": "阿拉善右旗", "152923": "额济纳旗"}


def test_provinces_are_the_top_level(regions: RegionCatalog) -> None:
    provinces = regions.children(None)
    assert len(provinces) == 34
    assert all(p.level == "province" and p.parent_code is None for p in provinces)
    assert {"110000", "150000", "650000", "710000"} <= {p.code for p in provinces}


def test_city_and_province_of_a_county(regions: RegionCatalog) -> None:
    assert regions.city_of("150203") == "150200"  # 昆都仑区 → 包头市
    assert regions.city_of("150200") == "150200"
    assert regions.city_of("150000") is None
    assert regions.province_of("150203") == "150000"
    assert regions.province_of("152923") == "150000"
    assert regions.province_of("150000") == "150000"


def test_within_follows_the_hierarchy(regions: RegionCatalog) -> None:
    assert regions.within("150203", "150200")
    assert regions.within("150203", "150000")
    assert regions.within("150200", "150200")
    assert not regions.within("150203", "150100")
    assert not regions.within("150200", "150203")  # a city is not inside its district
    assert not regions.within("110105", "150000")


def test_municipality_districts_sit_under_a_city_row(regions: RegionCatalog) -> None:
    assert regions.city_of("110105") == "110100"  # 朝阳区 → 北京市 (city level)
    assert regions.within("110105", "110000")
    assert regions.city_of("500229") == "500200"  # 城口县 → 重庆市（县）


def test_another_provinces_codes_are_valid(regions: RegionCatalog) -> None:
    district = regions.get("440305")
    assert district is not None
    assert district.name == "南山区"
    assert regions.is_valid("653229")  # 和安县, created in 2024
    assert regions.city_of("659001") == "659000"  # 石河子市, directly administered


def test_unknown_codes_are_invalid_everywhere(regions: RegionCatalog) -> None:
    for code in ("999999", "150299", "15020", "", "150201"):  # 150201 is a 市辖区 stub
        assert not regions.is_valid(code)
        assert regions.get(code) is None
        assert regions.city_of(code) is None
        assert regions.province_of(code) is None
        assert not regions.within(code, "150000")
        assert not regions.within("150203", code)
        assert regions.distance_km(code, "150100") is None
    assert regions.children("999999") == []


def test_hohhot_to_baotou_is_about_150_km(regions: RegionCatalog) -> None:
    distance = regions.distance_km("150100", "150200")
    assert distance is not None
    assert 130 < distance < 175
    assert regions.distance_km("150200", "150100") == pytest.approx(distance)
    assert regions.distance_km("150100", "150100") == 0


def test_across_the_region_distances_are_large(regions: RegionCatalog) -> None:
    # 额济纳旗 (far west) to 额尔古纳市 (far north-east)
    distance = regions.distance_km("152923", "150784")
    assert distance is not None
    assert 1600 < distance < 1900


def test_default_remote_areas_are_border_counties(regions: RegionCatalog) -> None:
    remote = regions.remote_area_codes
    assert {"152923", "152922", "152921", "152501", "150781", "150223"} <= remote
    for code in remote:
        region = regions.get(code)
        assert region is not None
        assert region.level == "county"
    assert regions.is_remote("152923")
    assert not regions.is_remote("150102")  # 新城区, 呼和浩特
    assert not regions.is_remote("152900")  # a league is never remote itself


def test_remote_areas_come_from_a_configured_file(tmp_path: Path) -> None:
    path = tmp_path / "remote.yaml"
    path.write_text('counties:\n  "150102": 新城区\n  150203: ~\n', encoding="utf-8")
    regions = RegionCatalog.load(path)
    assert regions.remote_area_codes == frozenset({"150102", "150203"})
    assert not regions.is_remote("152923")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('counties:\n  "159999": 无此旗\n', "159999 is not a GB/T 2260 code"),
        ('counties:\n  "152900": 阿拉善盟\n', "152900 (阿拉善盟) is a city"),
        ('counties:\n  "152923": 阿拉善左旗\n', "152923 is 额济纳旗, not 阿拉善左旗"),
        ("- 152923\n", "expected a mapping 'counties:'"),
        ("counties: [152923\n", "not valid YAML"),
    ],
)
def test_a_bad_remote_areas_file_is_refused_clearly(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "remote.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegionDataError, match="remote areas file") as err:
        RegionCatalog.load(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_a_missing_remote_areas_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RegionDataError, match="No such file"):
        RegionCatalog.load(tmp_path / "absent.yaml")


def test_region_queries_follow_the_positional_code() -> None:
    assert region_prefix("150000") == {"prefix": {"region_code": "15"}}
    assert region_prefix("150200") == {"prefix": {"region_code": "1502"}}
    assert region_prefix("150203", "posting_region_code") == {
        "prefix": {"posting_region_code": "150203"}
    }
    # A county whose code ends in 0 is still one county, not ten.
    assert region_prefix("130110") == {"prefix": {"region_code": "130110"}}


def test_the_smallest_region_holding_two(regions: RegionCatalog) -> None:
    assert regions.common("150203", "150204") == "150200"  # two districts of Baotou
    assert regions.common("150203", "150102") == "150000"  # Baotou and Hohhot
    assert regions.common("150203", "150203") == "150203"
    assert regions.common("150203", "110101") is None  # another province
    assert regions.common("150203", "999999") is None
    assert regions.lineage("150203") == ["150203", "150200", "150000"]
