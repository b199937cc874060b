"""Chinese text preparation for keyword search: normalize, segment, join with spaces.

ES indexes the result with its core ``whitespace`` analyzer, which works on the minimal test
node and on the official image alike (no cjk/smartcn/ik plugins needed).
"""

from __future__ import annotations

import unicodedata

import rjieba

# Punctuation and symbols carry no meaning for matching; dropping them keeps the index lean.
_DROP_CATEGORIES = ("P", "S", "Z", "C")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, trimmed."""
    return unicodedata.normalize("NFKC", text).lower().strip()


def tokens(text: str) -> list[str]:
    """Segmented words of ``text``, without punctuation or whitespace tokens."""
    words = rjieba.cut(normalize(text))
    return [
        w
        for w in (w.strip() for w in words)
        if w and not all(unicodedata.category(c)[0] in _DROP_CATEGORIES for c in w)
    ]


def segment(*texts: str) -> str:
    """Segmented words of all ``texts``, space-separated, ready for the whitespace analyzer."""
    return " ".join(t for text in texts if text for t in tokens(text))
