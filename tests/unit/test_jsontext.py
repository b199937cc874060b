"""Bounded JSON: the shapes that make Python's parser raise something other than a decode
error are refused first, with a reason; everything a record holds still parses."""

import pytest

from matcher.foundation.jsontext import MAX_DEPTH, MAX_DIGITS, JsonRefused, loads


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 5000 + "]" * 5000, "nested deeper"),
        ("[" * 100_000, "nested deeper"),  # unbalanced as well: refused before parsing
        ('{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1), "nested deeper"),
        ('{"wage_min": ' + "9" * 5000 + "}", "number longer"),
        ("-" + "1" * (MAX_DIGITS + 1), "number longer"),
        ("{bad", "not valid JSON"),
        ("", "not valid JSON"),
    ],
)
def test_hostile_shapes_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(JsonRefused, match=reason):
        loads(text)


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(JsonRefused, match="not UTF-8"):
        loads(b'{"title": "\xff\xfe"}')


def test_brackets_and_digits_inside_strings_do_not_count() -> None:
    text = '{"note": "' + "[" * 500 + "1" * 500 + '\\"]", "n": [[1, 2.5e3]]}'
    assert loads(text) == {"note": "[" * 500 + "1" * 500 + '"]', "n": [[1, 2500.0]]}


def test_the_deepest_and_longest_allowed_still_parse() -> None:
    value = loads(("[" * MAX_DEPTH + "]" * MAX_DEPTH).encode())
    for _ in range(MAX_DEPTH - 1):
        (value,) = value
    assert value == []
    assert loads("9" * MAX_DIGITS) == int("9" * MAX_DIGITS)
