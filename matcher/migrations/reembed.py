"""Re-embedding stored records for a new embedding model (used by ``matcher migrate``).

Vectors of two models must never share an index: a model change is a migration whose
transform rebuilds every record's embedding from its stored text with the current model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from indexes.manage import Transform
from matcher.postings import service as postings
from matcher.profiles import service as profiles
from matcher.records.prepare import embed_passages
from matcher.services import Services


def embedding_text(svc: Services, kind: str, source: Mapping[str, Any]) -> str:
    """The text a record's embedding was made from, rebuilt from its stored fields."""
    names = svc.taxonomy.occupation_name
    if kind == "profiles":
        profile = profiles.PROFILES.body_of(source)
        return profiles.embedding_text(profile, [names(c) for c in profile.occupation_codes])
    posting = postings.POSTINGS.body_of(source)
    code = posting.occupation_code
    return postings.embedding_text(posting, names(code) if code else None)


def reembed(svc: Services, kind: str) -> Transform:
    """A migration transform that replaces each document's vector with the current model's."""

    async def transform(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        texts = [embedding_text(svc, kind, hit["_source"]) for hit in batch]
        vectors = await embed_passages(svc, texts)
        for hit, vector in zip(batch, vectors, strict=True):
            hit["_source"]["embedding"] = vector.tolist()
            hit["_source"]["embedding_model"] = svc.embedder.model_id
        return batch

    return transform
