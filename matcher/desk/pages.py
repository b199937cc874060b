"""The desk's pages, one handler each. Handlers call the use cases directly (never HTTP to the
app itself); ``routes.py`` maps them to paths and ``Desk.page`` turns failures into Chinese
pages."""

from __future__ import annotations

import asyncio
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from matcher.alerts import service as alerts
from matcher.bulletins.export import to_xlsx
from matcher.bulletins.models import BULLETIN_ID
from matcher.bulletins.service import get as get_bulletin
from matcher.consent import service as consent
from matcher.consent.models import ConsentIn
from matcher.desk import session
from matcher.desk.bulletins import latest_bulletins
from matcher.desk.explain import explain, grant_in_words, incentive_badges
from matcher.desk.render import (
    CANDIDATES_SHOWN,
    Desk,
    PageContext,
    city_param,
    grade_param,
    office_scope,
    page_context,
    read_form,
    record_id_field,
    region_name,
    safe_back,
    scope_options,
    visible_posting,
    with_message,
)
from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import (
    BulletinNotFound,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from matcher.foundation.sheets import XLSX_MEDIA, Sheet
from matcher.matching.service import CandidateFilter, matches_for_posting, relevant
from matcher.policy.ranking import Scored
from matcher.postings import service as postings
from matcher.privacy import audit
from matcher.profiles import service as profiles
from matcher.profiles.models import ProfileStatus
from matcher.records.occupation import CODE_AT
from matcher.referrals import service as referrals
from matcher.referrals.models import (
    HireUndo,
    ReferralAdvance,
    ReferralCreate,
    ReferralOut,
    ReferralStatus,
)
from matcher.referrals.service import ReferralFilter
from matcher.search.models import MAX_DEPTH, PostingSearch
from matcher.search.service import search_postings
from matcher.services import Services
from matcher.taxonomy.certificates import catalogue_names
from matcher.taxonomy.grades import SkillGrade
from matcher.taxonomy.inference import Reading
from matcher.taxonomy.occupations import CERTIFICATE_DOCUMENTS
from matcher.walkin.service import (
    Registration,
    WalkIn,
    certificate_hint,
    parse_certificates,
    postings_for_walkin,
    read_words,
    register_walkin,
    returning,
)

MAX_TEXT = 200
HIRED_DAYS = 30  # 今日待办 lists seekers hired this recently whose profile is still active
ALERTS_SHOWN = 50
MAX_EXPORT_ROWS = 5000  # an Excel export holds at most this many rows
PICKS_PER_PAGE = 20


def _page_number(raw: str | None) -> int:
    """A page of a listing: 1 to the deepest the search pages (MAX_DEPTH rows)."""
    deepest = MAX_DEPTH // PICKS_PER_PAGE
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= deepest:
        raise ValidationFailed("page", [{"field": "page", "message": f"1-{deepest}"}])
    return int(raw)


# What the posting typeahead puts in the box: the title, then the id in brackets.
_PICKED = re.compile(r"（([A-Za-z0-9][A-Za-z0-9._:-]{0,127})）\s*$")


def named_id(text: str) -> str:
    """The posting id a box names: the text itself, or the id a typeahead pick ends with."""
    picked = _PICKED.search(text)
    return picked.group(1) if picked else text


def looks_like_id(text: str) -> bool:
    """Text a clerk typed as an id (a letter-digit code, no Chinese), not as words to search."""
    return bool(re.fullmatch(r"[A-Za-z0-9._:-]{4,128}", text)) and any(c.isdigit() for c in text)


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


async def not_found(desk: Desk, request: Request, svc: Services) -> Response:
    return desk.error(request, 404, "找不到这个页面。请从上方的导航进入。")


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
        # Candidates are searched within the office's area: offer only what it covers.
        "cities": scope_options(svc, principal),
        "area_label": "地区（本辖区）",
        "back": _here(request),
        "posting": None,
        "picks": [],
        "rows": [],
        "total": 0,
        "took": 0.0,
    }
    if not text:
        # The area's open postings, newest first, a page at a time.
        number = _page_number(params.get("page"))
        listing = await search_postings(
            svc,
            body=PostingSearch(
                region_code=office_scope(principal),
                limit=PICKS_PER_PAGE,
                offset=(number - 1) * PICKS_PER_PAGE,
            ),
        )
        pages = max(1, -(-min(listing.total, MAX_DEPTH) // PICKS_PER_PAGE))
        return desk.render(
            "candidates.html",
            **(view | {"picks": listing.results, "page_no": number, "pages": pages}),
        )
    posting = await visible_posting(svc, principal, named_id(text))
    if posting is None and looks_like_id(named_id(text)):
        # An id that names no posting here: say so, never show other postings in its place.
        return desk.render("candidates.html", **(view | {"missing_id": named_id(text)}))
    if posting is None:
        found = await search_postings(
            svc, body=PostingSearch(q=text, region_code=office_scope(principal), limit=10)
        )
        return desk.render("candidates.html", **(view | {"picks": found.results}))
    ranked, took = await _candidates_of(svc, principal, posting["id"], request)
    referred = await _referred_to(svc, principal, posting["id"])
    shown = ranked[:CANDIDATES_SHOWN]
    ids = [s.record_id for s in shown]
    # Three independent reads for the cards, at once: whether each candidate already let this
    # posting's enterprise contact them; their hires (a seeker hired for another posting, as
    # far as the office may see, is marked); their names (the office reads them whole).
    consents, hires, known = await asyncio.gather(
        consent.statuses(
            svc,
            posting_id=posting["id"],
            enterprise_id=str(posting.get("enterprise_id") or ""),
            profile_ids=ids,
        ),
        referrals.hires_of(svc, principal=principal, profile_ids=ids),
        profiles.names(svc, principal=principal, profile_ids=ids),
    )
    hired = {
        pid: elsewhere[0]
        for pid, found in hires.items()
        if (elsewhere := [h for h in found if h.posting_id != posting["id"]])
    }
    rows = [
        (
            s,
            explain(s),
            incentive_badges(s, posting),
            known.get(s.record_id, ""),
            hired.get(s.record_id),
            referred.get(s.record_id),
            consents.get(s.record_id),
            s.record_id not in referred
            or referrals.may_propose_again(referred[s.record_id].model_dump(mode="json")),
        )
        for s in shown
    ]
    return desk.render(
        "candidates.html",
        **(
            view
            | {
                "posting": posting,
                "total": len(ranked),
                "took": round(took),
                "rows": rows,
                "request_query": urlencode(
                    [("posting", posting["id"])]
                    + [
                        (k, v)
                        for k, v in params.multi_items()
                        if k in ("grade", "city", "relocate")
                    ]
                ),
            }
        ),
    )


async def _candidates_of(
    svc: Services, principal: Principal, posting_id: str, request: Request
) -> tuple[list[Scored], float]:
    """The posting's candidates with the page's filters (grade, city, willing to move),
    ranked; those of other trades (不对口) left out: a clerk never sees them as fits."""
    params = request.query_params
    grade, city = grade_param(params.get("grade")), city_param(svc, params.get("city"))
    ranked, took = await matches_for_posting(
        svc,
        principal=principal,
        posting_id=posting_id,
        narrow=CandidateFilter(
            region=city,
            min_level=int(grade) if grade else None,
            willing_to_relocate=params.get("relocate") == "1",
        ),
    )
    ranked, _ = relevant(ranked, include_unrelated=False)
    return ranked, took


async def _referred_to(
    svc: Services, principal: Principal, posting_id: str
) -> dict[str, ReferralOut]:
    """Each seeker's latest introduction to the posting (one declined or absent may be
    introduced again: a new attempt, shown with the earlier one's outcome)."""
    existing = await referrals.list_referrals(
        svc,
        principal=principal,
        selection=ReferralFilter(posting_id=posting_id),
        page=Page(limit=referrals.MAX_PAGE),
    )
    referred: dict[str, ReferralOut] = {}
    for r in existing.referrals:
        if r.profile_id not in referred or r.attempt > referred[r.profile_id].attempt:
            referred[r.profile_id] = r
    return referred


CANDIDATE_COLUMNS = (
    "排名",
    "对口程度",
    "姓名",
    "档案编号",
    "求职意向",
    "技能等级",
    "从业年限",
    "所在地",
    "愿意异地",
    "期望月薪（元）",
    "证书",
    "技能",
    "推荐状态",
    "匹配说明",
)


async def candidates_xlsx(desk: Desk, request: Request, svc: Services) -> Response:
    """A posting's candidate list (the office's view, with the page's filters) as an Excel
    workbook: names for staff who may read them, never contact details; audited."""
    ctx = await page_context(request, svc, "candidates")
    principal = ctx.principal
    wanted = named_id(request.query_params.get("posting", "").strip()[:MAX_TEXT])
    posting = await visible_posting(svc, principal, wanted) if wanted else None
    if posting is None:
        raise NotFound(f"No posting {wanted[:80]}")
    ranked, _ = await _candidates_of(svc, principal, posting["id"], request)
    shown = ranked[:MAX_EXPORT_ROWS]
    ids = [s.record_id for s in shown]
    known, referred = await asyncio.gather(
        profiles.names(svc, principal=principal, profile_ids=ids),
        _referred_to(svc, principal, posting["id"]),
    )
    grades = {int(g): g.zh_name for g in SkillGrade}
    rows = []
    for rank, s in enumerate(shown, start=1):
        src = s.source
        level = src.get("skill_level")
        done = referred.get(s.record_id)
        rows.append(
            [
                rank,
                s.fit.tier.value if s.fit else "",
                known.get(s.record_id, ""),
                s.record_id,
                str(src.get("title") or ""),
                grades.get(int(level), "") if level else "无等级",
                src.get("years_experience"),
                region_name(svc, src.get("region_code")),
                "是" if src.get("willing_to_relocate") else "否",
                src.get("expected_monthly_wage"),
                "；".join(
                    str(c.get("name") or "")
                    + (f"（有效至 {c['expires_on']}）" if c.get("expires_on") else "")
                    for c in src.get("certificates") or []
                ),
                "、".join(str(x) for x in src.get("skills") or []),
                done.status.zh_name if done else "",
                explain(s).summary,
            ]
        )
    params = request.query_params
    grade, city = grade_param(params.get("grade")), city_param(svc, params.get("city"))
    chosen = [
        ("grade", str(int(grade)) if grade else "any"),
        ("city", city or "any"),
        ("relocate", "yes" if params.get("relocate") == "1" else "any"),
    ]
    await audit.record(
        svc,
        audit.Event(
            "candidates.exported",
            posting_id=posting["id"],
            rows=len(rows),
            selection=_selection(chosen),
        ),
        principal=principal,
    )
    title = str(posting.get("title") or posting["id"])
    about = _about_sheet(
        desk,
        ctx,
        what=f"岗位“{title}”（{posting['id']}）的候选人名单，按匹配排序；不含联系方式",
        conditions=[
            ("技能等级", f"{grade.zh_name}及以上" if grade else "不限"),
            ("地区", region_name(svc, city) if city else "不限"),
            ("愿意异地流动", "只看愿意的" if params.get("relocate") == "1" else "不限"),
        ],
        rows=len(rows),
        total=len(ranked),
    )
    return await desk.workbook(
        f"候选人-{title[:30]}-{posting['id']}.xlsx",
        [Sheet("候选人", CANDIDATE_COLUMNS, rows), about],
    )


async def suggest(desk: Desk, request: Request, svc: Services) -> Response:
    principal, _, _ = await session.current(request, svc)
    text = request.query_params.get("posting", "").strip()[:MAX_TEXT]
    found = await search_postings(
        svc, body=PostingSearch(q=text, region_code=office_scope(principal), limit=8)
    )
    return desk.render(
        "_suggest.html",
        picks=found.results if text else [],
        region_name=lambda code: region_name(svc, code),
    )


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
    # Back at the card acted on: the candidate's, or on the walk-in page the posting's.
    on_walkin = back.startswith("/desk/walkin")
    anchor = f"posting-{body.posting_id}" if on_walkin else f"candidate-{body.profile_id}"
    return RedirectResponse(with_message(back, "proposed" if created else "existing", anchor), 303)


async def confirm_consent(desk: Desk, request: Request, svc: Services) -> Response:
    """The step before consent is recorded: who sees what, and the clerk's attestation that
    the seeker is present and agrees. Releasing contact details is never one click."""
    ctx = await page_context(request, svc, "candidates")
    params = dict(request.query_params)
    posting_id, profile_id = (
        record_id_field(params, "posting_id"),
        record_id_field(params, "profile_id"),
    )
    posting = await visible_posting(svc, ctx.principal, posting_id)
    if posting is None:
        raise NotFound(f"No posting {posting_id}")
    seeker = await profiles.get_profile(svc, principal=ctx.principal, profile_id=profile_id)
    back = safe_back(params.get("back", ""), request) or f"/desk/candidates?posting={posting_id}"
    enterprise = posting.get("enterprise_name") or "招聘单位"
    return desk.render(
        "confirm.html",
        **ctx.template_vars(),
        heading="登记求职者当面同意联系",
        what=f"求职者：{seeker.title}（档案 {profile_id}）",
        facts=[
            f"岗位：{posting.get('title')} · {enterprise}（岗位编号 {posting_id}）",
            f"登记后，{enterprise}可以看到该求职者的联系方式（电话、邮箱），仅用于这个岗位的招聘联系。",
            "求职者以后可以撤回同意。",
        ],
        warning="只有求职者本人在场、明确表示同意时才登记。推荐（“推荐此人”）不需要这一步。",
        attest="求职者本人在场，已当面同意把联系方式提供给该单位",
        note_hint="可选，如：本人当面口头同意",
        button="确认登记同意",
        action="/desk/consents",
        hidden=[("posting_id", posting_id), ("profile_id", profile_id)],
        back=back,
    )


async def record_consent(desk: Desk, request: Request, svc: Services) -> Response:
    """Consent the seeker gives in person at the desk: the posting's enterprise may see
    their contact details (matcher/consent records who recorded it and audits it)."""
    ctx = await page_context(request, svc, "candidates")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    if form.get("in_person") != "1":
        raise ValidationFailed(
            "Consent not attested",
            [{"field": "in_person", "message": "须勾选“求职者本人在场，已当面同意”"}],
        )
    try:
        body = ConsentIn(posting_id=form.get("posting_id", ""), note=form.get("note", ""))
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None
    profile_id = record_id_field(form, "profile_id")
    await consent.record_in_person(svc, principal=ctx.principal, profile_id=profile_id, body=body)
    back = safe_back(form.get("back", ""), request) or "/desk/candidates"
    return RedirectResponse(with_message(back, "consented", f"candidate-{profile_id}"), 303)


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


@dataclass(frozen=True)
class BoardQuery:
    """What the board (and its Excel export) shows: a status, a period, whose referrals."""

    status: ReferralStatus | None
    period: str | None
    everyone: bool

    def selection(self, principal: Principal) -> ReferralFilter:
        return ReferralFilter(
            office=None if self.everyone else principal.subject,
            statuses=[self.status] if self.status else [],
            period=self.period,
        )


def _board_query(request: Request, principal: Principal) -> BoardQuery:
    params = request.query_params
    raw_status = params.get("status", "")
    try:
        status = ReferralStatus(raw_status) if raw_status else None
    except ValueError:
        raise ValidationFailed("status", [{"field": "status", "message": "unknown"}]) from None
    return BoardQuery(
        status,
        params.get("period", "").strip() or None,
        params.get("scope") == "region" or principal.role is Role.ADMIN,
    )


async def board(desk: Desk, request: Request, svc: Services) -> Response:
    """The referral board (推荐台账): the office's referrals, or its region's."""
    ctx = await page_context(request, svc, "referrals")
    principal = ctx.principal
    query = _board_query(request, principal)
    status, period, everyone = query.status, query.period, query.everyone
    listed = await referrals.list_referrals(
        svc,
        principal=principal,
        selection=query.selection(principal),
        page=Page(limit=referrals.MAX_PAGE),
    )
    places = await referrals.places_left(svc, sorted({r.posting_id for r in listed.referrals}))
    return desk.render(
        "referrals.html",
        **ctx.template_vars(),
        max_export=MAX_EXPORT_ROWS,
        listed=listed,
        current_status=status.value if status else "",
        period=period or "",
        everyone=everyone,
        places=places,
        now=svc.clock.now(),
        back=_here(request),
        export=f"/desk/referrals.xlsx?{request.url.query}"
        if request.url.query
        else "/desk/referrals.xlsx",
    )


BOARD_COLUMNS = (
    "推荐编号",
    "推荐时间",
    "状态",
    "最后进展",
    "求职者姓名",
    "档案编号",
    "求职意向",
    "求职者所在地",
    "岗位编号",
    "岗位",
    "用人单位",
    "岗位所在地",
    "推荐机构",
    "经办人",
    "经过",
)


async def board_xlsx(desk: Desk, request: Request, svc: Services) -> Response:
    """The board as an Excel workbook: every referral of the same selection (not one page),
    with the seekers' names for staff who may read them; the export is audited."""
    ctx = await page_context(request, svc, "referrals")
    principal = ctx.principal
    query = _board_query(request, principal)
    found: list[ReferralOut] = []
    total = 0
    while len(found) < MAX_EXPORT_ROWS:
        listed = await referrals.list_referrals(
            svc,
            principal=principal,
            selection=query.selection(principal),
            page=Page(limit=referrals.MAX_PAGE, offset=len(found)),
        )
        found += listed.referrals
        total = listed.total
        if not listed.referrals or len(found) >= listed.total:
            break
    known = await profiles.names(
        svc, principal=principal, profile_ids=sorted({r.profile_id for r in found})
    )
    rows = [
        [
            r.id,
            desk.local(r.proposed_at),
            r.status.zh_name,
            desk.local(r.updated_at),
            known.get(r.profile_id, ""),
            r.profile_id,
            r.profile_title or "",
            region_name(svc, r.profile_region_code),
            r.posting_id,
            r.posting_title or "",
            r.enterprise_name or "",
            region_name(svc, r.posting_region_code),
            r.office_id,
            r.staff,
            "；".join(
                f"{step.status.zh_name} {desk.local(step.at)} {step.staff}"
                + (f"（{step.note}）" if step.note else "")
                for step in r.history
            ),
        ]
        for r in found[:MAX_EXPORT_ROWS]
    ]
    chosen = [
        ("status", query.status.value if query.status else "any"),
        ("period", (query.period or "any")[:40]),
        ("scope", "region" if query.everyone else "office"),
    ]
    await audit.record(
        svc,
        audit.Event("referrals.exported", rows=len(rows), selection=_selection(chosen)),
        principal=principal,
    )
    about = _about_sheet(
        desk,
        ctx,
        what="推荐台账：推荐记录及每一步的经办人和备注；含求职者姓名，不含联系方式",
        conditions=[
            ("状态", query.status.zh_name if query.status else "全部"),
            ("时期", query.period or "全部"),
            ("范围", "辖区内各机构的推荐" if query.everyone else "本机构的推荐"),
        ],
        rows=len(rows),
        total=max(total, len(found)),
    )
    stamp = svc.clock.now().astimezone(desk.zone).strftime("%Y%m%d")
    return await desk.workbook(
        f"推荐台账-{stamp}.xlsx", [Sheet("推荐台账", BOARD_COLUMNS, rows), about]
    )


def _selection(chosen: list[tuple[str, str]]) -> str:
    """An export's filters for its audit event: names and codes, never free text."""
    return ";".join(f"{name}={value}" for name, value in chosen)[:200]


def _about_sheet(
    desk: Desk,
    ctx: PageContext,
    *,
    what: str,
    conditions: list[tuple[str, str]],
    rows: int,
    total: int,
) -> Sheet:
    """The 说明 sheet of an export: what it holds, chosen how, when, by whom, and whether the
    row bound cut it short (never silently)."""
    when = desk.local(ctx.svc.clock.now())
    lines: list[list[str]] = [
        ["内容", what],
        *[[f"筛选：{name}", value] for name, value in conditions],
        ["导出时间", f"{when}（北京时间）"],
        ["导出人", f"{ctx.principal.subject} · {ctx.staff}"],
        ["行数", f"{rows} 行"],
    ]
    if total > rows:
        lines.append(
            [
                "注意",
                f"符合条件的共 {total} 条，本表只含前 {rows} 条（每次最多导出 "
                f"{MAX_EXPORT_ROWS} 条）。请缩小筛选范围后分次导出。",
            ]
        )
    lines.append(["提示", "表中含个人信息，仅限工作使用，不得外传；导出已记入审计日志。"])
    return Sheet("说明", ["项目", "内容"], lines)


async def undo_hire(desk: Desk, request: Request, svc: Services) -> Response:
    """Take back a hire recorded by mistake (within the window the board shows)."""
    ctx = await page_context(request, svc, "referrals")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    try:
        body = HireUndo.model_validate({"staff": ctx.staff, "note": form.get("note", "")})
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None
    await referrals.undo_hire(
        svc, principal=ctx.principal, referral_id=request.path_params["referral_id"], body=body
    )
    back = safe_back(form.get("back", ""), request) or "/desk/referrals"
    anchor = f"referral-{request.path_params['referral_id']}"
    return RedirectResponse(with_message(back, "undone", anchor), status_code=303)


async def confirm_hire(desk: Desk, request: Request, svc: Services) -> Response:
    """The step before a referral is marked hired: it takes one of the posting's places."""
    ctx = await page_context(request, svc, "referrals")
    referral_id = request.path_params["referral_id"]
    found = await referrals.get_referral(svc, principal=ctx.principal, referral_id=referral_id)
    left = (await referrals.places_left(svc, [found.posting_id])).get(found.posting_id)
    places = f"剩余名额 {left[0]} / {left[1]} 人，确认后减少 1 个" if left else "名额不详"
    back = safe_back(request.query_params.get("back", ""), request) or "/desk/referrals"
    return desk.render(
        "confirm.html",
        **ctx.template_vars(),
        heading="确认录用",
        what=f"求职者：{found.profile_title}（档案 {found.profile_id}）",
        facts=[
            f"岗位：{found.posting_title} · {found.enterprise_name}（岗位编号 {found.posting_id}）",
            places,
            "请在用人单位确认录用后再登记。",
        ],
        warning="录用会占用该岗位的一个名额；名额用完后岗位不再参与匹配。",
        attest="",
        note_hint="可选，如：入职日期、单位联系人",
        button="确认录用",
        action=f"/desk/referrals/{referral_id}/status",
        hidden=[("status", ReferralStatus.HIRED.value)],
        back=back,
    )


async def advance(desk: Desk, request: Request, svc: Services) -> Response:
    ctx = await page_context(request, svc, "referrals")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    if form.get("status") == ReferralStatus.HIRED.value and form.get("confirmed") != "1":
        raise ValidationFailed(
            "Hire not confirmed",
            [{"field": "confirmed", "message": "录用须在确认页确认"}],
        )
    fields: dict[str, object] = {
        "status": form.get("status", ""),
        "staff": ctx.staff,
        "note": form.get("note", ""),
    }
    when = form.get("interview_at", "").strip()
    if when and form.get("status") == ReferralStatus.CONTACTED.value:
        try:  # datetime-local: the office's wall clock
            fields["interview_at"] = datetime.fromisoformat(when).replace(tzinfo=desk.zone)
        except ValueError:
            raise ValidationFailed(
                "interview_at", [{"field": "interview_at", "message": "如 2026-12-10 14:30"}]
            ) from None
    try:
        body = ReferralAdvance.model_validate(fields)
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None
    await referrals.advance_referral(
        svc, principal=ctx.principal, referral_id=request.path_params["referral_id"], body=body
    )
    back = safe_back(form.get("back", ""), request) or "/desk/referrals"
    done = "hired" if body.status is ReferralStatus.HIRED else "advanced"
    anchor = f"referral-{request.path_params['referral_id']}"
    return RedirectResponse(with_message(back, done, anchor), status_code=303)


def _walkin_of(svc: Services, fields: Mapping[str, str]) -> WalkIn:
    """The walk-in worker as the search form (or the registration form repeating it) says."""
    text = fields.get("q", "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationFailed("q", [{"field": "q", "message": f"at most {MAX_TEXT}"}])
    no_grade = fields.get("grade") == "0"  # the worker holds no grade certificate
    said = read_words(text)
    moving = fields.get("relocate") == "1"
    if fields.get("relocate_set") != "1" and said.moving is not None:
        # First search: the words decide (想去外地 ticks the box); the clerk's later searches
        # send relocate_set, and the box decides.
        moving = said.moving
    return WalkIn(
        text=text,
        grade=None if no_grade else grade_param(fields.get("grade")),
        no_grade=no_grade,
        city=city_param(svc, fields.get("city")),
        certificates=parse_certificates(fields.get("certs", "")[:1000]),
        willing_to_relocate=moving,
        years=said.years,
    )


async def walkin(desk: Desk, request: Request, svc: Services) -> Response:
    """Postings for a worker who walks in, described in their own words; once the worker is
    registered (``profile``), a referral to each posting in one step and its letter."""
    ctx = await page_context(request, svc, "walkin")
    params = request.query_params
    person = _walkin_of(svc, params)
    registered = None
    referred: dict[str, ReferralOut] = {}
    if params.get("profile"):
        profile_id = record_id_field(dict(params), "profile")
        registered = await profiles.get_profile(svc, principal=ctx.principal, profile_id=profile_id)
        found = await referrals.list_referrals(
            svc,
            principal=ctx.principal,
            selection=ReferralFilter(profile_id=profile_id),
            page=Page(limit=referrals.MAX_PAGE),
        )
        referred = {r.posting_id: r for r in found.referrals}
    rows: list[object] = []
    total = 0
    read: list[Reading] = []
    if person.text:
        scored, total, read = await postings_for_walkin(svc, walkin=person)
        rows = [(s, explain(s), incentive_badges(s), referred.get(s.record_id)) for s in scored]
    return desk.render(
        "walkin.html",
        **ctx.template_vars(),
        person=person,
        registered=registered,
        form_id=uuid.uuid4().hex[:12],
        back=_here(request),
        certs=params.get("certs", "")[:1000],
        rows=rows,
        total=total,
        hint=certificate_hint(person) if person.text else False,
        catalogue=catalogue_names(),
        said=read_words(person.text),
        read=[r for r in read[:3] if r.p >= 0.1] or read[:1],  # unlikely readings: noise
        code_at=CODE_AT,
    )


async def find_returning(desk: Desk, request: Request, svc: Services) -> Response:
    """A worker registered before comes back: found by name, mobile number or certificate
    number within the office's area (audited), each with a link that searches again for them
    and, for a paused profile, a button that puts it back into matching. A POST: the name or
    number stays out of the browser's history and the access logs."""
    ctx = await page_context(request, svc, "walkin")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    who = form.get("who", "").strip()[:50]
    lookup = await returning(svc, principal=ctx.principal, who=who)
    return desk.render(
        "walkin.html",
        **ctx.template_vars(),
        person=_walkin_of(svc, {}),
        registered=None,
        form_id=uuid.uuid4().hex[:12],
        back=_here(request),
        certs="",
        rows=[],
        total=0,
        hint=False,
        catalogue=catalogue_names(),
        said=read_words(""),
        read=[],
        code_at=CODE_AT,
        who=who,
        by_name=not any(ch.isdigit() for ch in who),
        returning=[(r, urlencode(r.search)) for r in lookup.found],
        more=lookup.more,
    )


async def resume_profile(desk: Desk, request: Request, svc: Services) -> Response:
    """Put a paused profile back into matching (a returning worker looking for work again),
    then search postings for them."""
    ctx = await page_context(request, svc, "walkin")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    if form.get("agree") != "1":
        # The pause may have been the seeker's own choice: only they undo it.
        raise ValidationFailed(
            "agree", [{"field": "agree", "message": "the worker's agreement is required"}]
        )
    profile_id = request.path_params["profile_id"]
    await profiles.set_status(
        svc,
        principal=ctx.principal,
        profile_id=profile_id,
        status=ProfileStatus.ACTIVE,
        only_from=ProfileStatus.PAUSED,
    )
    await audit.record(
        svc, audit.Event("profile.resumed", profile_id=profile_id), principal=ctx.principal
    )
    back = safe_back(form.get("back", ""), request) or "/desk/walkin"
    return RedirectResponse(with_message(back, "resumed"), 303)


async def register(desk: Desk, request: Request, svc: Services) -> Response:
    """Register the walk-in worker (the facts the search already has, plus name and phone),
    with the worker's agreement attested by the clerk; back to the results, ready to refer."""
    ctx = await page_context(request, svc, "walkin")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    person = _walkin_of(svc, form)
    problems = []
    if form.get("agree") != "1":
        problems.append({"field": "agree", "message": "the worker's agreement is required"})
    name = form.get("name", "").strip()
    if not name or len(name) > 50:
        problems.append({"field": "name", "message": "1-50 characters"})
    region = person.city or ctx.principal.region_code
    if not person.text or region is None:
        problems.append({"field": "q", "message": "search first: the worker's words"})
    if problems:
        raise ValidationFailed("Invalid registration", problems)
    try:
        profile_id = await register_walkin(
            svc,
            principal=ctx.principal,
            walkin=person,
            person=Registration(
                name,
                form.get("phone", "").strip() or None,
                str(region),
                form_id=form.get("form_id", ""),
            ),
        )
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None
    query = [
        (k, form[k])
        for k in ("q", "grade", "city", "certs", "relocate", "relocate_set")
        if form.get(k)
    ]
    target = "/desk/walkin?" + urlencode([*query, ("profile", profile_id)])
    return RedirectResponse(with_message(target, "registered"), status_code=303)


async def letter(desk: Desk, request: Request, svc: Services) -> Response:
    """The 职业介绍信 of a referral, to print and hand to the worker."""
    ctx = await page_context(request, svc, "referrals")
    referral_id = request.path_params["referral_id"]
    found = await referrals.get_referral(svc, principal=ctx.principal, referral_id=referral_id)
    names = await profiles.names(svc, principal=ctx.principal, profile_ids=[found.profile_id])
    return desk.render(
        "letter.html",
        **ctx.template_vars(),
        r=found,
        worker=names.get(found.profile_id) or found.profile_title,
        today=svc.clock.local_now().strftime("%Y年%-m月%-d日"),
    )


async def slip(desk: Desk, request: Request, svc: Services) -> Response:
    """The 岗位信息单 of a posting, to print and hand to a worker: what the job is, where,
    what it requires and pays, and the incentives it carries. Any active posting (a worker
    may be referred anywhere); the enterprise's contact is not on it (referrals go through
    the office)."""
    ctx = await page_context(request, svc, "candidates")
    posting_id = request.path_params["posting_id"]
    found = await postings.get_posting(svc, principal=ctx.principal, posting_id=posting_id)
    certificates = []
    for required in found.required_certificates:
        kind = CERTIFICATE_DOCUMENTS.get(required.type, "证书")
        hard = required.mandatory or required.type == "special_operation"
        certificates.append(f"{kind}（{required.name}）{'，必须持有' if hard else '，优先'}")
    rule = svc.taxonomy.occupations.access_rule(found.occupation_code or "")
    if rule is not None and not any(rule.certificate_name in c for c in certificates):
        certificates.insert(0, f"{rule.in_words}，必须持有（就业准入）")
    return desk.render(
        "slip.html",
        **ctx.template_vars(),
        p=found,
        certificates=certificates,
        incentives=[(i, grant_in_words(i), "、".join(i.candidates)) for i in found.incentives],
        today=svc.clock.local_now().strftime("%Y年%-m月%-d日"),
    )


QUIET_DAYS = (3, 7, 14, 30)


async def todo(desk: Desk, request: Request, svc: Services) -> Response:
    """今日待办: the office's unread alerts (double registrations, repeated postings), open
    referrals that have not moved for some days (oldest first), and seekers hired in the last
    30 days whose profile still takes part in matching."""
    ctx = await page_context(request, svc, "todo")
    raw = request.query_params.get("days", "7")
    if not raw.isdigit() or int(raw) not in QUIET_DAYS:
        raise ValidationFailed("days", [{"field": "days", "message": "3, 7, 14 or 30"}])
    everyone = request.query_params.get("scope") == "region"
    found, interviews, hired, inbox, closing = await asyncio.gather(
        referrals.follow_ups(
            svc, principal=ctx.principal, quiet_days=int(raw), office_only=not everyone
        ),
        referrals.interviews_due(svc, principal=ctx.principal, office_only=not everyone),
        referrals.hired_still_matching(
            svc, principal=ctx.principal, within_days=HIRED_DAYS, office_only=not everyone
        ),
        alerts.list_alerts(
            svc, principal=ctx.principal, unread_only=True, page=Page(limit=ALERTS_SHOWN)
        ),
        postings.needing_attention(svc, principal=ctx.principal),
    )
    worker_names = await profiles.names(
        svc,
        principal=ctx.principal,
        profile_ids=sorted({f.profile_id for f in (*found, *interviews, *hired)}),
    )
    q = ""
    if request.method == "POST":
        # Sent as a POST: a worker's name stays out of URLs (history, proxies, logs).
        form = await read_form(request)
        session.check_csrf(request, form.get("csrf", ""))
        q = form.get("q", "").strip()[:MAX_TEXT]
    if q:
        # The lists narrowed to one worker or posting: by name, id, title or enterprise.
        def about(item: referrals.FollowUp) -> bool:
            return _mentions(
                q,
                worker_names.get(item.profile_id),
                item.profile_id,
                item.profile_title,
                item.posting_id,
                item.posting_title,
                item.enterprise_name,
                item.referral_id,
            )

        found, interviews, hired = (
            [f for f in rows if about(f)] for rows in (found, interviews, hired)
        )
        closing = [p for p in closing if _mentions(q, p.id, p.title, p.enterprise_name)]
        inbox = inbox.model_copy(
            update={
                "alerts": [a for a in inbox.alerts if _mentions(q, a.record_id, a.title, a.body)]
            }
        )
    return desk.render(
        "todo.html",
        **ctx.template_vars(),
        q=q,
        names=worker_names,
        items=found,
        interviews=interviews,
        closing=closing,
        today=svc.clock.today(),
        hired=hired,
        hired_days=HIRED_DAYS,
        inbox=inbox,
        days=int(raw),
        choices=QUIET_DAYS,
        everyone=everyone,
        now=svc.clock.now(),
        back=_here(request),
    )


def _mentions(needle: str, *texts: str | None) -> bool:
    """One of the texts contains the needle (case and width folded)."""
    folded = unicodedata.normalize("NFKC", needle).casefold()
    return any(folded in unicodedata.normalize("NFKC", t or "").casefold() for t in texts)


async def pause_profile(desk: Desk, request: Request, svc: Services) -> Response:
    """Take a hired seeker's profile out of matching (the seeker can resume it)."""
    ctx = await page_context(request, svc, "todo")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    await profiles.set_status(
        svc,
        principal=ctx.principal,
        profile_id=request.path_params["profile_id"],
        status=ProfileStatus.PAUSED,
        only_from=ProfileStatus.ACTIVE,
    )
    back = safe_back(form.get("back", ""), request) or "/desk/todo"
    return RedirectResponse(with_message(back, "paused", "hired"), 303)


async def alert_done(desk: Desk, request: Request, svc: Services) -> Response:
    """Mark an alert of the office's inbox handled (read: for every office it went to)."""
    ctx = await page_context(request, svc, "todo")
    form = await read_form(request)
    session.check_csrf(request, form.get("csrf", ""))
    await alerts.mark_read(svc, principal=ctx.principal, alert_id=request.path_params["alert_id"])
    back = safe_back(form.get("back", ""), request) or "/desk/todo"
    return RedirectResponse(with_message(back, "handled", "inbox"), 303)


async def bulletins(desk: Desk, request: Request, svc: Services) -> Response:
    ctx = await page_context(request, svc, "bulletins")
    found = await latest_bulletins(svc, principal=ctx.principal)
    return desk.render("bulletins.html", **ctx.template_vars(), bulletins=found)


async def bulletin_xlsx(desk: Desk, request: Request, svc: Services) -> Response:
    """A published bulletin's tables as an Excel workbook, one sheet each (bulletins are
    public: any signed-in desk user may download any)."""
    await page_context(request, svc, "bulletins")
    raw = request.path_params["bulletin_id"]
    if not BULLETIN_ID.match(raw):
        raise BulletinNotFound(f"No published bulletin {raw[:80]}")
    found = await get_bulletin(svc, raw)
    return Response(
        to_xlsx(found),
        media_type=XLSX_MEDIA,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{raw}.xlsx"',
        },
    )


def _here(request: Request) -> str:
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "msg"])
    return request.url.path + (f"?{query}" if query else "")
