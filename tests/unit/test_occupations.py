"""The CSCO 2022 occupation catalog and the employment-access rules configured on it."""

from pathlib import Path

import pytest

from matcher.taxonomy.occupations import (
    AccessRulesError,
    CatalogError,
    OccupationCatalog,
)


@pytest.fixture(scope="module")
def catalog() -> OccupationCatalog:
    return OccupationCatalog.load()


def test_catalog_holds_every_level_4_occupation(catalog: OccupationCatalog) -> None:
    # csco22.csv has 1,634 level-4 rows, two of them exact duplicates (修鞋工, 压缩机装配调试工)
    occupations = catalog.occupations()
    assert len(catalog) == len(occupations) == 1632
    assert len({o.code for o in occupations}) == 1632
    assert all(o.level == 4 for o in occupations)
    assert len(catalog.all()) == 2047
    assert {o.level for o in catalog.all()} == {1, 2, 3, 4}


def test_a_code_listed_as_group_and_occupation_is_the_occupation(
    catalog: OccupationCatalog,
) -> None:
    soil = catalog.get("2-03-01-00")
    assert soil is not None
    assert soil.level == 4
    assert soil.definition.startswith("从事土壤质量评价")


def test_green_and_digital_markers_are_stripped_into_marks(catalog: OccupationCatalog) -> None:
    chemical = catalog.get("6-11-01-03")
    gis = catalog.get("2-02-02-07")
    welder = catalog.get("6-18-02-04")
    assert chemical is not None
    assert gis is not None
    assert welder is not None
    assert (chemical.name, chemical.marks) == ("化工总控工", frozenset({"S"}))
    assert (gis.name, gis.marks) == ("地理信息系统工程技术人员", frozenset({"L", "S"}))
    assert welder.marks == frozenset()
    assert not any(o.name.endswith(("L", "S")) for o in catalog.all())


def test_parent_codes_and_group_prefixes(catalog: OccupationCatalog) -> None:
    welder = catalog.get("6-18-02-04")
    packer = catalog.get("6-31-05-00")  # an occupation that fills its whole minor group
    assert welder is not None
    assert packer is not None
    assert welder.parent_codes == ("6-00-00-00", "6-18-00-00", "6-18-02-00")
    assert welder.group_prefixes == ("6", "6-18", "6-18-02")
    assert packer.parent_codes == ("6-00-00-00", "6-31-00-00")
    assert packer.group_prefixes == ("6", "6-31", "6-31-05")
    major = catalog.get("6-00-00-00")
    assert major is not None
    assert major.parent_codes == ()
    assert major.group_prefixes == ("6",)
    assert all(catalog.is_valid(p) for p in welder.parent_codes)


def test_children_follow_the_nearest_existing_group(catalog: OccupationCatalog) -> None:
    assert [o.name for o in catalog.children("6-18-02-00")][3] == "焊工"
    assert len(catalog.children("6-18-02-00")) == 6
    # the minor group 1-06-01-00 has no row: its occupations hang from the middle group
    assert "1-06-01-02" in {o.code for o in catalog.children("1-06-00-00")}
    assert catalog.children("6-18-02-04") == []


def test_aliases_are_parsed_without_the_name(catalog: OccupationCatalog) -> None:
    welder = catalog.get("6-18-02-04")
    software = catalog.get("2-02-10-03")
    assert welder is not None
    assert software is not None
    assert welder.aliases == ("氩弧焊工",)
    assert {"Java", "软件工程师", "C/C++"} <= set(software.aliases)
    assert software.name not in software.aliases
    assert all(o.name not in o.aliases for o in catalog.all())
    assert all(a.strip() == a and a for o in catalog.all() for a in o.aliases)


def test_tasks_are_split_into_items(catalog: OccupationCatalog) -> None:
    welder = catalog.get("6-18-02-04")
    trader = catalog.get("4-05-02-02")  # items glued with "；2." in the source
    assert welder is not None
    assert trader is not None
    assert len(welder.tasks) == 8
    assert welder.tasks[0] == "设定焊接参数"
    assert welder.tasks[-1] == "维护保养设备"
    assert len(trader.tasks) == 9
    assert not any(t[:1].isdigit() for o in catalog.occupations() for t in o.tasks)


def test_lookups(catalog: OccupationCatalog) -> None:
    assert "6-18-02-04" in catalog
    assert "6-18-00-00" in catalog
    assert catalog.is_valid("6-18-00-00")
    assert "9-99-99-99" not in catalog
    assert not catalog.is_valid("9-99-99-99")
    assert 618 not in catalog
    assert catalog.get("6-18-02-99") is None


def test_access_rules_are_loaded(catalog: OccupationCatalog) -> None:
    codes = {r.code for r in catalog.access_rules()}
    assert codes == {"6-18-02-04", "6-31-01-03", "6-28-01-11", "6-30-05-01"}
    welding = catalog.access_rule("6-18-02-04")
    boiler = catalog.access_rule("6-28-01-11")
    assert welding is not None
    assert boiler is not None
    assert welding.certificate_type == "special_operation"
    assert welding.certificate_name == "熔化焊接与热切割作业"
    assert "特种作业操作证" in welding.how_to_obtain
    assert boiler.certificate_type == "special_equipment"
    assert "G1" in boiler.certificate_name
    assert catalog.access_rule("4-03-02-01") is None  # 中式烹调师


def test_pressure_vessel_operator_is_not_a_csco_2022_occupation(
    catalog: OccupationCatalog,
) -> None:
    assert not any("压力容器操作" in o.name for o in catalog.all())


def _rules_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(body, encoding="utf-8")
    return path


RULE = """
rules:
  - code: {code}
    occupation: {name}
    certificate_type: {kind}
    certificate_name: 熔化焊接与热切割作业
    how_to_obtain: 参加培训并考核合格
    basis: 安全生产法
"""


WELDING = RULE.format(code="6-18-02-04", name="焊工", kind="special_operation")


def test_an_administrator_file_replaces_the_packaged_rules(tmp_path: Path) -> None:
    path = _rules_file(tmp_path, WELDING)
    catalog = OccupationCatalog.load(path)
    assert [r.code for r in catalog.access_rules()] == ["6-18-02-04"]
    assert catalog.access_rule("6-31-01-03") is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (RULE.format(code="6-18-02-99", name="焊工", kind="special_operation"), "unknown"),
        (RULE.format(code="6-18-02-00", name="焊工", kind="special_operation"), "group"),
        (RULE.format(code="6-18-02-04", name="电工", kind="special_operation"), "焊工"),
        (RULE.format(code="6-18-02-04", name="焊工", kind="licence"), "certificate_type"),
        ("rules: [", "YAML"),
        ("welders: []", "'rules' list"),
        ("rules:\n  - code: 6-18-02-04\n", "certificate_type"),
        ("rules:\n  - code: 6-18-02-04\n    colour: red\n", "unknown keys"),
        (WELDING + WELDING.replace("rules:\n", ""), "twice"),
    ],
)
def test_a_bad_rules_file_fails_clearly(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(AccessRulesError, match=message) as caught:
        OccupationCatalog.load(_rules_file(tmp_path, body))
    assert "rules.yaml" in str(caught.value)


def test_a_missing_rules_file_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(AccessRulesError, match="cannot be read"):
        OccupationCatalog.load(tmp_path / "nowhere.yaml")
    assert issubclass(AccessRulesError, CatalogError)
