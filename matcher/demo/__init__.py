"""A small hand-written demo data set (Inner Mongolia trades) and its loader.

The records are fictional; phone numbers use the reserved-looking 138000000xx range.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from elasticsearch.helpers import async_bulk

from matcher.auth.models import Role, TokenCreate
from matcher.auth.service import create_token
from matcher.services import Services
from matcher.text import segment


def read_records(kind: str) -> list[dict[str, Any]]:
    """The demo ``profiles`` or ``postings`` as dicts."""
    text = resources.files("matcher.demo").joinpath(f"{kind}.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _groups(codes: list[str]) -> list[str]:
    # "6-18-02-04" → "6", "6-18", "6-18-02": lets matching reward a shared group.
    out: set[str] = set()
    for code in codes:
        parts = code.split("-")
        out.update("-".join(parts[:n]) for n in (1, 2, 3))
    return sorted(out)


def _document(kind: str, record: dict[str, Any], vector: list[float], model: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    doc = {**record, "embedding": vector, "embedding_model": model}
    doc.update(created_at=now, updated_at=now, indexed_at=now)
    doc["city_code"] = record["region_code"][:4] + "00"
    doc["title_tokens"] = segment(record["title"])
    if kind == "profiles":
        doc["search_text"] = segment(record["title"], record["summary"], " ".join(record["skills"]))
        doc["occupation_groups"] = _groups(record["occupation_codes"])
    else:
        doc.setdefault("owner_id", record["enterprise_id"])
        doc["search_text"] = segment(record["title"], record["description"])
        doc["occupation_groups"] = _groups([record["occupation_code"]])
        doc["filled"] = 0
        doc["required_certificates"] = record.get("required_certificates") or []
        if doc.get("key_project") is None:
            doc.pop("key_project", None)
        if doc.get("location") is None:
            doc.pop("location", None)
    return doc


def _embedding_text(kind: str, record: dict[str, Any]) -> str:
    body = record["summary"] if kind == "profiles" else record["description"]
    return f"{record['title']}。{body}"


async def load_demo(svc: Services) -> dict[str, int]:
    """Index the demo records (idempotent: ids are fixed) and return counts per index."""
    counts = {}
    for kind in ("postings", "profiles"):
        records = read_records(kind)
        vectors = svc.embedder.embed_passages([_embedding_text(kind, r) for r in records])
        actions = [
            {
                "_index": svc.specs[kind].write_alias,
                "_id": r["id"],
                "_source": _document(kind, r, v.tolist(), svc.embedder.model_id),
            }
            for r, v in zip(records, vectors, strict=True)
        ]
        ok, _ = await async_bulk(svc.es, actions, refresh="wait_for")
        counts[kind] = ok
    return counts


DEMO_PRINCIPALS = [
    TokenCreate(
        role=Role.OFFICE,
        subject="office-150000",
        region_code="150000",
        label="demo: regional office (内蒙古自治区)",
        expires_in_days=30,
    ),
    TokenCreate(
        role=Role.OFFICE,
        subject="office-150200",
        region_code="150200",
        label="demo: 包头市 office",
        expires_in_days=30,
    ),
    TokenCreate(
        role=Role.ENTERPRISE, subject="ent-baogang", label="demo: enterprise", expires_in_days=30
    ),
    TokenCreate(role=Role.SEEKER, subject="seeker-001", label="demo: seeker", expires_in_days=30),
]


async def demo_tokens(svc: Services) -> dict[str, str]:
    """Fresh tokens for the demo principals: label → bearer token."""
    out = {}
    for request in DEMO_PRINCIPALS:
        created = await create_token(
            svc.es, svc.specs["tokens"], request=request, created_by="demo"
        )
        out[request.label] = created.token
    return out
