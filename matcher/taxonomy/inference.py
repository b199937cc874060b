"""What occupation a record is about: a calibrated distribution over CSCO 2022 occupations,
read from the whole record, not only its title.

The reading combines, per occupation (``docs/domain.md``, "Occupations"):

- ``title``: the title normalizer's fused score (``matcher.taxonomy.normalize``: names,
  aliases, curated ad words, n-grams, and the title against one passage per occupation);
- ``title_passages``: the cleaned title against each of the occupation's passages — name,
  aliases, main tasks, definition — keeping the closest (a duty word in the title meets the
  task that names it);
- ``title_group``: how much of the title's evidence falls on the occupation's minor group
  (near-synonymous occupations of one group support each other);
- ``record_passages``: the whole record (title, description or summary, skills) against the
  passages, the same way;
- ``record_words``: BM25 of the record's words over the occupation's name, aliases,
  definition and tasks;
- ``certificate``: a certificate the record names that the occupation's employment-access
  rule accepts (熔化焊接与热切割作业 → 焊工);
- ``title_lexical`` and ``title_embedding``: the normalizer's two signals apart (its fused
  score weighs them equally; the fit may not);
- ``title_grams``: character bigrams of the cleaned title against the occupation's whole
  text (a compound that segmentation misses still meets the task that names it);
- ``title_exact``: a segment of the title is the occupation's name, an alias or a curated
  ad word (电焊, 大车司机) — the strongest single evidence on job-board titles;
- ``worker_as_professional``: the title names a worker (its first part ends in 工, 司机,
  操作员 …) and the occupation is a manager's or a professional's (major groups 1 and 2):
  电工（变电站检修） is an electrician, not 变电工程技术人员. Only this direction: job ads call
  many technicians of groups 4 and 6 工程师, so an engineer's title says little.

A linear score of these, turned into probabilities by a softmax over all occupations and the
best one calibrated (an isotonic map from cross-validated probabilities to the share right),
is the reading. Its weights (``data/inference_weights.yaml``) are fitted by
``benchmarks/fit_inference.py`` on the development splits of the two evaluation sets (blind
writer 1's occupations, and the job-board mix's development occupations); their test splits,
other occupations, were never used to fit or choose anything
(``benchmarks/occupation_inference.py`` reports every split, with a reliability table).

Errors: none of its own; a malformed weights file raises ``CatalogError`` at construction.
"""

from __future__ import annotations

import collections
import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import yaml

from matcher.embeddings.base import Embedder
from matcher.foundation.text import tokens
from matcher.taxonomy.certificates import satisfies
from matcher.taxonomy.normalize import OccupationNormalizer
from matcher.taxonomy.occupation_vectors import (
    load_passage_vectors,
    occupation_passage_sets,
    passage_sets_hash,
)
from matcher.taxonomy.occupations import CatalogError, OccupationCatalog

__all__ = [
    "FEATURES",
    "OccupationInference",
    "Reading",
    "RecordText",
    "Weights",
    "isotonic",
    "reliability",
    "softmax",
]

Floats = npt.NDArray[np.float32]

FEATURES: Final = (
    "title",
    "title_passages",
    "title_group",
    "record_passages",
    "record_words",
    "certificate",
    "title_lexical",
    "title_embedding",
    "title_grams",
    "title_exact",
    "worker_as_professional",
)
_WEIGHTS_FILE: Final = "inference_weights.yaml"
# E5 cosines bunch in 0.8–0.95 (docs/platform.md): rescaled so that unrelated is 0, a clear
# match 1.
_COS_FLOOR: Final = 0.80
_COS_SPAN: Final = 0.12
_BM25_K1: Final = 1.2
_BM25_B: Final = 0.75
_TOP: Final = 5
_MIN_P: Final = 0.02
# A title's first part ending so names a worker (工 covers 电工, 焊工, 普工; not 工程师).
_WORKER_ENDINGS: Final = ("工", "操作员", "司机", "驾驶员", "机手", "学徒", "师傅")
_PROFESSIONAL_GROUPS: Final = ("1", "2")  # managers; professional and technical staff


@dataclass(frozen=True)
class RecordText:
    """What a record says about its occupation (every part optional but the title)."""

    title: str
    body: str = ""  # a posting's description, a profile's summary
    skills: Sequence[str] = ()
    certificates: Sequence[str] = ()  # names, as written

    @property
    def has_body(self) -> bool:
        return bool(self.body.strip() or self.skills)

    def text(self) -> str:
        parts = [self.title, self.body, "、".join(self.skills)]
        return "。".join(p for p in parts if p)


@dataclass(frozen=True)
class Reading:
    """One reading of a record: an occupation and the probability that it is the one."""

    code: str
    name: str
    p: float


@dataclass(frozen=True)
class Weights:
    """The fitted weights, and the calibration of the best reading's probability: knots
    (raw p, share right) of an isotonic fit, interpolated between (none: p as computed)."""

    by_feature: dict[str, float] = field(default_factory=dict)
    calibration: tuple[tuple[float, float], ...] = ()

    def vector(self) -> Floats:
        return np.array([self.by_feature.get(f, 0.0) for f in FEATURES], dtype=np.float32)

    def calibrated(self, p: Floats) -> Floats:
        """Each row's probabilities with the best one mapped through the calibration and
        the others scaled alike (never summing above 1)."""
        if not self.calibration:
            return p
        raw, right = zip(*self.calibration, strict=True)
        best = p.max(axis=1, keepdims=True)
        target = np.interp(best, raw, right).astype(np.float32)
        scaled = p * (target / np.maximum(best, 1e-9))
        total = scaled.sum(axis=1, keepdims=True)
        out: Floats = scaled / np.maximum(total, 1.0)
        return out

    @classmethod
    def load(cls, path: Path | None = None) -> Weights:
        text = (
            path.read_text("utf-8")
            if path
            else resources.files("matcher.taxonomy")
            .joinpath("data", _WEIGHTS_FILE)
            .read_text("utf-8")
        )
        raw = yaml.safe_load(text) or {}
        weights = raw.get("weights") if isinstance(raw, dict) else None
        if not isinstance(weights, dict) or set(weights) - set(FEATURES):
            raise CatalogError(f"{_WEIGHTS_FILE}: 'weights' must map some of {FEATURES}")
        knots = raw.get("calibration") or []
        if not isinstance(knots, list) or not all(
            isinstance(k, list) and len(k) == 2 for k in knots
        ):
            raise CatalogError(f"{_WEIGHTS_FILE}: 'calibration' must list [raw p, share right]")
        return cls(
            {str(k): float(v) for k, v in weights.items()},
            tuple((float(a), float(b)) for a, b in knots),
        )


class OccupationInference:
    """Reads records; build one per process (it holds the passage vectors, about 20 MB)."""

    def __init__(
        self,
        catalog: OccupationCatalog,
        normalizer: OccupationNormalizer,
        embedder: Embedder | None,
        *,
        weights: Weights | None = None,
        vectors_path: Path | None = None,
    ) -> None:
        self._catalog = catalog
        self._normalizer = normalizer
        self._embedder = embedder
        self._fitted = weights or Weights.load()
        self._weights = self._fitted.vector()
        occupations = catalog.occupations()
        self._codes = [o.code for o in occupations]
        if self._codes != normalizer.codes:
            raise CatalogError("the normalizer was built on another catalog")
        self._names = [o.name for o in occupations]
        self._index = {code: i for i, code in enumerate(self._codes)}
        self._passages, owners = occupation_passage_sets(occupations)
        order = np.argsort(np.array(owners), kind="stable")
        self._order = order
        self._starts = np.searchsorted(np.array(owners)[order], np.arange(len(self._codes)))
        self._lock = threading.Lock()
        self._vectors: Floats | None = None
        if embedder is not None:
            found = load_passage_vectors(
                vectors_path,
                model_id=embedder.model_id,
                text_hash=passage_sets_hash(self._passages, owners),
            )
            self._vectors = found[order] if found is not None else None
        minors = [o.code[:7] for o in occupations]
        self._minor = np.array([sorted(set(minors)).index(m) for m in minors])
        texts = [" ".join([o.name, *o.aliases, o.definition, *o.tasks]) for o in occupations]
        self._words = _WordIndex(texts)
        # The name thrice: a title shares its characters with the name above all.
        self._grams = _GramIndex(
            [" ".join([o.name] * 3) + " " + t for o, t in zip(occupations, texts, strict=True)]
        )
        self._certificate_codes = _certificate_codes(catalog)
        self._professional = np.array(
            [o.code.startswith(_PROFESSIONAL_GROUPS) for o in occupations], dtype=np.float32
        )

    @property
    def codes(self) -> list[str]:
        return self._codes

    def infer(self, records: Sequence[RecordText], top_k: int = _TOP) -> list[list[Reading]]:
        """The most likely occupations of each record, most likely first, at most ``top_k``
        and none below 2 %; probabilities sum to at most 1 (the rest is spread over the
        many unlikely ones). A record with nothing to read gets []."""
        if not records:
            return []
        probabilities = self.probabilities(records)
        out: list[list[Reading]] = []
        for record, p in zip(records, probabilities, strict=True):
            if not self._normalizer.clean(record.title) and not record.has_body:
                out.append([])
                continue
            order = np.argsort(-p, kind="stable")[:top_k]
            out.append(
                [
                    Reading(self._codes[i], self._names[i], round(float(p[i]), 4))
                    for i in map(int, order)
                    if p[i] >= _MIN_P
                ]
            )
        return out

    def probabilities(self, records: Sequence[RecordText]) -> Floats:
        """Rows: the probability of every occupation (in ``codes`` order) for each record,
        calibrated."""
        return self._fitted.calibrated(softmax(self.features(records) @ self._weights))

    def features(self, records: Sequence[RecordText]) -> Floats:
        """(records, occupations, FEATURES): the evidence, each in [0, 1]."""
        n, m = len(records), len(self._codes)
        out = np.zeros((n, m, len(FEATURES)), dtype=np.float32)
        titles = self._normalizer.signals([r.title for r in records])
        out[:, :, 0] = titles.fused
        out[:, :, 6] = titles.lexical
        out[:, :, 7] = titles.embedding
        out[:, :, 9] = titles.exact
        if titles.queries is not None:
            title_passages = self._closest_passages(titles.queries)
            out[:, :, 1] = title_passages
            out[:, :, 2] = self._group_support(titles.fused + title_passages)
        for i, record in enumerate(records):
            out[i, :, 8] = self._grams.scores(self._normalizer.clean(record.title))
            if self._normalizer.head(record.title).endswith(_WORKER_ENDINGS):
                out[i, :, 10] = self._professional
        with_body = [i for i, r in enumerate(records) if r.has_body]
        if with_body and self._embedder is not None:
            queries = self._embedder.embed_queries([records[i].text() for i in with_body])
            out[with_body, :, 3] = self._closest_passages(queries)
        for i in with_body:
            record = records[i]
            out[i, :, 4] = self._words.scores(" ".join([record.body, *record.skills]))
        for i, record in enumerate(records):
            for name in record.certificates:
                for code in self._certificate_codes(name):
                    out[i, self._index[code], 5] = 1.0
        return out

    def _closest_passages(self, queries: Floats) -> Floats:
        vectors = self._passage_vectors()
        sims = queries @ vectors.T
        best = np.maximum.reduceat(sims, self._starts, axis=1)
        out: Floats = np.clip((best - _COS_FLOOR) / _COS_SPAN, 0.0, 1.0).astype(np.float32)
        return out

    def _group_support(self, scores: Floats) -> Floats:
        totals = np.zeros((scores.shape[0], int(self._minor.max()) + 1), dtype=np.float32)
        np.add.at(totals.T, self._minor, scores.T)
        support = totals[:, self._minor]
        out: Floats = support / (support.max(axis=1, keepdims=True) + 1e-6)
        return out

    def _passage_vectors(self) -> Floats:
        if self._embedder is None:
            raise RuntimeError("passage similarities need an embedder")
        with self._lock:
            if self._vectors is None:
                vectors = self._embedder.embed_passages(self._passages)
                self._vectors = vectors[self._order]
            return self._vectors


class _WordIndex:
    """BM25 over the segmented words of each occupation's text, scores scaled to [0, 1]."""

    def __init__(self, texts: Sequence[str]) -> None:
        docs = [tokens(t) for t in texts]
        self.n = len(docs)
        lengths = [len(d) for d in docs]
        average = sum(lengths) / max(self.n, 1)
        df = collections.Counter(w for d in docs for w in set(d))
        self.postings: dict[str, tuple[npt.NDArray[np.int64], Floats]] = {}
        grouped: dict[str, list[tuple[int, float]]] = collections.defaultdict(list)
        for j, doc in enumerate(docs):
            norm = _BM25_K1 * (1 - _BM25_B + _BM25_B * lengths[j] / average)
            for word, count in collections.Counter(doc).items():
                idf = math.log(1 + (self.n - df[word] + 0.5) / (df[word] + 0.5))
                grouped[word].append((j, idf * count * (_BM25_K1 + 1) / (count + norm)))
        for word, pairs in grouped.items():
            ids = np.array([j for j, _ in pairs], dtype=np.int64)
            self.postings[word] = (ids, np.array([v for _, v in pairs], dtype=np.float32))

    def scores(self, text: str) -> Floats:
        out = np.zeros(self.n, dtype=np.float32)
        for word in set(tokens(text)):
            found = self.postings.get(word)
            if found is not None:
                np.add.at(out, found[0], found[1])
        top = float(out.max())
        return out / top if top > 0 else out


class _GramIndex:
    """TF-IDF cosine of character bigrams: a rare compound (离子膜, 球团) that segmentation
    splits or keeps whole still meets the occupation text that holds it. Scores scaled so
    the best occupation has 1."""

    def __init__(self, texts: Sequence[str]) -> None:
        docs = [_bigrams(t) for t in texts]
        self.n = len(docs)
        df = collections.Counter(g for d in docs for g in d)
        self.idf = {g: math.log((self.n + 1) / (c + 0.5)) for g, c in df.items()}
        grouped: dict[str, list[tuple[int, float]]] = collections.defaultdict(list)
        for j, doc in enumerate(docs):
            weighted = {g: (1 + math.log(c)) * self.idf[g] for g, c in doc.items()}
            norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
            for g, v in weighted.items():
                grouped[g].append((j, v / norm))
        self.postings = {
            g: (
                np.array([j for j, _ in pairs], dtype=np.int64),
                np.array([v for _, v in pairs], dtype=np.float32),
            )
            for g, pairs in grouped.items()
        }

    def scores(self, text: str) -> Floats:
        out = np.zeros(self.n, dtype=np.float32)
        query = {g: (1 + math.log(c)) * self.idf.get(g, 0.0) for g, c in _bigrams(text).items()}
        norm = math.sqrt(sum(v * v for v in query.values())) or 1.0
        for g, v in query.items():
            found = self.postings.get(g)
            if found is not None:
                np.add.at(out, found[0], found[1] * (v / norm))
        top = float(out.max())
        return out / top if top > 0 else out


_NOT_WORD = re.compile(r"[^\w]+")


def _bigrams(text: str) -> collections.Counter[str]:
    grams: collections.Counter[str] = collections.Counter()
    for word in _NOT_WORD.sub(" ", text.lower()).split():
        grams.update(word[i : i + 2] for i in range(len(word) - 1))
    return grams


def _certificate_codes(catalog: OccupationCatalog) -> Callable[[str], list[str]]:
    rules = catalog.access_rules()
    cache: dict[str, list[str]] = {}

    def codes(name: str) -> list[str]:
        if name not in cache:
            cache[name] = [
                rule.code
                for rule in rules
                if satisfies({"type": rule.certificate_type, "name": name}, rule)
            ]
        return cache[name]

    return codes


def softmax(scores: Floats) -> Floats:
    shifted = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    out: Floats = p / p.sum(axis=1, keepdims=True)
    return out


def isotonic(confidences: Sequence[float], correct: Sequence[bool]) -> list[tuple[float, float]]:
    """Knots (mean p, share right) of the isotonic regression of being right on p (pool
    adjacent violators): a monotone map from a probability to the share it turns out right."""
    pairs = sorted(zip(confidences, correct, strict=True))
    blocks: list[list[float]] = []  # [sum p, sum right, count]
    for p, right in pairs:
        blocks.append([p, float(right), 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            blocks[-1] = [a + b for a, b in zip(blocks[-1], last, strict=True)]
    return [(round(p / n, 4), round(r / n, 4)) for p, r, n in blocks]


def reliability(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> list[tuple[float, float, int, float, float]]:
    """(low, high, records, mean probability, share right) per probability bin: a reading
    is calibrated when the two last columns agree."""
    out: list[tuple[float, float, int, float, float]] = []
    pairs = list(zip(confidences, correct, strict=True))
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(p, c) for p, c in pairs if low <= p < high or (b == bins - 1 and p == 1.0)]
        if inside:
            mean_p = sum(p for p, _ in inside) / len(inside)
            share = sum(c for _, c in inside) / len(inside)
            out.append((low, high, len(inside), round(mean_p, 3), round(share, 3)))
    return out
