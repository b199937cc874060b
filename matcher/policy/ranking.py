"""Ranking weights and retrieval sizes, read from ``matching.yaml`` (or a configured file)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

FEATURES = (
    "retrieval",
    "occupation",
    "grade",
    "certificates",
    "skills",
    "experience",
    "wage",
    "location",
    "mobility_incentive",
)


class MatchingConfigError(ValueError):
    """The ranking configuration is missing a feature or holds a bad value."""


@dataclass(frozen=True)
class MatchingConfig:
    weights: dict[str, float]
    rrf_k: int
    bm25_size: int
    knn_k: int
    knn_num_candidates: int
    rerank_depth: int

    @classmethod
    def load(cls, path: Path | None = None) -> MatchingConfig:
        text = (
            path.read_text("utf-8")
            if path
            else resources.files("matcher.policy").joinpath("matching.yaml").read_text("utf-8")
        )
        raw: dict[str, Any] = yaml.safe_load(text)
        weights = {str(k): float(v) for k, v in (raw.get("weights") or {}).items()}
        if set(weights) != set(FEATURES):
            raise MatchingConfigError(
                f"weights must name exactly: {', '.join(FEATURES)}; got {', '.join(weights)}"
            )
        if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise MatchingConfigError("weights must be non-negative and not all zero")
        total = sum(weights.values())
        retrieval = raw.get("retrieval") or {}
        return cls(
            weights={k: w / total for k, w in weights.items()},
            rrf_k=int(retrieval.get("rrf_k", 60)),
            bm25_size=int(retrieval.get("bm25_size", 50)),
            knn_k=int(retrieval.get("knn_k", 50)),
            knn_num_candidates=int(retrieval.get("knn_num_candidates", 100)),
            rerank_depth=int(retrieval.get("rerank_depth", 100)),
        )
