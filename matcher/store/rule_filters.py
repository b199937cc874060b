"""The hard rules as Elasticsearch filters, so candidates that break one are never retrieved.

Their Python twin is ``matcher.policy.rules.check``, which also says which rule kept a pair
apart and what would close the gap; the tests hold the two to the same verdicts. The rules
themselves are described in docs/domain.md (grade floor, employment access, permits).
"""

from __future__ import annotations

from datetime import date

from indexes.documents import PostingDoc, ProfileDoc
from matcher.store.queries import Query, active_profile, not_expired, open_posting
from matcher.taxonomy.certificates import (
    HARD_CERTIFICATE_TYPES,
    is_hard,
    requirement_key,
    valid_cert_keys,
    valid_permit_codes,
)


def _nested(path: str, field: str, value: str, day: date) -> Query:
    return {
        "nested": {
            "path": path,
            "query": {
                "bool": {
                    "filter": [
                        {"term": {f"{path}.{field}": value}},
                        not_expired(f"{path}.expires_on", day),
                    ]
                }
            },
        }
    }


def candidate_filters(posting: PostingDoc, day: date) -> list[Query]:
    """Filters on the profiles index: the candidates a posting may be matched with."""
    filters: list[Query] = [active_profile()]
    required = posting.get("required_level")
    if required:
        filters.append({"range": {"effective_level": {"lte": int(required)}}})
    code = posting.get("occupation_code")
    if posting.get("access_controlled") and code:
        filters.append(_nested("permits", "code", code, day))
    for requirement in posting.get("required_certificates") or []:
        if is_hard(requirement):
            filters.append(_nested("certificates", "covers", requirement_key(requirement), day))
    return filters


def posting_filters(profile: ProfileDoc, day: date) -> tuple[list[Query], list[Query]]:
    """(filter, must_not) on the postings index: the postings a profile may be matched with."""
    filters = open_posting(day)
    level = profile.get("effective_level")
    if level is None:
        filters.append({"bool": {"must_not": {"exists": {"field": "required_level"}}}})
    else:
        filters.append({"bool": {"must_not": {"range": {"required_level": {"lt": int(level)}}}}})
    must_not: list[Query] = [
        {
            "bool": {
                "filter": [{"term": {"access_controlled": True}}],
                "must_not": [{"terms": {"occupation_code": valid_permit_codes(profile, day)}}],
            }
        },
        {
            "nested": {
                "path": "required_certificates",
                "query": {
                    "bool": {
                        "should": [
                            {"term": {"required_certificates.mandatory": True}},
                            {
                                "terms": {
                                    "required_certificates.type": sorted(HARD_CERTIFICATE_TYPES)
                                }
                            },
                        ],
                        "minimum_should_match": 1,
                        "must_not": [
                            {"terms": {"required_certificates.key": valid_cert_keys(profile, day)}}
                        ],
                    }
                },
            }
        },
    ]
    return filters, must_not
