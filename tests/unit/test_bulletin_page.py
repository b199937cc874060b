"""The bulletin page says in words what it cannot draw, and gives times and periods as people
read them."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from matcher.bulletins.models import Bulletin, Kind, ShortageRow
from matcher.bulletins.page import render
from matcher.foundation.periods import in_words


def wage_bulletin() -> Bulletin:
    # Every cell suppressed (no wages at all is the limit case): nothing may be drawn.
    return Bulletin(
        id="wages-152900-2026Q3-v1",
        kind=Kind.WAGES,
        title="阿拉善盟2026年第三季度工资指导价位",
        period="2026Q3",
        period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30),
        scope="152900",
        scope_name="阿拉善盟",
        version=1,
        generated_at=datetime(2026, 10, 1, 0, 30, tzinfo=UTC),
        software_version="test",
    )


def test_a_wage_page_with_every_cell_suppressed_says_so_in_words() -> None:
    html = render(wage_bulletin(), superseded_by=None, zone=ZoneInfo("Asia/Shanghai"))
    assert "<svg" not in html
    assert "本期不公布工资分布图" in html
    assert "生成时间：2026-10-01 08:30（北京时间）" in html
    assert "（2026年第三季度）" in html
    assert " UTC" not in html


def test_periods_in_words() -> None:
    assert in_words("2026Q3") == "2026年第三季度"
    assert in_words("2026-11") == "2026年11月"
    assert in_words("2026") == "2026年"
    assert in_words("not a period") == "not a period"


def test_the_shortage_ranking_lists_shortages_only() -> None:
    bulletin = wage_bulletin().model_copy(
        update={
            "kind": Kind.SUPPLY_DEMAND,
            "shortage": [
                ShortageRow(
                    rank=1,
                    previous_rank=None,
                    occupation_code="6-18-02-04",
                    name="焊工",
                    demand=11,
                    supply=2,
                    gap=9,
                    ratio=5.5,
                ),
                ShortageRow(
                    rank=2,
                    previous_rank=1,
                    occupation_code="4-02-02-01",
                    name="收银员",
                    demand=1,
                    supply=6,
                    gap=-5,
                    ratio=0.17,
                ),
            ],
        }
    )
    html = render(bulletin, superseded_by=None, zone=ZoneInfo("Asia/Shanghai"))
    ranking = html.split("最缺工职业排行")[1]
    assert "焊工" in ranking
    assert "收银员" not in ranking
