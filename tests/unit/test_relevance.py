"""Does the trade fit: tiers and their wording on fixed pairs, the expected occupation
similarity under two distributions, search tiers, and the reliability table's binning."""

from __future__ import annotations

import pytest

from matcher.policy.relevance import Tier, feature_detail, fit, readings_of, summary
from matcher.search.reading import Asked
from matcher.taxonomy.inference import reliability
from matcher.taxonomy.occupations import OccupationCatalog

WELDER, CUTTER = "6-18-02-04", "6-18-02-05"  # one minor group: 6-18-02
ELECTRICIAN = "6-31-01-03"
FILLER = "6-01-03-01"  # any occupation of another major group


@pytest.fixture(scope="module")
def catalog() -> OccupationCatalog:
    return OccupationCatalog.load()


def test_certain_readings_behave_as_codes_did() -> None:
    same = fit([(WELDER, 1.0)], [(WELDER, 1.0)])
    assert (same.similarity, same.tier) == (1.0, Tier.FIT)
    near = fit([(WELDER, 1.0)], [(CUTTER, 1.0)])
    assert (near.similarity, near.tier) == (0.6, Tier.RELATED)
    other = fit([(WELDER, 1.0)], [(ELECTRICIAN, 1.0)])
    assert other.tier is Tier.UNRELATED
    assert other.similarity == 0.1  # the same major group (6) only


def test_a_seeker_with_several_trades_fits_through_the_closest() -> None:
    trade = fit([(WELDER, 1.0)], [(ELECTRICIAN, 1.0), (WELDER, 1.0)])
    assert trade.tier is Tier.FIT
    assert trade.profile_code == WELDER


def test_an_uncertain_posting_counts_what_it_leaves_unassigned_as_no_fit() -> None:
    # The posting is a welder's job with p 0.6 (0.4 spread over unlikely occupations).
    likely = fit([(WELDER, 0.6), (ELECTRICIAN, 0.1)], [(WELDER, 1.0)])
    assert likely.same == 0.6
    assert likely.tier is Tier.FIT
    assert likely.similarity == pytest.approx(0.6 + 0.1 * 0.1)
    # Less likely than not the same trade, but the same minor group is likely: 相近.
    split = fit([(WELDER, 0.4), (CUTTER, 0.3)], [(WELDER, 1.0)])
    assert split.tier is Tier.RELATED
    # Neither: 不对口, however high the best reading's rank.
    vague = fit([(WELDER, 0.3), (FILLER, 0.1)], [(WELDER, 1.0)])
    assert vague.tier is Tier.UNRELATED


def test_two_distributions_give_the_expected_similarity() -> None:
    trade = fit([(WELDER, 0.5), (CUTTER, 0.5)], [(WELDER, 0.8), (ELECTRICIAN, 0.2)])
    expected = 0.5 * (0.8 * 1.0 + 0.2 * 0.1) + 0.5 * (0.8 * 0.6 + 0.2 * 0.1)
    assert trade.similarity == pytest.approx(expected, abs=1e-4)
    assert trade.same == pytest.approx(0.4)
    assert trade.close == pytest.approx(0.8)
    assert trade.tier is Tier.RELATED


def test_a_record_without_any_reading_is_never_called_a_fit(catalog: OccupationCatalog) -> None:
    unknown = fit([], [(WELDER, 1.0)])
    assert unknown.tier is Tier.UNRELATED
    assert summary(unknown, catalog) == "未能判断职业，不能确认是否对口"


def test_stored_readings_are_preferred_over_the_code() -> None:
    stored = {"occupation_code": WELDER, "occupation_candidates": [{"code": CUTTER, "p": 0.7}]}
    assert readings_of(stored, side="posting") == ((CUTTER, 0.7),)
    assert readings_of({"occupation_code": WELDER}, side="posting") == ((WELDER, 1.0),)
    assert readings_of({"occupation_codes": [WELDER, CUTTER]}, side="profile") == (
        (WELDER, 1.0),
        (CUTTER, 1.0),
    )
    assert readings_of({}, side="profile") == ()


def test_a_remembered_fit_is_the_fit_of_the_readings_given() -> None:
    """Pairs of readings are remembered (a match compares one record with a hundred): lists
    and tuples of the same readings give the same fit, other readings another."""
    first = fit([(WELDER, 0.6), (CUTTER, 0.3)], [(WELDER, 1.0)])
    assert fit(((WELDER, 0.6), (CUTTER, 0.3)), ((WELDER, 1.0),)) == first
    assert fit([(CUTTER, 0.6), (WELDER, 0.3)], [(WELDER, 1.0)]) != first
    assert fit([(WELDER, 0.6), (CUTTER, 0.3)], [(WELDER, 1.0)]) is first


def test_the_wording_names_both_trades_and_never_calls_another_trade_a_fit(
    catalog: OccupationCatalog,
) -> None:
    assert summary(fit([(WELDER, 1.0)], [(WELDER, 1.0)]), catalog) == (
        "对口：岗位招“焊工”，求职者的职业相同"
    )
    assert summary(fit([(WELDER, 1.0)], [(CUTTER, 1.0)]), catalog) == (
        "相近：岗位招“焊工”，求职者是“机械加工材料切割工”，同属“机械热加工人员”一类"
    )
    assert summary(fit([(WELDER, 1.0)], [(ELECTRICIAN, 1.0)]), catalog) == (
        "不对口：岗位招“焊工”，求职者是“电工”"
    )
    # An inferred posting says how sure the reading is.
    inferred = fit([(WELDER, 0.62)], [(WELDER, 1.0)])
    assert summary(inferred, catalog) == (
        "对口：岗位招“焊工”（按岗位描述判断，把握约62%），求职者的职业相同"
    )
    assert feature_detail(inferred, catalog) == "职业对口（按岗位描述判断，把握约62%）"
    assert feature_detail(fit([(WELDER, 1.0)], [(ELECTRICIAN, 1.0)]), catalog) == "职业不同"


def test_search_tiers_follow_the_trade_asked_for_or_else_the_words() -> None:
    welder = Asked("焊工", [WELDER])
    assert welder.tier([WELDER], matched_by="keyword") is Tier.FIT
    assert welder.tier([WELDER], matched_by="occupation") is Tier.FIT
    assert welder.tier([CUTTER], matched_by="occupation") is Tier.RELATED
    # Found by meaning alone, even the same trade is only 相近.
    assert welder.tier([WELDER], matched_by="meaning") is Tier.RELATED
    # An electrician's posting asking for 焊工 skills holds the words: 相近, never 不对口.
    assert welder.tier([ELECTRICIAN], matched_by="keyword") is Tier.RELATED
    assert welder.tier([ELECTRICIAN], matched_by="meaning") is Tier.UNRELATED
    assert welder.tier([], matched_by="meaning") is Tier.UNRELATED
    assert welder.trade_filter() == {"terms": {"occupation_groups": ["6-18-02"]}}
    words = Asked("plc")
    assert words.tier([ELECTRICIAN], matched_by="keyword") is Tier.FIT
    assert words.tier([ELECTRICIAN], matched_by="meaning") is Tier.RELATED
    assert words.trade_filter() is None


def test_the_reliability_table_bins_probabilities_and_counts_the_share_right() -> None:
    confidences = [0.05, 0.15, 0.12, 0.85, 0.95, 1.0, 0.99]
    correct = [False, True, False, True, True, True, False]
    table = reliability(confidences, correct, bins=10)
    assert table == [
        (0.0, 0.1, 1, 0.05, 0.0),
        (0.1, 0.2, 2, 0.135, 0.5),
        (0.8, 0.9, 1, 0.85, 1.0),
        # p = 1.0 falls into the last bin, not past it.
        (0.9, 1.0, 3, 0.98, 0.667),
    ]
    assert reliability([], []) == []
    with pytest.raises(ValueError, match="zip"):
        reliability([0.5], [])
