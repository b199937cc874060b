"""What a walk-in worker's own words say beside the trade (matcher.walkin.service.read_words)."""

import pytest

from matcher.walkin.service import Said, read_words


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("电焊工，干了十年，有特种作业证", Said(10, None)),
        ("开了八年叉车，想去外地", Said(8, True)),
        ("5年经验的电工，只在本地", Said(5, False)),
        ("干了两年多电焊", Said(2, None)),
        ("十二年工龄的钳工", Said(12, None)),
        ("做过三年保安，去哪都行", Said(3, True)),
        ("不想去外地，干了二十五年木工", Said(25, False)),
        ("在包头干了十五年电工，外地也行", Said(15, True)),
        # Neither years of work nor moving: an age, a bare number, a place.
        ("今年45岁，会电焊", Said(None, None)),
        ("3年", Said(None, None)),
        ("包头本地人，会开挖机", Said(None, None)),
    ],
)
def test_years_and_moving_are_read_from_the_words(words: str, said: Said) -> None:
    assert read_words(words) == said
