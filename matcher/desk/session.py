"""Desk sign-in: the office's bearer token kept in an HttpOnly, SameSite=Strict cookie, and
CSRF protection for every form post.

The cookie holds the token itself, so signing in needs nothing stored server-side and revoking
the token (``DELETE /v1/tokens/{id}``) signs the desk out at once. Posts carry a CSRF field
derived from the token (an HMAC the page's scripts cannot compute, since they cannot read the
cookie); the sign-in form, before any token exists, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import Response

from matcher.auth.service import principal_for_token
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import CsrfFailed, Forbidden, LoginRequired, Unauthorized
from matcher.privacy.limits import REQUESTS, charge
from matcher.services import Services

TOKEN_COOKIE = "desk_token"  # noqa: S105  (a cookie name)
STAFF_COOKIE = "desk_staff"
LOGIN_CSRF_COOKIE = "desk_login_csrf"
PATH = "/desk"
# One office shift; the token's own expiry and revocation still apply on every request.
MAX_AGE_S = 10 * 3600
DESK_ROLES = frozenset({Role.OFFICE, Role.ADMIN})


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"desk-csrf", hashlib.sha256).hexdigest()[:40]


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def set_login_csrf(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        value,
        max_age=3600,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def check_login_csrf(request: Request, submitted: str) -> None:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, submitted):
        raise CsrfFailed("login form expired")


def start_session(response: Response, request: Request, token: str, staff: str) -> None:
    for name, value in ((TOKEN_COOKIE, token), (STAFF_COOKIE, quote(staff))):
        response.set_cookie(
            name,
            value,
            max_age=MAX_AGE_S,
            path=PATH,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PATH)


def end_session(response: Response) -> None:
    for name in (TOKEN_COOKIE, STAFF_COOKIE):
        response.delete_cookie(name, path=PATH, httponly=True, samesite="strict")


async def resolve(svc: Services, token: str) -> Principal:
    """The principal of a desk token; only offices and administrators may use the desk."""
    principal = await principal_for_token(svc, token=token, allow_public=False)
    if principal.role not in DESK_ROLES:
        raise Forbidden("only offices and administrators may use the desk")
    return principal


async def current(request: Request, svc: Services) -> tuple[Principal, str, str]:
    """(principal, staff name, CSRF value) of the signed-in desk, or ``LoginRequired``."""
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        raise LoginRequired("no desk session")
    try:
        principal = await resolve(svc, token)
    except (Unauthorized, Forbidden):
        raise LoginRequired("desk session no longer valid") from None
    if principal.role is not Role.ADMIN:
        # Desk pages draw on the same per-minute allowance as the token's API calls.
        await charge(svc, principal, REQUESTS, allowed=svc.settings.rate_limit_per_minute)
    staff = unquote(request.cookies.get(STAFF_COOKIE, "")) or principal.subject
    return principal, staff, csrf_for(token)


def check_csrf(request: Request, submitted: str) -> None:
    """A post must carry the CSRF value of this session, and come from this site."""
    token = request.cookies.get(TOKEN_COOKIE, "")
    if not token or not hmac.compare_digest(csrf_for(token), submitted):
        raise CsrfFailed("form CSRF value missing or wrong")
    origin = request.headers.get("origin")
    # A post from this site names it; "null" (a sandboxed frame, a file, a redirect from
    # elsewhere) does not, and is refused as cross-site.
    if origin and origin.rstrip("/") != _origin(request):
        raise CsrfFailed("cross-site form post")


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"
