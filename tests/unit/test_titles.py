"""Job-ad title cleaning: pay, perks, places and slogans out, the occupation left."""

import pytest

from matcher.taxonomy.occupations import OccupationCatalog
from matcher.taxonomy.titles import TitleCleaner


@pytest.fixture(scope="module")
def catalog() -> OccupationCatalog:
    return OccupationCatalog.load()


def test_cleaning_removes_pay_perks_places_and_slogans() -> None:
    cleaner = TitleCleaner.load()
    assert cleaner.clean("【鄂尔多斯】化工操作工 五险一金").segments == ("化工操作工",)
    assert cleaner.clean("急招！！！小区保安 45岁以下 2800包吃住").segments == ("小区保安",)
    assert cleaner.clean("C++开发 20-35K").text == "cpp开发"
    assert cleaner.clean("司机C1").segments == ("司机",)
    assert cleaner.clean("B2司机 长途").segments[0] == "货车司机"
    assert cleaner.clean("招聘专员").segments == ("招聘专员",)
    assert cleaner.clean("高级中学教师").segments == ("高级中学教师",)
    split = cleaner.clean("叉车 司机（3吨）")
    assert split.segments == ("叉车", "司机", "叉车司机")


def test_cleaning_leaves_occupation_names_intact(catalog: OccupationCatalog) -> None:
    """No noise word or place name eats part of a CSCO name."""
    cleaner = TitleCleaner.load()
    for occupation in catalog.all():
        cleaned = cleaner.clean(occupation.name)
        assert "".join(cleaned.segments[:1]) in occupation.name.replace("、", ""), occupation.name
