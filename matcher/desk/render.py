"""Rendering and error handling shared by the desk pages: every failure becomes a Chinese
message page, never a stack trace; only same-site desk paths are followed after a post."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from indexes.documents import PostingDoc
from matcher.desk import session
from matcher.foundation.principals import Principal
from matcher.foundation.problems import (
    BadRequest,
    Conflict,
    CsrfFailed,
    Forbidden,
    InvalidTransition,
    LoginRequired,
    NotFound,
    PostingFull,
    Problem,
    ReferralRefused,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from matcher.foundation.records import RECORD_ID_PATTERN
from matcher.foundation.sheets import XLSX_MEDIA, Sheet, write_workbook
from matcher.policy.access import home_region, in_scope
from matcher.referrals.models import ZH_NAMES
from matcher.services import Services
from matcher.store.outages import RETRY_AFTER_S, unreachable
from matcher.taxonomy.grades import SkillGrade

logger = logging.getLogger("matcher.desk")
TEMPLATES = Path(__file__).parent / "templates"
CANDIDATES_SHOWN = 20
_RECORD_ID = re.compile(RECORD_ID_PATTERN)
MESSAGES = {
    "proposed": "已记录推荐（状态：已推荐）。可在“推荐台账”中跟进。",
    "existing": "该求职者此前已推荐到这个岗位，未重复记录；请在“推荐台账”中查看。",
    "advanced": "推荐状态已更新。",
    "consented": "已登记求职者现场同意：该岗位的招聘单位现在可以看到其联系方式"
    "（此操作已记入审计日志）。",
    "occupation": "岗位职业已确认，候选人已按确认的职业重新匹配。",
    "hired": "已登记录用，占用了该岗位的一个名额。登记有误时，30分钟内可点“撤销录用”。",
    "undone": "已撤销录用：推荐回到上一步，名额已退回岗位。",
    "paused": "已暂停该求职者的匹配：档案保留，不再出现在候选人名单和推送中；需要时可重新启用。",
    "resumed": "已恢复该求职者的匹配：档案重新出现在候选人名单和推送中。"
    "下面是按原登记信息找到的岗位。",
    "handled": "已标为已处理：收到该提醒的各级机构的待办中都不再显示它。",
    "registered": "已登记求职者。现在可以把他推荐到下面的岗位，并打印职业介绍信。",
}
FIELD_NAMES = {
    "in_person": "求职者本人当面同意（须勾选确认）",
    "agree": "求职者同意登记（须勾选确认）",
    "words": "求职者自述：登记的内容不能写年龄、性别、民族、婚育、健康、户籍等个人特征，"
    "请删去后再登记",
    "name": "姓名（1–50字）",
    "confirmed": "录用确认（须在确认页确认）",
    "page": "页码",
    "occupation_code": "岗位职业（名称或编码未找到）",
    "posting_id": "岗位",
    "profile_id": "求职者",
    "staff": "经办人",
    "note": "备注",
    "method": "同意方式",
    "status": "状态",
    "q": "求职者描述",
    "grade": "技能等级",
    "city": "盟市",
    "period": "时期",
    "certs": "已持证书",
    "number": "手机号或证书编号（11位手机号，或含至少4位数字的证书编号）",
    "interview_at": "面试时间（如 2026-12-10 14:30，一年之内）",
}

Page = Callable[["Desk", Request, Services], Awaitable[Response]]


def build_environment(timezone: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    zone = ZoneInfo(timezone)
    env.filters["local"] = lambda value: local_time(value, zone)
    env.globals["status_names"] = {s.value: n for s, n in ZH_NAMES.items()}
    env.globals["grade_names"] = {int(g): g.zh_name for g in SkillGrade}
    return env


def local_time(value: datetime, zone: ZoneInfo) -> str:
    """A stored UTC timestamp as the offices read it: in the service's time zone."""
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def services(request: Request) -> Services:
    """The process's ``Services``, as the app's lifespan set them."""
    found: Services = request.app.state.services
    return found


class Desk:
    """Renders pages; one per app, built by ``create_app`` (no I/O beyond reading templates)."""

    def __init__(self, timezone: str) -> None:
        self.env = build_environment(timezone)
        self.zone = ZoneInfo(timezone)

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status, headers=_NO_STORE)

    def local(self, value: datetime | None) -> str:
        return local_time(value, self.zone) if value else ""

    async def workbook(self, filename: str, sheets: Sequence[Sheet]) -> Response:
        """An Excel download named ``filename`` (Chinese allowed), never cached; written in a
        thread (thousands of rows take a second of CPU)."""
        quoted = quote(filename)
        disposition = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quoted}"
        return Response(
            await asyncio.to_thread(write_workbook, sheets),
            media_type=XLSX_MEDIA,
            headers={**_NO_STORE, "Content-Disposition": disposition},
        )

    def page(self, handler: Page) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            svc = services(request)
            try:
                return await handler(self, request, svc)
            except LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                if request.method != "GET":
                    target = "/desk/"
                return RedirectResponse(f"/desk/login?next={quote(target)}", status_code=303)
            except TooManyRequests as problem:
                retry = str(problem.retry_after_s)
                response = self.error(request, 429, f"操作过于频繁，请 {retry} 秒后再试。")
                response.headers["Retry-After"] = retry
                return response
            except Problem as problem:
                response = self.error(request, problem.status, chinese(problem))
                if isinstance(problem, ServiceUnavailable):
                    response.headers["Retry-After"] = str(problem.retry_after_s)
                return response
            except Exception as exc:
                service = unreachable(exc)
                if service is not None:
                    logger.warning(
                        "desk: %s unreachable", service, extra={"error": type(exc).__name__}
                    )
                    what = "搜索服务" if service == "Elasticsearch" else "队列与计数服务"
                    response = self.error(
                        request,
                        503,
                        f"{what}暂时不可用，请 {RETRY_AFTER_S} 秒后再试。"
                        "如持续出现，请联系系统管理员。",
                    )
                    response.headers["Retry-After"] = str(RETRY_AFTER_S)
                    return response
                logger.exception("desk: unhandled error", extra={"error_type": type(exc).__name__})
                return self.error(
                    request, 500, "系统处理出错，已记录日志。请稍后重试或联系系统管理员。"
                )

        endpoint.__name__ = handler.__name__
        return endpoint

    def error(self, request: Request, status: int, message: str) -> HTMLResponse:
        back = safe_back(request.headers.get("referer", ""), request) or "/desk/candidates"
        # The navigation stays for a signed-in clerk (its links only: reading the session
        # again could fail for the same reason as the page).
        signed_in = bool(request.cookies.get(session.TOKEN_COOKIE))
        return self.render(
            "error.html",
            status=status,
            error_message=message,
            back=back,
            nav=None,
            links_only=signed_in,
        )


# Pages hold personal data: never cached, never framed, nothing loaded from elsewhere.
_NO_STORE = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def chinese(problem: Problem) -> str:
    """A staff-readable Chinese message for a problem (referral problems already are)."""
    if isinstance(problem, ReferralRefused | InvalidTransition | PostingFull):
        return problem.detail
    if isinstance(problem, CsrfFailed):
        return "表单已过期或来源不正确，请刷新页面后重新提交。"
    if isinstance(problem, NotFound):
        return "找不到该记录，或它不在本机构的服务范围内。"
    if isinstance(problem, Forbidden):
        return "没有权限进行此操作：只有本辖区的就业服务机构或管理员可以操作。"
    if isinstance(problem, Unauthorized):
        return "登录已失效，请重新登录。"
    if isinstance(problem, ValidationFailed):
        fields = [e.get("field", "") for e in problem.extra.get("errors", [])]
        names = "、".join(dict.fromkeys(FIELD_NAMES.get(f.split(".")[0], f) for f in fields))
        return f"填写的内容有误，请检查：{names or '表单'}。"
    if isinstance(problem, Conflict):
        return "数据刚被其他人修改，请刷新页面后重试。"
    if isinstance(problem, BadRequest):
        return "表单无法读取（字段过多、内容过长或格式不对），请刷新页面后重新填写。"
    if isinstance(problem, ServiceUnavailable):
        return "服务暂时不可用，请稍后再试。"
    return "请求未能完成，请稍后重试。"


def safe_back(url: str, request: Request) -> str | None:
    """Only same-site desk paths are followed after a post (no open redirects)."""
    base = f"{request.url.scheme}://{request.url.netloc}"
    path = url[len(base) :] if url.startswith(base) else url
    if path.startswith("/desk/") and "//" not in path and "\\" not in path:
        return path
    return None


def with_message(path: str, code: str, anchor: str = "") -> str:
    """Where to go back after a post: the page with its message, scrolled to the card or row
    acted on (``anchor``), so the clerk does not lose their place."""
    path = re.sub(r"([?&])msg=[a-z]+&?", r"\1", path.split("#")[0]).rstrip("?&")
    return f"{path}{'&' if '?' in path else '?'}msg={code}" + (f"#{anchor}" if anchor else "")


def grade_param(raw: str | None) -> SkillGrade | None:
    if not raw:
        return None
    if raw not in {"1", "2", "3", "4", "5"}:
        raise ValidationFailed("grade", [{"field": "grade", "message": "1-5"}])
    return SkillGrade(int(raw))


def city_param(svc: Services, raw: str | None) -> str | None:
    if not raw:
        return None
    if not svc.taxonomy.regions.is_valid(raw):
        raise ValidationFailed("city", [{"field": "city", "message": "unknown region"}])
    return raw


def region_name(svc: Services, code: str | None) -> str:
    if not code:
        return "—"
    regions = svc.taxonomy.regions
    region = regions.get(code)
    if region is None:
        return code
    city = (
        regions.get(region.parent_code) if region.level == "county" and region.parent_code else None
    )
    return f"{city.name}{region.name}" if city else region.name


def scope_options(svc: Services, principal: Principal) -> list[tuple[str, list[tuple[str, str]]]]:
    """Areas to narrow a search of the office's own area by: a league-city office gets its
    city and the 旗县区 within it; a province office its league-cities; an admin every one."""
    regions = svc.taxonomy.regions
    own = regions.get(principal.region_code) if principal.region_code else None
    if own is not None and own.level in ("city", "county"):
        city = own if own.level == "city" else regions.get(own.parent_code or "")
        if city is not None:
            counties = [(c.code, c.name) for c in regions.children(city.code)]
            if own.level == "county":
                counties = [(own.code, own.name)]
            return [(city.name, [(city.code, f"{city.name}（全市）"), *counties])]
    return city_options(svc, principal)


def city_options(svc: Services, principal: Principal) -> list[tuple[str, list[tuple[str, str]]]]:
    """League-cities to filter by: the office's province, or every province for an admin."""
    regions = svc.taxonomy.regions
    if principal.region_code:
        provinces = [regions.province_of(principal.region_code)]
    else:
        provinces = [p.code for p in regions.children(None)]
    groups = []
    for code in provinces:
        province = regions.get(code) if code else None
        if province is None:
            continue
        cities = [(c.code, c.name) for c in regions.children(code) if c.level == "city"]
        groups.append((province.name, cities))
    return groups


@dataclass(frozen=True)
class PageContext:
    """What every signed-in page shows and acts with: who is signed in, the CSRF value of
    the session, the navigation entry, a message after a post, and the name lookups."""

    svc: Services
    principal: Principal
    staff: str
    csrf: str
    nav: str
    message: str | None

    @property
    def office_region(self) -> str:
        code = self.principal.region_code
        return region_name(self.svc, code) if code else "全部地区（管理员）"

    def region_name(self, code: str | None) -> str:
        return region_name(self.svc, code)

    def occupation_name(self, code: str | None) -> str:
        return self.svc.taxonomy.occupation_name(code) if code else "—"

    def template_vars(self) -> dict[str, Any]:
        """The names the templates use."""
        return {
            "principal": self.principal,
            "staff": self.staff,
            "csrf": self.csrf,
            "nav": self.nav,
            "office_region": self.office_region,
            "message": self.message,
            "region_name": self.region_name,
            "occupation_name": self.occupation_name,
            "cities": city_options(self.svc, self.principal),
        }


async def page_context(request: Request, svc: Services, nav: str) -> PageContext:
    principal, staff, csrf = await session.current(request, svc)
    return PageContext(
        svc=svc,
        principal=principal,
        staff=staff,
        csrf=csrf,
        nav=nav,
        message=MESSAGES.get(request.query_params.get("msg", "")),
    )


async def read_form(request: Request) -> dict[str, str]:
    """The posted form's text fields; a form no desk page sends (over 20 fields, a field
    over 1 MB, a file, broken multipart) is a 400 page, not a failure."""
    try:
        form = await request.form(max_files=0, max_fields=20)
    except (HTTPException, MultiPartException) as exc:
        detail = exc.detail if isinstance(exc, HTTPException) else exc.message
        raise BadRequest(f"Unreadable form: {detail}") from None
    return {k: v for k, v in form.items() if isinstance(v, str)}


def record_id_field(form: dict[str, str], name: str) -> str:
    """A record id the form names; missing or malformed is a validation error naming it."""
    value = form.get(name, "")
    if not _RECORD_ID.match(value):
        raise ValidationFailed(
            "Invalid form", [{"field": name, "message": "a record id is required"}]
        )
    return value


def office_scope(principal: Principal) -> str | None:
    return home_region(principal)


async def visible_posting(svc: Services, principal: Principal, text: str) -> PostingDoc | None:
    """The posting the text names by id, if it lies in the office's scope."""
    if not _RECORD_ID.match(text):
        return None
    stored = await svc.store.postings.get(text)
    if stored is None or not in_scope(principal, stored.get("region_code"), svc.taxonomy.regions):
        return None
    return stored
