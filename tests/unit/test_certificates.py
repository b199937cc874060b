"""Certificate keys and what a certificate covers: licence classes, item codes, categories."""

from pathlib import Path

import pytest

from matcher.taxonomy.certificates import certificate_key, covered_keys, permits, satisfies
from matcher.taxonomy.occupations import AccessRule, AccessRulesError, OccupationCatalog


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("机动车驾驶证（B2）", "B2驾照"),
        ("驾驶证 a1", "A1驾驶证"),
        ("叉车司机（N1）", "N1叉车证"),
        ("起重机司机Q2", "特种设备作业人员证（Q2 起重机司机）"),
        ("焊接与热切割作业操作证", "焊接与热切割作业"),
    ],
)
def test_spellings_of_one_certificate_share_a_key(a: str, b: str) -> None:
    assert certificate_key(a) == certificate_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("驾驶证B2", "驾驶证B1"),
        ("叉车司机（N1）", "起重机司机（Q2）"),
        ("低压电工作业", "高压电工作业"),
        ("C1照", "驾驶证C1"),  # no licence word: not read as a licence
    ],
)
def test_different_certificates_keep_different_keys(a: str, b: str) -> None:
    assert certificate_key(a) != certificate_key(b)


def test_a_licence_class_covers_the_classes_it_may_drive() -> None:
    a1 = covered_keys("A1驾照")
    assert {certificate_key(f"驾驶证{c}") for c in ("A1", "A3", "B2", "C1")} <= set(a1)
    assert certificate_key("驾驶证A2") not in a1  # a coach licence is no tractor licence
    assert certificate_key("驾驶证B2") not in covered_keys("驾驶证C1")  # never upwards
    assert covered_keys("驾驶证C2") == [certificate_key("驾驶证C2")]


def test_an_operation_item_meets_its_category() -> None:
    assert certificate_key("高处作业") in covered_keys("高处安装、维护、拆除作业")
    assert certificate_key("高处作业") in covered_keys("登高架设作业操作证")
    assert certificate_key("电工作业") in covered_keys("低压电工作业")
    assert certificate_key("高处作业") not in covered_keys("低压电工作业")
    assert certificate_key("登高架设作业") not in covered_keys("高处作业")  # not the reverse


CRANE = AccessRule(
    code="6-30-05-01",
    certificate_type="special_equipment",
    certificate_name="起重机司机（Q2）",
    how_to_obtain="…",
    basis="…",
    accepted_names=("叉车司机（N1）",),
)


def test_an_access_rule_accepts_its_alternative_items() -> None:
    forklift = {"type": "special_equipment", "name": "N1叉车证", "expires_on": None}
    boiler = {"type": "special_equipment", "name": "工业锅炉司炉（G1）"}
    assert satisfies(forklift, CRANE)
    assert not satisfies(boiler, CRANE)
    assert not satisfies({**forklift, "type": "special_operation"}, CRANE)
    assert permits([forklift, boiler], [CRANE]) == [{"code": "6-30-05-01", "expires_on": None}]
    assert CRANE.all_names == "起重机司机（Q2）或叉车司机（N1）"


def test_the_shipped_crane_rule_accepts_forklift_drivers() -> None:
    rule = OccupationCatalog.load().access_rule("6-30-05-01")
    assert rule is not None
    assert "叉车司机（N1）" in rule.accepted_names


def test_accepted_names_must_be_a_list_of_names(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "rules:\n  - code: 6-30-05-01\n    certificate_type: special_equipment\n"
        "    certificate_name: 起重机司机（Q2）\n    accepted_names: 叉车司机\n"
        "    how_to_obtain: x\n    basis: y\n",
        encoding="utf-8",
    )
    with pytest.raises(AccessRulesError, match="accepted_names"):
        OccupationCatalog.load(bad)
