"""Job-ad titles without their noise: pay, perks, places, brands and slogans.

Titles from job boards carry all of these around the occupation
(``【鄂尔多斯】化工操作工 五险一金``). :class:`TitleCleaner` strips them with the patterns below
and two packaged word lists (``data/place_names.txt``, ``data/title_noise.txt``), then splits
what is left into segments for :mod:`matcher.taxonomy.normalize`. Driving-licence classes
name the vehicle (B2 司机 → 货车司机) and are then dropped.

Errors: none of its own; a missing word list raises the ``OSError`` of reading it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Final

__all__ = [
    "MAX_TITLE_CHARS",
    "CleanTitle",
    "TitleCleaner",
    "data_text",
    "entry_text",
    "without_comments",
]

MAX_TITLE_CHARS: Final = 200
_PLACES_FILE: Final = "place_names.txt"
_NOISE_FILE: Final = "title_noise.txt"


@dataclass(frozen=True)
class CleanTitle:
    """A title without its noise: ``text`` for the embedding, ``segments`` for lexical match.

    ``segments`` are the parts between separators, then their concatenation when there are
    several (``叉车 司机`` → ``叉车``, ``司机``, ``叉车司机``); ``extras`` are informative
    bracket contents (``井下皮带工（输送机）`` → ``输送机``), matched at a discount.
    """

    text: str
    segments: tuple[str, ...]
    extras: tuple[str, ...]
    raw: str = ""  # the whole title, only normalized: csco22 has aliases like 铸造/锻造工程师


_CJK = re.compile(r"[\u4e00-\u9fff]")
_OPEN = "([{【<《「〔『"
_CLOSE = ")]}】>》」〕』"
_BRACKETED = re.compile(r"[(\[{【<《「〔『]([^()\[\]{}【】<>《》「」〔〕『』]*)[)\]}】>》」〕』]")
_NUM = r"[\d一二两三四五六七八九十百千]"
# Pay, age, schedule and count patterns. Licence classes (C1, A2), 3D, 4S, 5G survive: a
# number glued after a letter is never removed.
_PATTERNS: Final = tuple(
    re.compile(p)
    for p in (
        r"\d+\s*[-~～至到]?\s*\d*\s*周?岁(以下|以上|以内|之间)?",
        r"(?<![a-z\d])\d+(\.\d+)?\s*[kw千万]?\s*[-~～至到]\s*\d+(\.\d+)?\s*[kw千万]?元?"
        r"\s*((/|每)?\s*(月|天|日|小时|时|年|h))?",
        r"(?<![a-z\d])\d+(\.\d+)?\s*(k|w|千|万|元)\s*(\+|以上|起|左右)?"
        r"\s*((/|每)?\s*(月|天|日|小时|时|年|h))?",
        r"(?<![a-z\d])\d{3,}\s*(\+|以上|起|左右)?",
        r"(综合薪资|综合工资|月薪|月入|月均|年薪|日薪|时薪|底薪|保底|收入|工资|薪资|薪水)"
        r"(?=\s*(\d|过万|上万|破万|面议|高|优|待遇|:|$|\s))",
        r"(过万|上万|破万)",
        rf"(上|做){_NUM}+休{_NUM}+",
        rf"早{_NUM}+晚{_NUM}+",
        rf"月休{_NUM}+天?",
        rf"{_NUM}+班{_NUM}*倒",
        r"(?<![a-z\d])\d+\s*(:\d+)?\s*点?(上|下)班",
        rf"(?<![a-z\d]){_NUM}+\s*(名|人|位|个月|年|天|小时|届)(以上|以内)?",
    )
)
# 招聘 announces the ad, except in the titles of recruiters themselves.
_HIRING = re.compile(r"招聘(?!专员|师|经理|主管|助理|顾问|总监)")
# Grades and seniority describe the post, not the occupation (高级中学 is a school level).
_GRADE = re.compile(r"(高级|中级|初级)(?!中学)|资深|见习|储备|(一|二|三|四|五)级")
_LEADING_HIRE = re.compile(r"^(招|聘)(?=[\u4e00-\u9fff]{2})(?!商|标|生|聘|投)")
_SEPARATORS = re.compile(r"[/|\\、,，;；+&＆·•_:：!?！？。~～\-—–=*#@$%^\"'“”‘’]+")


# Programming-language names whose symbols the cleaning would eat; titles and catalog entries
# go through the same rewrite.
_TECH = (
    (re.compile(r"c\s*\+\s*\+"), "cpp"),
    (re.compile(r"c\s*#"), "csharp"),
    (re.compile(r"\.net(?![a-z])"), "dotnet"),
    (re.compile(r"node\.js"), "nodejs"),
)
# Driving-licence classes: A1/B1 drive buses, A2/B2 lorries; C1/C2 say nothing of the trade.
_LICENCE = re.compile(r"(?<![a-z0-9])([abc][12])(?![0-9a-z])")
_DRIVING = re.compile(r"司机|驾驶|驾照|司助")


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    for pattern, replacement in _TECH:
        text = pattern.sub(replacement, text)
    return text


def _strip_symbols(text: str) -> str:
    """Emoji, decorative symbols (★ ❤ ￥ +) and control characters become spaces.

    Runs after :func:`_normalize`, which has already spelled out C++ and C#.
    """
    return "".join(" " if unicodedata.category(ch)[0] in "SC" else ch for ch in text)


class TitleCleaner:
    """Removes pay, perks, places and slogans from a job-ad title and splits what is left."""

    def __init__(self, places: Iterable[str], noise_words: Iterable[str]) -> None:
        self._places = frozenset(p for p in places if len(p) >= 2)
        self._longest_place = max((len(p) for p in self._places), default=0)
        words = sorted(set(noise_words), key=lambda w: (-len(w), w))
        self._noise = re.compile("|".join(map(re.escape, words))) if words else None

    @classmethod
    def load(cls) -> TitleCleaner:
        """The cleaner with the packaged word lists (``data/place_names.txt``,
        ``data/title_noise.txt``)."""
        return cls(_words(_PLACES_FILE), _words(_NOISE_FILE))

    def clean(self, title: str) -> CleanTitle:
        """Cleaned title; empty ``text`` when nothing but noise was there."""
        text = _strip_symbols(_normalize(title[:MAX_TITLE_CHARS]))
        if _DRIVING.search(text):
            classes = {m.group(1) for m in _LICENCE.finditer(text)}
            if classes & {"a2", "b2"} and "货" not in text:
                text = text.replace("司机", "货车司机", 1)
            elif classes & {"a1", "b1"} and "客" not in text:
                text = text.replace("司机", "客车司机", 1)
        text = _LICENCE.sub(" ", text)
        inside: list[str] = []

        def take(match: re.Match[str]) -> str:
            inside.append(match.group(1))
            return " / "

        # Nested brackets are rare; two passes cover them.
        for _ in range(2):
            text = _BRACKETED.sub(take, text)
        text = text.translate({ord(c): " " for c in _OPEN + _CLOSE})
        segments = self._segments(text)
        extras = [s for part in inside for s in self._segments(part)]
        if not segments:
            segments, extras = extras, []
        extras = [e for e in extras if e not in segments]
        joined = "".join(segments)
        all_segments = list(segments)
        if len(segments) > 1 and joined not in all_segments:
            all_segments.append(joined)
        embed_text = " ".join([*segments, *extras])
        return CleanTitle(
            text=embed_text,
            segments=tuple(all_segments),
            extras=tuple(extras),
            raw=entry_text(title[:MAX_TITLE_CHARS]),
        )

    def _segments(self, text: str) -> list[str]:
        for pattern in _PATTERNS:
            text = pattern.sub(" ", text)
        text = _HIRING.sub(" ", text)
        if self._noise is not None:
            text = self._noise.sub(" ", text)
        text = _GRADE.sub(" ", text)
        text = self._remove_places(text)
        out: list[str] = []
        for part in _SEPARATORS.split(text):
            for piece in _split_spaces(part):
                piece = _LEADING_HIRE.sub("", piece).strip(" .")
                if _meaningful(piece) and piece not in out:
                    out.append(piece)
        return out

    def _remove_places(self, text: str) -> str:
        if not self._places:
            return text
        out: list[str] = []
        i = 0
        while i < len(text):
            for size in range(min(self._longest_place, len(text) - i), 1, -1):
                if text[i : i + size] in self._places:
                    out.append(" ")
                    i += size
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)


def _split_spaces(text: str) -> list[str]:
    """Split on spaces next to a CJK character; keep English phrases ("sales manager") whole."""
    words = text.split()
    out: list[str] = []
    for word in words:
        if out and word.isascii() and out[-1].isascii():
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    return out


def _meaningful(piece: str) -> bool:
    if not piece:
        return False
    if _CJK.search(piece):
        return len(piece) >= 2 or piece in {"工", "厨"}
    letters = sum(c.isalpha() for c in piece)
    return letters >= 2 or piece in {"c", "r"}


def entry_text(text: str) -> str:
    """``text`` as titles and catalog names are compared: NFKC, lower case, C++ → cpp and the
    like, no whitespace."""
    return re.sub(r"\s+", "", _normalize(text))


def without_comments(text: str) -> Iterable[str]:
    """The non-blank lines of a data file that are not ``#`` comments."""
    return (line for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _words(name: str) -> list[str]:
    """Whitespace-separated words of a packaged list, without ``#`` comment lines."""
    return [w for line in without_comments(data_text(name)) for w in line.split()]


def data_text(name: str) -> str:
    """A file of ``matcher/taxonomy/data`` as text."""
    return resources.files("matcher.taxonomy").joinpath("data", name).read_text(encoding="utf-8")
