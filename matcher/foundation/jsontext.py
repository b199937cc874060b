"""JSON from outside (request bodies, import lines and cells), parsed within bounds.

Python's parser recurses once per nesting level and converts integers of any length: arrays
nested about a thousand deep raise ``RecursionError`` and a 5,000-digit integer ``ValueError``,
neither of them a ``JSONDecodeError``, and a caller would answer 500. No record of ours nests
deeper than a few levels or holds a number of more than a few digits, so both are refused
before parsing, with a reason a caller can act on.

Errors: ``JsonRefused`` (a ``ValueError``) for malformed, too deep or too long input.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

__all__ = ["MAX_DEPTH", "MAX_DIGITS", "JsonRefused", "loads"]

MAX_DEPTH: Final = 32
MAX_DIGITS: Final = 64
_STRING: Final = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS: Final = re.compile(r"[\[\]{}]")
_LONG_NUMBER: Final = re.compile(r"\d{" + str(MAX_DIGITS + 1) + ",}")


class JsonRefused(ValueError):
    """The text is not JSON we accept; the message says why."""


def loads(data: str | bytes) -> Any:
    """The parsed value; ``JsonRefused`` when the text is not UTF-8 JSON, nests deeper than
    ``MAX_DEPTH`` or holds a number longer than ``MAX_DIGITS`` digits."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise JsonRefused(f"not UTF-8 (byte {exc.start})") from None
    bare = _STRING.sub('""', text)  # brackets and digits inside strings do not count
    depth = 0
    for bracket in _BRACKETS.findall(bare):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            raise JsonRefused(f"nested deeper than {MAX_DEPTH} levels")
    if _LONG_NUMBER.search(bare):
        raise JsonRefused(f"a number longer than {MAX_DIGITS} digits")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonRefused(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except (RecursionError, ValueError) as exc:  # a bound above missed a shape: still a 4xx
        raise JsonRefused(f"not JSON we accept: {type(exc).__name__}") from None
