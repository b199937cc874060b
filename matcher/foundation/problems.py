"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error a caller can act on is one of these; ``matcher.api.errors`` maps them all to
responses in one place (the desk renders the same ones as Chinese pages)::

    Problem                      base; carries status, title, detail, extra members
    ├── BadRequest               400 malformed body or parameters
    ├── Unauthorized             401 missing, unknown, expired or revoked token
    │   └── LoginRequired        401 no valid desk session (the desk redirects to sign-in)
    ├── Forbidden                403 authenticated, but the role or scope does not allow it
    │   ├── ScopeNotAllowed      403 an office asking for a bulletin outside its region
    │   └── CsrfFailed           403 a desk form without this session's CSRF value
    ├── NotFound                 404 no such resource (or not visible to this principal)
    │   └── BulletinNotFound     404 no published bulletin with that id
    ├── Conflict                 409 the request contradicts stored state
    │   ├── VersionConflict      409 an incentive policy changed since the version named
    │   ├── ReferralRefused      409 the hard rules, posting or profile forbid an introduction
    │   ├── InvalidTransition    409 a referral cannot move from its status to the one asked
    │   ├── PostingFull          409 hiring would exceed the posting's headcount
    │   ├── PeriodNotEnded       409 publishing a period that has not ended
    │   └── PublishConflict      409 another publication of the same bulletin won the race
    ├── CursorExpired            410 a change-feed cursor older than the feed keeps
    ├── PayloadTooLarge          413 body above the configured bound
    ├── UnsupportedMediaType     415 a body in another media type than the route reads
    ├── ValidationFailed         422 body parsed but invalid; ``errors`` names each field
    │   ├── InvalidPeriod        422 a period label or range that cannot be read
    │   └── InvalidScope         422 a bulletin scope that is not a province or league-city
    ├── TooManyRequests          429 a rate limit or daily quota is spent; ``Retry-After`` set
    └── ServiceUnavailable       503 a dependency (Elasticsearch, Redis) is down
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ValidationError

TYPE_BASE = "https://talent-matcher.example/problems/"


class Problem(Exception):
    """An error that the client can act on, rendered as problem+json."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {
            "type": TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.extra,
        }


class BadRequest(Problem):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class CursorExpired(Problem):
    status, slug, title = 410, "cursor-expired", "Cursor no longer served"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class ValidationFailed(Problem):
    status, slug, title = 422, "validation-failed", "Invalid request"

    def __init__(self, detail: str, errors: list[dict[str, str]]) -> None:
        super().__init__(detail, errors=errors)

    @classmethod
    def from_pydantic(cls, exc: ValidationError) -> ValidationFailed:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]) or "body", "message": err["msg"]}
            for err in exc.errors(include_url=False, include_input=False)
        ]
        fields = ", ".join(e["field"] for e in errors)
        return cls(f"Invalid value for: {fields}", errors)


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, *, retry_after_s: int, limit: str) -> None:
        super().__init__(detail, retry_after_s=retry_after_s, limit=limit)
        self.retry_after_s = retry_after_s


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "Service unavailable"

    def __init__(self, detail: str, *, retry_after_s: int = 5, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after_s = retry_after_s  # the Retry-After header, not in the body


class LoginRequired(Unauthorized):
    status, slug, title = 401, "desk-login-required", "Sign in to the desk"


class CsrfFailed(Forbidden):
    status, slug, title = 403, "csrf-failed", "Form expired"


class ScopeNotAllowed(Forbidden):
    pass


class BulletinNotFound(NotFound):
    pass


class VersionConflict(Conflict):
    slug, title = "version-conflict", "Version conflict"


class ReferralRefused(Conflict):
    slug, title = "referral-refused", "Referral not allowed"


class InvalidTransition(Conflict):
    slug, title = "invalid-transition", "Invalid status change"


class PostingFull(Conflict):
    slug, title = "posting-full", "No open headcount"


class PeriodNotEnded(Conflict):
    pass


class PublishConflict(Conflict):
    pass


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class InvalidPeriod(ValidationFailed):
    def __init__(self, message: str) -> None:
        super().__init__(f"Invalid period: {message}", [{"field": "period", "message": message}])


class InvalidScope(ValidationFailed):
    def __init__(self, message: str) -> None:
        super().__init__(f"Invalid scope: {message}", [{"field": "scope", "message": message}])
