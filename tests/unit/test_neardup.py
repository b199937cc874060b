"""Near-identical texts and shared identity numbers (matcher.foundation.neardup)."""

from matcher.foundation.neardup import (
    NEAR_IDENTICAL,
    band_keys,
    certificate_number_key,
    identity_keys,
    name_key,
    phone_key,
    similarity,
)
from matcher.migrations.backfill import fill_derived

WELDER = (
    "电焊工\n负责钢结构件的焊接，持熔化焊接与热切割作业证，月薪8000-10000元，包吃住。"
    "每天工作八小时，月休四天，试用期一个月。"
)
REPOSTED = WELDER.replace("8000", "8500").replace("，包吃住", "，包吃住！")
OTHER_WELDER = "焊工\n招聘焊工若干名，要求有特种作业证，从事钢结构焊接工作，待遇面议。"


def test_a_repost_with_a_changed_wage_is_near_identical_and_shares_bands() -> None:
    assert similarity(WELDER, REPOSTED) >= NEAR_IDENTICAL
    assert set(band_keys(WELDER)) & set(band_keys(REPOSTED))


def test_a_different_posting_for_the_same_trade_is_not() -> None:
    assert similarity(WELDER, OTHER_WELDER) < 0.3
    assert not set(band_keys(WELDER)) & set(band_keys(OTHER_WELDER))


def test_width_case_spaces_and_punctuation_do_not_count() -> None:
    half = "CNC数控车工 (夜班), 月薪 7000 元."
    full = "ＣＮＣ数控车工（夜班）　月薪７０００元。"
    assert similarity(half, full) == 1.0
    assert band_keys(half) == band_keys(full)


def test_band_keys_are_stable_across_processes_and_library_versions() -> None:
    # Band keys are stored in the postings index: a change here needs a migration.
    keys = band_keys(WELDER)
    assert len(keys) == 16
    assert len(set(keys)) == 16
    assert keys[:2] == ["0:fb051944a5af3849", "1:bd203ce0677bf5c5"], keys[:2]
    assert band_keys("") == []
    assert similarity("", "") == 1.0


def test_phones_compare_by_digits_without_the_country_code() -> None:
    assert (
        phone_key("+86 138-0013-8000") == phone_key("13800138000") == phone_key("008613800138000")
    )
    assert phone_key("13800138001") != phone_key("13800138000")
    assert phone_key("123") is None
    # Landlines (a switchboard, a family's) are shared by many: not an identity.
    assert phone_key("0471-6961234") is None
    assert phone_key("6961234") is None
    assert phone_key(None) is None


def test_certificate_numbers_compare_folded_and_short_ones_are_ignored() -> None:
    assert certificate_number_key("t1502-0300 12345") == certificate_number_key(
        "T15020300１２３４５"
    )
    assert certificate_number_key("无") is None
    assert certificate_number_key("证书编号待补充") is None  # a placeholder, not a number
    assert certificate_number_key("ABCDEF12") is None  # two digits
    assert certificate_number_key("AB123456") is not None
    assert certificate_number_key("12345") is None
    keys = identity_keys("13800138000", ["T150203001234", None, "T150203001234"])
    assert len(keys) == 2
    assert keys == sorted(keys)
    assert {k.split(":")[0] for k in keys} == {"phone", "cert"}
    assert not any("13800138000" in k or "T150203001234" in k for k in keys)


def test_names_compare_as_typed_again_and_are_never_stored_as_text() -> None:
    assert name_key("赵 回访") == name_key("赵回访") == name_key("　赵回访 ")
    assert name_key("阿不都•热合曼") == name_key("阿不都·热合曼") == name_key("阿不都.热合曼")
    assert name_key("ＬＩ Ｍｉｎｇ") == name_key("li ming")
    assert name_key("赵回访") != name_key("赵回房")
    assert name_key("赵") is None
    assert name_key("") is None
    assert name_key(None) is None
    key = name_key("赵回访")
    assert key is not None
    assert key.startswith("name:")
    assert "赵" not in key


def test_a_profile_stored_before_name_keys_gets_one_when_migrated() -> None:
    old = {"id": "p1", "contact": {"name": "赵回访", "phone": "13800138000"}}
    fill_derived("profiles", old)
    assert old["name_key"] == name_key("赵回访")
    nameless = {"id": "p2", "contact": None}
    fill_derived("profiles", nameless)
    assert nameless["name_key"] is None
