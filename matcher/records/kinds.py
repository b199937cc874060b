"""What makes profiles and postings differ, in one descriptor per kind.

Both kinds are written the same way (validate, check the catalogs, authorise, normalise the
occupation, segment, embed, write conditionally) and read the same way; the differences are
the fields of this descriptor. ``matcher.profiles.service.PROFILES`` and
``matcher.postings.service.POSTINGS`` are the two instances; ``matcher.records.prepare`` and
``matcher.records.writes`` run the shared steps for either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from indexes.documents import RecordDoc
from matcher.foundation.principals import Principal
from matcher.records.occupation import Occupation
from matcher.store import Store
from matcher.store.records import RecordRepository
from matcher.taxonomy.catalog import Taxonomy
from matcher.taxonomy.inference import RecordText

KindName = Literal["profiles", "postings"]
B = TypeVar("B", bound=BaseModel)
D = TypeVar("D", bound=RecordDoc)
FieldErrors = list[dict[str, str]]
# (field, code, catalog) for each code a body names: "region" or "occupation".
CodeRefs = list[tuple[str, str, Literal["region", "occupation"]]]


@dataclass(frozen=True)
class Derived:
    """Everything the kind adds to a body's fields, and the text its embedding is made of."""

    fields: dict[str, Any]
    embedding_text: str


@dataclass(frozen=True)
class RecordKind(Generic[B, D]):
    name: KindName
    label: str  # "profile" / "posting", in messages
    model: type[B]  # the API body
    # Free texts that reach other people: checked for protected traits.
    text_fields: tuple[str, ...]
    # Seekers describe themselves (their own age is no requirement); employers describe a job.
    self_description: bool
    # The nested certificate list whose derived keys the API does not show.
    certificates_field: str
    repository: Callable[[Store], RecordRepository[D]]
    codes: Callable[[B], CodeRefs]
    # The occupation codes the body names itself, and what the inference reads otherwise.
    given_occupations: Callable[[B], list[str]]
    record_text: Callable[[B], RecordText]
    # The kind's derived fields, from the body, its occupation and the stored record (or
    # None); ``context`` is what ``prepare`` read once for a batch (policies).
    derive: Callable[[B, Occupation, D | None, Taxonomy, Any], Derived]
    # The body with its owner set for this principal and stored record.
    with_owner: Callable[[B, Principal, D | None], B]
    # None when the principal may write the body over the stored record, else why not.
    may_write: Callable[[Principal, D | None, B, Taxonomy], str | None]
    is_matchable: Callable[[D, date], bool]
    # The body with these occupation codes given (a confirmation rewrites the record so;
    # none: the occupation is left to the inference).
    with_occupations: Callable[[B, list[str]], B]
    # Fields the principal must set itself (an office posting for an enterprise names it).
    owner_errors: Callable[[B, Principal], FieldErrors] = lambda body, principal: []

    def catalog_errors(self, body: B, taxonomy: Taxonomy) -> FieldErrors:
        """Codes that parse but name no region or occupation."""
        errors: FieldErrors = []
        for field, code, catalog in self.codes(body):
            check = taxonomy.region_error if catalog == "region" else taxonomy.occupation_error
            message = check(code)
            if message:
                errors.append({"field": field, "message": message})
        return errors

    def api_fields(
        self, source: Mapping[str, Any], model: type[BaseModel] | None = None
    ) -> dict[str, Any]:
        """A stored document's fields as ``model`` (the body by default) has them: derived
        fields dropped, including the keys added inside the certificate list."""
        wanted = (model or self.model).model_fields
        fields = {k: v for k, v in source.items() if k in wanted}
        nested = self.certificates_field
        if nested in fields:
            fields[nested] = [
                {k: v for k, v in c.items() if k not in ("key", "covers")} for c in fields[nested]
            ]
        return fields

    def body_of(self, source: Mapping[str, Any]) -> B:
        """The body a stored document was written from (re-embedding rebuilds its text)."""
        return self.model.model_validate(self.api_fields(source))
