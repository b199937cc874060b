"""What each logical index holds: its mapping version, settings and mappings."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

# Chinese text is segmented in Python (rjieba) and lower-cased there; ES then splits on spaces.
# The prebuilt "whitespace" analyzer is in server core, unlike the cjk/smartcn analyzers.
SEGMENTED_TEXT: dict[str, Any] = {"type": "text", "analyzer": "whitespace"}
KEYWORD: dict[str, Any] = {"type": "keyword"}
# Shown back to authorised readers from _source, never searchable or aggregatable.
STORED_ONLY: dict[str, Any] = {"type": "keyword", "index": False, "doc_values": False}
DATE: dict[str, Any] = {"type": "date"}


@dataclass(frozen=True)
class Layout:
    """How an index is spread over the cluster: primary shards, and replicas as a count or
    an ``auto_expand_replicas`` range ("0-1": none on one node, one copy on every other node
    up to one, so a 3-node cluster keeps each shard twice and stays readable with a node
    down). Shards are fixed when an index is created (a change takes effect at the next
    ``matcher migrate``); replicas are applied to existing indexes by ``init-indexes``."""

    shards: int = 1
    replicas: str = "0-1"

    def settings(self) -> dict[str, Any]:
        if "-" in self.replicas:
            return {"number_of_shards": self.shards, "auto_expand_replicas": self.replicas}
        return {
            "number_of_shards": self.shards,
            "number_of_replicas": int(self.replicas),
            "auto_expand_replicas": False,
        }


@dataclass(frozen=True)
class IndexSpec:
    """One logical index. Bump ``mapping_version`` when its mappings change (its layout is
    the deployment's, not part of the version)."""

    name: str
    prefix: str
    mapping_version: int
    mappings: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    embedding_model: str | None = None
    layout: Layout = field(default_factory=Layout)

    @property
    def read_alias(self) -> str:
        return f"{self.prefix}-{self.name}"

    @property
    def write_alias(self) -> str:
        return f"{self.prefix}-{self.name}-write"

    @property
    def concrete_pattern(self) -> str:
        return f"{self.prefix}-{self.name}-v*"

    @property
    def knn_oversample(self) -> float | None:
        """The re-scoring oversample of the index's embedding field (None: none)."""
        field = self.mappings.get("properties", {}).get("embedding", {})
        rescore = field.get("index_options", {}).get("rescore_vector", {})
        oversample = rescore.get("oversample")
        return float(oversample) if oversample is not None else None

    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"mapping_version": self.mapping_version, "logical": self.name}
        if self.embedding_model:
            meta["embedding_model"] = self.embedding_model
        return meta

    def body(self) -> dict[str, Any]:
        return {
            "settings": {
                **self.layout.settings(),
                # Vectors stay out of _source (ES 9's default): searches never fetch them;
                # the reads that need one (matching's query record, migration copies) ask.
                "index.mapping.exclude_source_vectors": True,
                **self.settings,
            },
            "mappings": {"_meta": self.meta(), "dynamic": "strict", **self.mappings},
        }


# Binary quantisation (BBQ) needs at least 64 dimensions; below, int8.
BBQ_MIN_DIMS = 64
# How many candidates per result the quantised search gathers and re-scores on the float
# vectors: with bbq_hnsw at 100,000 profiles, 3 reaches recall@50 0.980 at 200 candidates
# (2 only 0.939); int8_hnsw re-scores twice k (docs/performance.md, "Vector index").
OVERSAMPLE = {"bbq_hnsw": 3.0, "int8_hnsw": 2.0}


def embedding_mapping(dims: int, index_type: str | None = None) -> dict[str, Any]:
    """The embedding field: HNSW over binary-quantised vectors (bbq_hnsw, what ES 9 itself
    chooses for 384 dimensions), re-scored on the float vectors. Against int8_hnsw at 100,000
    profiles: recall@50 0.980 against 0.954 at 200 candidates, the kNN search faster (p50
    7.7 against 9.0 ms) and the quantised vectors 6 times smaller in memory."""
    chosen = index_type or ("bbq_hnsw" if dims >= BBQ_MIN_DIMS else "int8_hnsw")
    options: dict[str, Any] = {"type": chosen}
    if chosen in OVERSAMPLE:
        options["rescore_vector"] = {"oversample": OVERSAMPLE[chosen]}
    return {
        "type": "dense_vector",
        "dims": dims,
        "index": True,
        "similarity": "cosine",
        "index_options": options,
    }


def _certificate() -> dict[str, Any]:
    # Nested: a hard rule needs type, key and expiry of the SAME certificate to agree.
    return {
        "type": "nested",
        "properties": {
            "type": KEYWORD,
            "name": KEYWORD,
            "key": KEYWORD,
            # The requirement keys it meets: its own, lower licence classes, its category.
            "covers": KEYWORD,
            "occupation_code": KEYWORD,
            "level": {"type": "byte"},
            "number": STORED_ONLY,
            "issued_on": DATE,
            "expires_on": DATE,
        },
    }


def _record_common(dims: int) -> dict[str, Any]:
    return {
        "id": KEYWORD,
        "owner_id": KEYWORD,
        "title": STORED_ONLY,
        "search_text": SEGMENTED_TEXT,
        "title_tokens": SEGMENTED_TEXT,
        "region_code": KEYWORD,
        "city_code": KEYWORD,
        "location": {"type": "geo_point"},
        "status": KEYWORD,
        "created_at": DATE,
        "updated_at": DATE,
        # 登记日期: the day the record was registered with an office (bulletin periods count
        # by it); given on import for historic records, else the day it was first stored.
        "registered_on": DATE,
        # Set on every write by the service; migrations use it to tell copies from new writes.
        "indexed_at": DATE,
        "embedding": embedding_mapping(dims),
        "embedding_model": KEYWORD,
        # v6 (profiles) / v7 (postings): the occupation as readings — the inference's most
        # likely occupations with their probabilities, or one certain reading (given by the
        # caller, or confirmed by an office or the owner). Codes are searchable for boosts.
        "occupation_candidates": {"type": "object", "enabled": False},
        "occupation_candidate_codes": KEYWORD,
        "occupation_confidence": {"type": "half_float"},
        "occupation_source": KEYWORD,  # given, inferred, confirmed
        "occupation_ambiguous": {"type": "boolean"},
        "occupation_confirmed_by": KEYWORD,
        "occupation_confirmed_at": DATE,
    }


def profiles_mappings(dims: int) -> dict[str, Any]:
    return {
        "properties": {
            **_record_common(dims),
            "summary": STORED_ONLY,
            "skills": KEYWORD,
            "occupation_codes": KEYWORD,
            # The first of occupation_codes: supply is counted once, under the main intention.
            "primary_occupation": KEYWORD,
            "occupation_groups": KEYWORD,
            "skill_level": {"type": "byte"},
            # skill_level, one grade higher for holders of a recognised award (破格).
            "effective_level": {"type": "byte"},
            "award_bonus": {"type": "boolean"},
            "certificates": _certificate(),
            # Employment-access rules met by a certificate, with its expiry (hard rule filter).
            "permits": {
                "type": "nested",
                "properties": {"code": KEYWORD, "expires_on": DATE},
            },
            "occupation_normalized": {"type": "object", "enabled": False},
            "years_experience": {"type": "half_float"},
            "willing_to_relocate": {"type": "boolean"},
            "preferred_region_codes": KEYWORD,
            "expected_monthly_wage": {"type": "integer"},
            "awards": KEYWORD,
            # Personal data: kept in _source for authorised readers, never indexed.
            "contact": {"type": "object", "enabled": False},
            # v7: hashes of the phone and certificate numbers (matcher/foundation/neardup.py):
            # two profiles sharing one are flagged to the office as a possible double entry.
            "identity_keys": KEYWORD,
            # v8: the hashed name (matcher/foundation/neardup.py), how an office finds a
            # returning worker by name; the name itself stays unindexed in contact.
            "name_key": KEYWORD,
        }
    }


def postings_mappings(dims: int) -> dict[str, Any]:
    return {
        "properties": {
            **_record_common(dims),
            "enterprise_id": KEYWORD,
            "enterprise_name": KEYWORD,
            "description": STORED_ONLY,
            "occupation_code": KEYWORD,
            "occupation_normalized": {"type": "object", "enabled": False},
            "occupation_groups": KEYWORD,
            "required_level": {"type": "byte"},
            "required_certificates": {
                "type": "nested",
                "properties": {
                    "type": KEYWORD,
                    "name": KEYWORD,
                    "key": KEYWORD,
                    "mandatory": {"type": "boolean"},
                },
            },
            "headcount": {"type": "integer"},
            "filled": {"type": "integer"},
            # headcount - filled: a posting with none left stops matching.
            "open_headcount": {"type": "integer"},
            # Referrals whose hire took a place: makes closing headcount idempotent.
            "hired_referral_ids": KEYWORD,
            "access_controlled": {"type": "boolean"},
            "wage_min": {"type": "integer"},
            "wage_max": {"type": "integer"},
            # The monthly wage a posting offers, for wage guidance: the midpoint of the range,
            # or its one stated end (no scripts on the minimal node, so it is stored).
            "wage_monthly": {"type": "integer"},
            "industry": KEYWORD,
            # The key project as the posting shows it: the registered project's name and
            # remoteness when linked (key_project_id), else the writer's unverified claim.
            "key_project": {"properties": {"name": KEYWORD, "remote": {"type": "boolean"}}},
            # A project of the registry (matcher/projects), linked by an office or admin; only
            # a linked posting earns key-project incentives.
            "key_project_id": KEYWORD,
            # v9: LSH band keys of the text (matcher/foundation/neardup.py), and the earlier
            # open posting of the same enterprise this one repeats (set by the duplicates job;
            # bulletins count the two once).
            "dup_bands": {"type": "keyword", "doc_values": False},
            "duplicate_of": KEYWORD,
            # v9 too: what an import in sanitize mode cut out of the text (shown, not searched).
            "compliance_note": STORED_ONLY,
            # Service period in months (合同/服务期); incentive rules may ask for a minimum.
            "contract_months": {"type": "short"},
            # Policies whose posting-side rule this posting meets (matcher/incentives), kept
            # current by the re-flag job; queries keep only the ones in force on the day.
            "incentive_policy_ids": KEYWORD,
            "valid_from": DATE,
            "valid_until": DATE,
        }
    }


def referrals_mappings() -> dict[str, Any]:
    """Introductions (职业介绍) and their outcomes. The posting's occupation, grade and region
    are copied in at creation so bulletins (placements per occupation) and incentive reports
    count referrals without joining; no personal data of the seeker is stored here."""
    return {
        "properties": {
            "id": KEYWORD,
            "posting_id": KEYWORD,
            "profile_id": KEYWORD,
            "office_id": KEYWORD,
            "office_region_code": KEYWORD,
            "staff": KEYWORD,
            "note": STORED_ONLY,
            "status": KEYWORD,
            # v2: the n-th introduction of this seeker to this posting (after a decline or
            # no-show), and the referral it follows.
            "attempt": {"type": "short"},
            "previous_id": KEYWORD,
            "occupation_code": KEYWORD,
            "occupation_groups": KEYWORD,
            "required_level": {"type": "byte"},
            "profile_level": {"type": "byte"},
            "posting_region_code": KEYWORD,
            "posting_city_code": KEYWORD,
            "profile_region_code": KEYWORD,
            "profile_city_code": KEYWORD,
            "enterprise_id": KEYWORD,
            "enterprise_name": STORED_ONLY,
            "posting_title": STORED_ONLY,
            "profile_title": STORED_ONLY,
            "key_project_name": KEYWORD,
            "key_project_remote": {"type": "boolean"},
            # v2: the incentive policies in force that the posting carried when the seeker was
            # proposed, and those this seeker would receive (the incentive report counts both).
            "incentive_policy_ids": KEYWORD,
            "incentive_grant_ids": KEYWORD,
            # One timestamp per step reached, for counts by period.
            "proposed_at": DATE,
            "contacted_at": DATE,
            "interviewed_at": DATE,
            "hired_at": DATE,
            "declined_at": DATE,
            # v3: the worker's withdrawal apart from the employer's no; the interview arranged.
            "withdrew_at": DATE,
            "interview_at": DATE,
            "no_show_at": DATE,
            "closed_at": DATE,
            "updated_at": DATE,
            "indexed_at": DATE,
            # Every step: status, at, by (token subject), staff, note.
            "history": {"type": "object", "enabled": False},
        }
    }


def tokens_mappings() -> dict[str, Any]:
    return {
        "properties": {
            "token_id": KEYWORD,
            "secret_hash": STORED_ONLY,
            "role": KEYWORD,
            "subject": KEYWORD,
            "region_code": KEYWORD,
            "label": STORED_ONLY,
            "created_by": KEYWORD,
            "created_at": DATE,
            "expires_at": DATE,
            "revoked_at": DATE,
            "indexed_at": DATE,
        }
    }


def occupations_mappings() -> dict[str, Any]:
    return {
        "properties": {
            "code": KEYWORD,
            "level": {"type": "byte"},
            "name": KEYWORD,
            "marks": KEYWORD,
            "aliases": KEYWORD,
            # Every prefix of the name and aliases: typeahead without edge-ngram analyzers,
            # which the minimal node lacks.
            "prefixes": KEYWORD,
            # Character bigrams, space-joined: infix matches ("焊工" finds "电焊工").
            "grams": SEGMENTED_TEXT,
            "definition": STORED_ONLY,
            "tasks": STORED_ONLY,
            "parent_codes": KEYWORD,
            "access_controlled": {"type": "boolean"},
            "indexed_at": DATE,
        }
    }


def contact_requests_mappings() -> dict[str, Any]:
    # An enterprise's request to contact a seeker about one posting, and its consent state.
    return {
        "properties": {
            "id": KEYWORD,
            "posting_id": KEYWORD,
            "profile_id": KEYWORD,
            "enterprise_id": KEYWORD,
            "enterprise_name": KEYWORD,
            "posting_title": STORED_ONLY,
            "purpose": STORED_ONLY,
            "status": KEYWORD,
            "method": KEYWORD,
            "requested_by": KEYWORD,
            "decided_by": KEYWORD,
            "recorded_by": KEYWORD,
            "note": STORED_ONLY,
            "created_at": DATE,
            "updated_at": DATE,
            "decided_at": DATE,
            "indexed_at": DATE,
        }
    }


def audit_mappings() -> dict[str, Any]:
    # Ids and actions only: the audit log never holds contact details or free text.
    return {
        "properties": {
            "id": KEYWORD,
            "at": DATE,
            "action": KEYWORD,
            "actor_role": KEYWORD,
            "actor_id": KEYWORD,
            "token_id": KEYWORD,
            "profile_id": KEYWORD,
            "posting_id": KEYWORD,
            "enterprise_id": KEYWORD,
            "request_id": KEYWORD,
            # v2: an export's row count and the selection that chose its rows.
            "rows": {"type": "integer"},
            "selection": KEYWORD,
            "indexed_at": DATE,
        }
    }


def incentives_mappings() -> dict[str, Any]:
    """Policy versions: one document per version, never rewritten (``_id`` policy@version)."""
    return {
        "properties": {
            "policy_id": KEYWORD,
            "version": {"type": "integer"},
            "status": KEYWORD,
            "name": KEYWORD,
            "authority": KEYWORD,
            "description": STORED_ONLY,
            "valid_from": DATE,
            "valid_until": DATE,
            # Read back whole by the evaluator; never queried.
            "benefits": {"type": "object", "enabled": False},
            "eligibility": {"type": "object", "enabled": False},
            "recorded_at": DATE,
            "recorded_by": KEYWORD,
            "note": STORED_ONLY,
            "indexed_at": DATE,
        }
    }


def bulletins_mappings() -> dict[str, Any]:
    # Published bulletins: searchable by what lists them; the figures and the counts they were
    # computed from are kept whole in _source (written once with op_type=create, never updated).
    return {
        "properties": {
            "id": KEYWORD,
            "kind": KEYWORD,
            "period": KEYWORD,
            "period_start": DATE,
            "period_end": DATE,
            "scope": KEYWORD,
            "version": {"type": "integer"},
            "replaces": KEYWORD,
            "generated_at": DATE,
            "trigger": KEYWORD,
            "published_by": KEYWORD,
            "software_version": KEYWORD,
            "content": {"type": "object", "enabled": False},
        }
    }


def alerts_mappings() -> dict[str, Any]:
    """Inbox alerts: one document per recipient and thing to tell (its ``_id`` a hash of the
    two, so a retried job writes it once); the text is shown back, never searched."""
    return {
        "properties": {
            "id": KEYWORD,
            "recipient": KEYWORD,  # role:subject of whom it is for
            "kind": KEYWORD,
            "record_kind": KEYWORD,
            "record_id": KEYWORD,
            "title": STORED_ONLY,
            "body": STORED_ONLY,
            "subscription_id": KEYWORD,  # the saved search that raised it, if one did
            # v2: for alerts to the offices of a region (recipient "office:*"), the region;
            # every office whose region covers it reads the alert.
            "region_code": KEYWORD,
            "created_at": DATE,
            "read_at": DATE,
            "delivered_at": DATE,  # posted to the subscription's webhook
            "indexed_at": DATE,
        }
    }


def saved_searches_mappings() -> dict[str, Any]:
    """Saved searches and subscriptions, stored so that a new record finds the ones it
    satisfies with one query (``matcher.subscriptions``): their structured part as fields to
    match against the record's attributes; the search itself and the webhook kept whole."""
    return {
        "properties": {
            "id": KEYWORD,
            "owner": KEYWORD,  # role:subject
            "owner_role": KEYWORD,
            "owner_subject": KEYWORD,
            "owner_region": KEYWORD,  # an office's region scope when it was saved
            "kind": KEYWORD,  # postings, profile_matches, posting_candidates
            "name": STORED_ONLY,
            "target_id": KEYWORD,  # the profile or posting a subscription follows
            "search": {"type": "object", "enabled": False},  # the search body, whole
            # The structured part a record is matched against:
            "match_any": {"type": "boolean"},  # no words and no trade: every record passes
            "words": KEYWORD,
            "words_count": {"type": "integer"},
            "occupation_codes": KEYWORD,
            "occupation_groups": KEYWORD,  # minor groups (6-18-02)
            # Significant prefixes (1502) of the regions a record must lie in: a search's region
            # filter; for a profile's subscription its home and preferred league-cities
            # unless the seeker would move anywhere.
            "region_scope": KEYWORD,
            # The search states what the structured part cannot (a radius, an exact code):
            # its candidates are confirmed by the search itself.
            "confirm_in_search": {"type": "boolean"},
            # What the inverted check returns of each candidate, packed in one doc value
            # (matcher.store.saved_searches): thousands of candidates come back quickly.
            "card": {"type": "keyword", "index": False},
            "wage_floor": {"type": "integer"},
            "grade": {"type": "integer"},
            "industry": KEYWORD,
            "incentives_only": {"type": "boolean"},
            "delivery": KEYWORD,  # instant, daily
            "webhook_url": STORED_ONLY,
            "webhook_secret": STORED_ONLY,  # signs deliveries; shown to its owner once
            "webhook_state": KEYWORD,  # none, ok, failing
            "webhook_failures": {"type": "integer"},
            "digest_after": STORED_ONLY,  # "<created_at ms>|<id>" of a digest's last alert
            "created_at": DATE,
            "updated_at": DATE,
            "indexed_at": DATE,
        }
    }


def key_projects_mappings() -> dict[str, Any]:
    """The registry of key construction projects (重点建设项目), kept by admins."""
    return {
        "properties": {
            "id": KEYWORD,
            "name": KEYWORD,
            "county_code": KEYWORD,
            "city_code": KEYWORD,
            "authority": STORED_ONLY,
            "approval_number": KEYWORD,  # the approval document (批复文号)
            "valid_from": DATE,
            "valid_until": DATE,
            "status": KEYWORD,  # active, retired
            "remote": {"type": "boolean"},  # its county is in the configured remote areas
            "recorded_by": KEYWORD,
            "created_at": DATE,
            "updated_at": DATE,
            "indexed_at": DATE,
        }
    }


@dataclass(frozen=True)
class Indexes:
    """Every logical index of one deployment (one prefix), by name."""

    profiles: IndexSpec
    postings: IndexSpec
    tokens: IndexSpec
    occupations: IndexSpec
    contact_requests: IndexSpec
    audit: IndexSpec
    incentives: IndexSpec
    bulletins: IndexSpec
    referrals: IndexSpec
    alerts: IndexSpec
    saved_searches: IndexSpec
    key_projects: IndexSpec

    def all(self) -> list[IndexSpec]:
        return [getattr(self, f.name) for f in fields(self)]

    def named(self, name: str) -> IndexSpec | None:
        """The index a command line names (``matcher migrate postings``), or None."""
        return next((spec for spec in self.all() if spec.name == name), None)

    @property
    def names(self) -> list[str]:
        return [f.name for f in fields(self)]


_SHARDS = re.compile(r"[1-9]\d{0,2}")
_REPLICAS = re.compile(r"\d{1,2}(-(\d{1,2}|all))?")


def parse_layouts(shards: str, replicas: str) -> dict[str, Layout]:
    """``MATCHER_INDEX_SHARDS`` and ``MATCHER_INDEX_REPLICAS`` → a layout per index name ("*":
    the others). Each is one value for every index ("2", "0-1") or ``name=value`` pairs
    ("profiles=3,postings=2,*=1"; a bare value stands for "*"). ValueError names what is
    wrong."""
    known = set(Indexes.__dataclass_fields__) | {"*"}

    def per_index(text: str, pattern: re.Pattern[str], what: str) -> dict[str, str]:
        # A value without a name is every other index's ("0-1,audit=2").
        pairs = [p.strip() if "=" in p else f"*={p.strip()}" for p in text.split(",") if p.strip()]
        values: dict[str, str] = {}
        for pair in pairs:
            name, _, value = pair.partition("=")
            name, value = name.strip(), value.strip()
            if name not in known:
                raise ValueError(f"{what}: unknown index {name!r} (one of {sorted(known)})")
            if not pattern.fullmatch(value):
                raise ValueError(f"{what}: {value!r} for {name} is not a valid value")
            values[name] = value
        return values

    shard_of = per_index(shards, _SHARDS, "MATCHER_INDEX_SHARDS")
    replicas_of = per_index(replicas, _REPLICAS, "MATCHER_INDEX_REPLICAS")
    default = Layout(int(shard_of.get("*", "1")), replicas_of.get("*", "0-1"))
    return {
        name: Layout(
            int(shard_of.get(name, default.shards)), replicas_of.get(name, default.replicas)
        )
        for name in known
    }


def build_indexes(
    prefix: str,
    *,
    dims: int,
    embedding_model: str,
    layouts: Mapping[str, Layout] | None = None,
) -> Indexes:
    """All logical indexes of the service under ``prefix``, each laid out as ``layouts``
    says (by index name; "*" for the others; one shard, replicas "0-1" by default). Bump a
    ``mapping_version`` when that index's mappings change (a migration then rebuilds it)."""
    indexes = Indexes(
        profiles=IndexSpec(
            "profiles", prefix, 9, profiles_mappings(dims), embedding_model=embedding_model
        ),
        postings=IndexSpec(
            "postings", prefix, 10, postings_mappings(dims), embedding_model=embedding_model
        ),
        tokens=IndexSpec("tokens", prefix, 1, tokens_mappings()),
        occupations=IndexSpec("occupations", prefix, 1, occupations_mappings()),
        contact_requests=IndexSpec("contact_requests", prefix, 1, contact_requests_mappings()),
        audit=IndexSpec("audit", prefix, 2, audit_mappings()),
        incentives=IndexSpec("incentives", prefix, 1, incentives_mappings()),
        bulletins=IndexSpec("bulletins", prefix, 1, bulletins_mappings()),
        referrals=IndexSpec("referrals", prefix, 3, referrals_mappings()),
        alerts=IndexSpec("alerts", prefix, 2, alerts_mappings()),
        saved_searches=IndexSpec("saved_searches", prefix, 1, saved_searches_mappings()),
        key_projects=IndexSpec("key_projects", prefix, 1, key_projects_mappings()),
    )
    if not layouts:
        return indexes
    default = layouts.get("*", Layout())
    return Indexes(
        **{
            name: dataclasses.replace(spec, layout=layouts.get(name, default))
            for name, spec in zip(indexes.names, indexes.all(), strict=True)
        }
    )
