"""The desk's pages, one handler each. Handlers call the use cases directly (never HTTP to the
app itself); ``routes.py`` maps them to paths and ``Desk.page`` turns failures into Chinese
pages."""

from __future__ import annotations

from urllib.parse import urlencode

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from matcher.consent import service as consent
from matcher.consent.models import ConsentIn
from matcher.desk import session
from matcher.desk.bulletins import latest_bulletins
from matcher.desk.explain import badges, explain, incentives_of
from matcher.desk.render import (
    CANDIDATES_SHOWN,
    Desk,
    city_param,
    grade_param,
    office_scope,
    page_context,
    read_form,
    record_id_field,
    safe_back,
    visible_posting,
    with_message,
)
from matcher.foundation.paging import Page
from matcher.foundation.principals import Role
from matcher.foundation.problems import Forbidden, Unauthorized, ValidationFailed
from matcher.matching.service import CandidateFilter, matches_for_posting, relevant
from matcher.postings import service as postings
from matcher.referrals import service as referrals
from matcher.referrals.models import ReferralAdvance, ReferralCreate, ReferralOut, ReferralStatus
from matcher.referrals.service import ReferralFilter
from matcher.search.models import PostingSearch
from matcher.search.service import search_postings
from matcher.services import Services
from matcher.walkin.service import (
    WalkIn,
    certificate_hint,
    parse_certificates,
    postings_for_walkin,
)

MAX_TEXT = 200


async def _login_form(desk: Desk, request: Request, *, error: str = "") -> Response:
    nxt = safe_back(request.query_params.get("next", ""), request) or "/desk/candidates"
    value = session.new_login_csrf()
    response = desk.render(
        "login.html",
        status=401 if error else 200,
        nav=None,
        error=error,
        next=nxt,
        login_csrf=value,
        bye=request.query_params.get("bye") == "1",
    )
    session.set_login_csrf(response, request, value)
    return response


async def login_page(desk: Desk, request: Request, svc: Services) -> Response:
    return await _login_form(desk, request)


async def login_submit(desk: Desk, request: Request, svc: Services) -> Response:
    form = await read_form(request)
    session.check_login_csrf(request, form.get("csrf", ""))
    token, staff = form.get("token", "").strip(), form.get("staff", "").strip()
    if not token or not staff or len(staff) > 50:
        return await _login_form(desk, request, error="请填写机构令牌和经办人姓名（不超过50字）。")
    try:
        await session.resolve(svc, token)
    except Unauthorized:
        return await _login_form(
            desk, request, error="令牌无效、已过期或已被吊销，请向管理员确认。"
        )
    except Forbidden:
        return await _login_form(
            desk, request, error="该令牌不能使用服务窗口：只有就业服务机构和管理员可以登录。"
        )
    target = safe_back(form.get("next", ""), request) or "/desk/candidates"
    response = RedirectResponse(target, status_code=303)
    session.start_session(response, request, token, staff)
    return response


async def logout(desk: Desk, request: Request, svc: Services) -> Response:
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    response = RedirectResponse("/desk/login?bye=1", status_code=303)
    session.end_session(response)
    return response


async def home(desk: Desk, request: Request, svc: Services) -> Response:
    return RedirectResponse("/desk/candidates", status_code=303)


async def candidates(desk: Desk, request: Request, svc: Services) -> Response:
    """A posting's candidates, or postings to pick one from."""
    ctx = await page_context(request, svc, "candidates")
    principal = ctx.principal
    params = request.query_params
    text = params.get("posting", "").strip()[:MAX_TEXT]
    grade, city = grade_param(params.get("grade")), city_param(svc, params.get("city"))
    relocate = params.get("relocate") == "1"
    view = {
        **ctx.template_vars(),
        "posting_text": text,
        "grade": grade,
        "city": city,
        "relocate": relocate,
        "back": _here(request),
        "posting": None,
        "picks": [],
        "rows": [],
        "total": 0,
        "took": 0.0,
    }
    if not text:
        listing = await search_postings(
            svc, body=PostingSearch(region_code=office_scope(principal), limit=10)
        )
        return desk.render("candidates.html", **(view | {"picks": listing.results}))
    posting = await visible_posting(svc, principal, text)
    if posting is None:
        found = await search_postings(
            svc, body=PostingSearch(q=text, region_code=office_scope(principal), limit=10)
        )
        return desk.render("candidates.html", **(view | {"picks": found.results}))
    ranked, took = await matches_for_posting(
        svc,
        principal=principal,
        posting_id=posting["id"],
        narrow=CandidateFilter(
            region=city, min_level=int(grade) if grade else None, willing_to_relocate=relocate
        ),
    )
    # Candidates of other trades (不对口) are left out: a clerk never sees them as fits.
    ranked, _ = relevant(ranked, include_unrelated=False)
    existing = await referrals.list_referrals(
        svc,
        principal=principal,
        selection=ReferralFilter(posting_id=posting["id"]),
        page=Page(limit=referrals.MAX_PAGE),
    )
    # A seeker's latest introduction to the posting (one declined or absent may be
    # introduced again: a new attempt, shown with the earlier one's outcome).
    referred: dict[str, ReferralOut] = {}
    for r in existing.referrals:
        if r.profile_id not in referred or r.attempt > referred[r.profile_id].attempt:
            referred[r.profile_id] = r
    shown = ranked[:CANDIDATES_SHOWN]
    # Whether each candidate already let this posting's enterprise contact them.
    consents = await consent.statuses(
        svc,
        posting_id=posting["id"],
        enterprise_id=str(posting.get("enterprise_id") or ""),
        profile_ids=[s.record_id for s in shown],
    )
    rows = [
        (
            s,
            explain(s),
            badges(incentives_of(s)),
            referred.get(s.record_id),
            consents.get(s.record_id),
            s.record_id not in referred
            or referrals.may_propose_again(referred[s.record_id].model_dump(mode="json")),
        )
        for s in shown
    ]
    return desk.render(
        "candidates.html",
        **(view | {"posting": posting, "total": len(ranked), "took": round(took), "rows": rows}),
    )


async def suggest(desk: Desk, request: Request, svc: Services) -> Response:
    principal, _, _ = await session.current(request, svc)
    text = request.query_params.get("posting", "").strip()[:MAX_TEXT]
    found = await search_postings(
        svc, body=PostingSearch(q=text, region_code=office_scope(principal), limit=8)
    )
    return desk.render("_suggest.html", picks=found.results if text else [])


async def propose(desk: Desk, request: Request, svc: Services) -> Response:
    ctx = await page_context(request, svc, "candidates")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    try:
        body = ReferralCreate(
            posting_id=form.get("posting_id", ""),
            profile_id=form.get("profile_id", ""),
            staff=ctx.staff,
            note=form.get("note", ""),
            # An administrator at the desk records the referral under their own subject.
            office_id=None if ctx.principal.role is Role.OFFICE else ctx.principal.subject,
        )
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None
    _, created = await referrals.create_referral(svc, principal=ctx.principal, body=body)
    back = safe_back(form.get("back", ""), request) or "/desk/referrals"
    return RedirectResponse(with_message(back, "proposed" if created else "existing"), 303)


async def record_consent(desk: Desk, request: Request, svc: Services) -> Response:
    """Consent the seeker gives in person at the desk: the posting's enterprise may see
    their contact details (matcher/consent records who recorded it and audits it)."""
    ctx = await page_context(request, svc, "candidates")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    try:
        body = ConsentIn(posting_id=form.get("posting_id", ""), note=form.get("note", ""))
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None
    await consent.record_in_person(
        svc, principal=ctx.principal, profile_id=record_id_field(form, "profile_id"), body=body
    )
    back = safe_back(form.get("back", ""), request) or "/desk/candidates"
    return RedirectResponse(with_message(back, "consented"), 303)


async def confirm_occupation(desk: Desk, request: Request, svc: Services) -> Response:
    """The clerk confirms or corrects the occupation of a posting of the office's area: one
    of the readings, or another occupation by its name or code."""
    ctx = await page_context(request, svc, "candidates")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    wanted = (form.get("other", "").strip() or form.get("occupation_code", "")).strip()
    code = svc.taxonomy.occupations.code_for(wanted[:MAX_TEXT])
    if code is None:
        raise ValidationFailed(
            "Unknown occupation",
            [
                {
                    "field": "occupation_code",
                    "message": f"未找到职业“{wanted[:50]}”：请填写职业名称或编码",
                }
            ],
        )
    posting_id = request.path_params["posting_id"]
    await postings.confirm_occupation_of(
        svc, principal=ctx.principal, posting_id=posting_id, code=code
    )
    back = safe_back(form.get("back", ""), request) or f"/desk/candidates?posting={posting_id}"
    return RedirectResponse(with_message(back, "occupation"), 303)


async def board(desk: Desk, request: Request, svc: Services) -> Response:
    """The referral board (推荐台账): the office's referrals, or its region's."""
    ctx = await page_context(request, svc, "referrals")
    principal = ctx.principal
    params = request.query_params
    raw_status = params.get("status", "")
    try:
        status = ReferralStatus(raw_status) if raw_status else None
    except ValueError:
        raise ValidationFailed("status", [{"field": "status", "message": "unknown"}]) from None
    period = params.get("period", "").strip() or None
    everyone = params.get("scope") == "region" or principal.role is Role.ADMIN
    listed = await referrals.list_referrals(
        svc,
        principal=principal,
        selection=ReferralFilter(
            office=None if everyone else principal.subject,
            statuses=[status] if status else [],
            period=period,
        ),
        page=Page(limit=referrals.MAX_PAGE),
    )
    places = await referrals.places_left(svc, sorted({r.posting_id for r in listed.referrals}))
    return desk.render(
        "referrals.html",
        **ctx.template_vars(),
        listed=listed,
        current_status=status.value if status else "",
        period=period or "",
        everyone=everyone,
        places=places,
        back=_here(request),
    )


async def advance(desk: Desk, request: Request, svc: Services) -> Response:
    ctx = await page_context(request, svc, "referrals")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    try:
        body = ReferralAdvance.model_validate(
            {"status": form.get("status", ""), "staff": ctx.staff, "note": form.get("note", "")}
        )
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None
    await referrals.advance_referral(
        svc, principal=ctx.principal, referral_id=request.path_params["referral_id"], body=body
    )
    back = safe_back(form.get("back", ""), request) or "/desk/referrals"
    return RedirectResponse(with_message(back, "advanced"), status_code=303)


async def walkin(desk: Desk, request: Request, svc: Services) -> Response:
    """Postings for a worker who walks in, described in their own words."""
    ctx = await page_context(request, svc, "walkin")
    params = request.query_params
    text = params.get("q", "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationFailed("q", [{"field": "q", "message": f"at most {MAX_TEXT}"}])
    person = WalkIn(
        text=text,
        grade=grade_param(params.get("grade")),
        city=city_param(svc, params.get("city")),
        certificates=parse_certificates(params.get("certs", "")[:1000]),
        willing_to_relocate=params.get("relocate") == "1",
    )
    rows: list[object] = []
    total = 0
    if text:
        scored, total = await postings_for_walkin(svc, walkin=person)
        rows = [(s, explain(s), badges(incentives_of(s))) for s in scored]
    return desk.render(
        "walkin.html",
        **ctx.template_vars(),
        person=person,
        certs=params.get("certs", "")[:1000],
        rows=rows,
        total=total,
        hint=certificate_hint(person) if text else False,
    )


async def bulletins(desk: Desk, request: Request, svc: Services) -> Response:
    ctx = await page_context(request, svc, "bulletins")
    found = await latest_bulletins(svc, principal=ctx.principal)
    return desk.render("bulletins.html", **ctx.template_vars(), bulletins=found)


def _here(request: Request) -> str:
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "msg"])
    return request.url.path + (f"?{query}" if query else "")
