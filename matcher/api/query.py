"""What query strings may say: the base of every route's query model, the shared paging
model and the strict types of query values.

A route declares ``ApiRoute(query=SomeQuery)``; ``ApiRoute`` validates the query string with
it (422 naming each bad parameter) and the OpenAPI document lists its fields as parameters.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from matcher.foundation.paging import Page
from matcher.foundation.records import RECORD_ID_PATTERN


def _strict_bool(value: Any) -> Any:
    """``true`` / ``false`` only: ``0``, ``1``, ``yes`` or an empty value are no booleans."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


QueryBool = Annotated[bool, BeforeValidator(_strict_bool)]
QueryId = Annotated[str, Field(pattern=RECORD_ID_PATTERN, description="A record id")]
RegionParam = Annotated[str, Field(pattern=r"^[1-8]\d{5}$", description="A GB/T 2260 region code")]


class QueryModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paging(QueryModel):
    """``limit`` and ``offset``; routes with other bounds redeclare the two fields and may
    lower ``depth``, the deepest ``offset + limit`` (Elasticsearch pages no deeper than
    10,000)."""

    depth: ClassVar[int] = 10_000

    limit: int = Field(default=50, ge=1, le=100, description="How many items (default 50)")
    offset: int = Field(default=0, ge=0, description="Items to skip")

    @field_validator("offset")
    @classmethod
    def _not_too_deep(cls, offset: int, info: ValidationInfo) -> int:
        limit = info.data.get("limit")
        if limit is not None and offset + limit > cls.depth:
            raise PydanticCustomError(
                "too_deep", "offset + limit may be at most {depth}", {"depth": cls.depth}
            )
        return offset

    def page(self) -> Page:
        return Page(limit=self.limit, offset=self.offset)
