"""The index definitions: what the minimal node offers, and the typed documents that mirror
them field for field."""

from typing import Any, get_type_hints, is_typeddict

import pytest

from indexes import build_indexes
from indexes import documents as docs

ALLOWED_ANALYZERS = {"whitespace"}  # core analyzers only: no analysis-common, no plugins


def walk(mapping: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(mapping, dict):
        found.append(mapping)
        for value in mapping.values():
            found.extend(walk(value))
    return found


def test_mappings_use_only_what_the_minimal_node_has() -> None:
    for spec in build_indexes("x", dims=384, embedding_model="m").all():
        body = spec.body()
        assert "analysis" not in body["settings"]
        for node in walk(body["mappings"]):
            if "analyzer" in node:
                assert node["analyzer"] in ALLOWED_ANALYZERS, (spec.name, node)
        assert body["mappings"]["dynamic"] == "strict"


DOCUMENTS = {
    "profiles": docs.ProfileDoc,
    "postings": docs.PostingDoc,
    "tokens": docs.TokenDoc,
    "occupations": docs.OccupationDoc,
    "contact_requests": docs.ContactRequestDoc,
    "audit": docs.AuditDoc,
    "incentives": docs.PolicyDoc,
    "bulletins": docs.BulletinDoc,
    "referrals": docs.ReferralDoc,
    "alerts": docs.AlertDoc,
    "saved_searches": docs.SavedSearchDoc,
    "key_projects": docs.RegisteredProjectDoc,
}
NESTED = {
    ("profiles", "certificates"): docs.CertificateDoc,
    ("profiles", "permits"): docs.PermitDoc,
    ("postings", "required_certificates"): docs.RequiredCertificateDoc,
    ("postings", "key_project"): docs.KeyProjectDoc,
}


def keys(typed: Any) -> set[str]:
    assert is_typeddict(typed)
    return set(typed.__required_keys__ | typed.__optional_keys__)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_typed_document_names_exactly_its_index_fields(name: str) -> None:
    indexes = build_indexes("x", dims=4, embedding_model="m")
    spec = indexes.named(name)
    assert spec is not None
    properties = spec.mappings["properties"]
    assert keys(DOCUMENTS[name]) == set(properties), name
    for (index, field), typed in NESTED.items():
        if index == name:
            assert keys(typed) == set(properties[field]["properties"]), (name, field)
    get_type_hints(DOCUMENTS[name])  # every annotation resolves


def test_every_index_has_a_typed_document() -> None:
    assert set(DOCUMENTS) == set(build_indexes("x", dims=4, embedding_model="m").names)


@pytest.mark.parametrize(
    ("dims", "kind", "oversample"),
    [(384, "bbq_hnsw", 3.0), (768, "bbq_hnsw", 3.0), (32, "int8_hnsw", 2.0)],
)
def test_vectors_are_binary_quantised_and_rescored_as_the_queries_say(
    dims: int, kind: str, oversample: float
) -> None:
    indexes = build_indexes("x", dims=dims, embedding_model="m")
    for spec in (indexes.profiles, indexes.postings):
        field = spec.mappings["properties"]["embedding"]
        assert field["dims"] == dims
        assert field["index_options"] == {
            "type": kind,
            "rescore_vector": {"oversample": oversample},
        }
        # The kNN query re-scores as the mapping says (matcher/store/records.py reads it).
        assert spec.knn_oversample == oversample
    assert indexes.tokens.knn_oversample is None
