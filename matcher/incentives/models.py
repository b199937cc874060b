"""Incentive policies as the API and the policy file accept them and return them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from matcher.policy.incentive_models import Policy, PolicyContent


class PolicyIn(PolicyContent):
    expected_version: int | None = Field(
        default=None,
        ge=0,
        description="Refuse (409) unless this is the current version (0: the policy is new)",
    )
    note: Annotated[str, StringConstraints(max_length=500)] = Field(
        default="", description="Why this version was made; kept with it"
    )


class PolicyOut(Policy):
    in_force: bool = Field(description="Active and inside its validity period today")
    covers: list[str] = Field(description="The eligibility rule in words (Chinese)")


class PolicyList(BaseModel):
    policies: list[PolicyOut]
    total: int
