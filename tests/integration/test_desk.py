"""The desk pages through the ASGI app (no browser): sign-in and its cookie, CSRF, region
scope, the core flows without JavaScript, and Chinese error pages instead of stack traces."""

import io
import re
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import elastic_transport
import httpx
import openpyxl
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from matcher.alerts.models import AlertKind
from matcher.alerts.service import Notice, notify
from matcher.bulletins.models import Kind
from matcher.bulletins.scope import resolve_scope
from matcher.bulletins.service import Publication, publish
from matcher.desk import pages
from matcher.desk.pages import BOARD_COLUMNS, CANDIDATE_COLUMNS
from matcher.desk.render import Desk
from matcher.foundation.periods import parse_period
from matcher.foundation.principals import Role
from matcher.foundation.sheets import XLSX_MEDIA
from matcher.privacy import audit
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import days_from_today, posting_body, profile_body
from tests.integration.test_referrals import advance, backdate, propose, put


def uid(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def sign_in(app_client: httpx.AsyncClient, token: str, staff: str = "王经办") -> None:
    form = await app_client.get("/desk/login")
    assert form.status_code == 200
    resp = await app_client.post(
        "/desk/login", data={"token": token, "staff": staff, "csrf": csrf_of(form.text)}
    )
    assert resp.status_code == 303, resp.text
    cookie = resp.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie


# 乌海: a league-city no other test posts in, so a page's results hold the test's own records.
WUHAI: dict[str, Any] = {"region_code": "150302", "location": {"lat": 39.65, "lon": 106.82}}


def card_of(html: str, attribute: str, record_id: str) -> str:
    """One result card of a desk page (cards hold lists of their own: cut at the next card)."""
    after = html.split(f'{attribute}="{record_id}"')[1]
    return after.split('class="card result"')[0].split("</ol>")[0]


def row_of(html: str, attribute: str, record_id: str) -> str:
    """One table row of a desk page."""
    return html.split(f'{attribute}="{record_id}"')[1].split("</tr>")[0]


async def new_client(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """A client with its own cookie jar on the same app."""
    return httpx.AsyncClient(transport=client._transport, base_url="http://matcher.test")


async def new_pair(
    client: httpx.AsyncClient, admin_headers: dict[str, str], **posting: Any
) -> tuple[str, str]:
    """A new posting of enterprise ent-1 in 包头 and a new matching profile: their ids."""
    posting_id, profile_id = uid("posting"), uid("profile")
    body = posting_body(enterprise_id="ent-1", **posting)
    resp = await client.put(f"/v1/postings/{posting_id}", json=body, headers=admin_headers)
    assert resp.status_code == 201, resp.text
    resp = await client.put(
        f"/v1/profiles/{profile_id}", json=profile_body(), headers=admin_headers
    )
    assert resp.status_code == 201, resp.text
    return posting_id, profile_id


async def test_pages_need_a_desk_session(client: httpx.AsyncClient) -> None:
    async with await new_client(client) as anon:
        resp = await anon.get("/desk/candidates?posting=x")
        assert resp.status_code == 303
        assert resp.headers["location"].startswith("/desk/login?next=")
        page = await anon.get("/desk/login")
        assert "登录匹配服务窗口" in page.text
        assert "htmx.min.js" in page.text
        assert (await anon.get("/desk/static/htmx.min.js")).status_code == 200


async def test_sign_in_refuses_bad_tokens_and_other_roles(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    seeker = (await make_token(Role.SEEKER, uid("seeker")))["Authorization"].split()[1]
    async with await new_client(client) as anon:
        form = await anon.get("/desk/login")
        wrong = await anon.post(
            "/desk/login", data={"token": "mt_nope", "staff": "王", "csrf": csrf_of(form.text)}
        )
        assert wrong.status_code == 401
        assert "令牌无效" in wrong.text
        form = await anon.get("/desk/login")
        other = await anon.post(
            "/desk/login", data={"token": seeker, "staff": "王", "csrf": csrf_of(form.text)}
        )
        assert "只有就业服务机构和管理员" in other.text
        # Without the login form's CSRF cookie value the post is refused.
        forged = await anon.post("/desk/login", data={"token": seeker, "staff": "王", "csrf": "x"})
        assert forged.status_code == 403
        assert "表单已过期" in forged.text
        assert "Traceback" not in forged.text


async def test_flows_without_javascript(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, uid("office"), region_code="150200")
    token = office["Authorization"].split()[1]
    posting_id, profile_id = await new_pair(client, admin_headers, headcount=2)
    async with await new_client(client) as desk:
        await sign_in(desk, token)
        # Typing a name instead of an id offers a pick list.
        picks = await desk.get("/desk/candidates", params={"posting": "焊工"})
        assert picks.status_code == 200
        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        assert profile_id in page.text
        assert "已核对" in page.text
        # The card carries what the clerk acts on: the name (the office reads it whole), the
        # certificates with their expiry, skills, expected wage; the score has its scale.
        card = card_of(page.text, "data-profile", profile_id)
        for seen in (
            "王建国",
            "熔化焊接与热切割作业（有效至",
            "氩弧焊",
            "期望月薪 9000 元",
            "满分 100",
        ):
            assert seen in card, seen
        assert "13800000001" not in card  # the phone is not on the card
        # The area filter offers what the 包头 office covers: its city and 旗县区, no other.
        assert "包头市（全市）" in page.text
        assert "昆都仑区" in page.text
        assert "呼和浩特市" not in page.text
        assert "剩余名额" in page.text
        csrf = csrf_of(page.text)
        # Consent given in person at the desk releases the contact details to the posting's
        # enterprise (and only with the session's CSRF value).
        ent = await make_token(Role.ENTERPRISE, "ent-1")
        as_candidate = f"/v1/profiles/{profile_id}?posting_id={posting_id}"
        assert "13800000001" not in (await client.get(as_candidate, headers=ent)).text
        consent_form = {
            "posting_id": posting_id,
            "profile_id": profile_id,
            "note": "窗口当面",
            "in_person": "1",
        }
        forged_consent = await desk.post("/desk/consents", data={**consent_form, "csrf": "x"})
        assert forged_consent.status_code == 403
        # Releasing contact details is never one click: the card leads to a confirmation
        # page, and a post without the clerk's attestation that the seeker is present fails.
        assert "登记当面同意联系…" in page.text
        confirm = await desk.get(
            "/desk/consents/confirm", params={"posting_id": posting_id, "profile_id": profile_id}
        )
        assert confirm.status_code == 200
        assert "求职者本人在场，已当面同意" in confirm.text
        assert "联系方式（电话、邮箱）" in confirm.text
        unattested = await desk.post(
            "/desk/consents", data={**consent_form, "in_person": "", "csrf": csrf}
        )
        assert unattested.status_code == 422
        assert "须勾选" in unattested.text
        assert "13800000001" not in (await client.get(as_candidate, headers=ent)).text
        consented = await desk.post(
            "/desk/consents",
            data={**consent_form, "csrf": csrf, "back": f"/desk/candidates?posting={posting_id}"},
        )
        assert consented.status_code == 303
        assert "msg=consented" in consented.headers["location"]
        # Back at the card acted on, not the top of the page.
        assert consented.headers["location"].endswith(f"#candidate-{profile_id}")
        assert "13800000001" in (await client.get(as_candidate, headers=ent)).text
        again = await desk.get("/desk/candidates", params={"posting": posting_id})
        assert "求职者已同意该单位联系" in again.text
        # A post without the session's CSRF value changes nothing.
        forged = await desk.post(
            "/desk/referrals",
            data={"posting_id": posting_id, "profile_id": profile_id, "csrf": "forged"},
        )
        assert forged.status_code == 403
        proposed = await desk.post(
            "/desk/referrals",
            data={
                "posting_id": posting_id,
                "profile_id": profile_id,
                "csrf": csrf,
                "back": f"/desk/candidates?posting={posting_id}",
            },
        )
        assert proposed.status_code == 303
        assert "msg=proposed" in proposed.headers["location"]
        board = await desk.get("/desk/referrals")
        assert profile_id in board.text
        assert "王经办" in board.text
        rid = re.search(r'data-referral="([^"]+)"', board.text)
        assert rid
        unconfirmed = await desk.post(
            f"/desk/referrals/{rid.group(1)}/status", data={"status": "hired", "csrf": csrf}
        )
        assert unconfirmed.status_code == 422
        assert "须在确认页确认" in unconfirmed.text
        bad = await desk.post(
            f"/desk/referrals/{rid.group(1)}/status",
            data={"status": "hired", "csrf": csrf, "confirmed": "1"},
        )
        assert bad.status_code == 409
        assert "不能从“已推荐”改为“已录用”" in bad.text
        assert "Traceback" not in bad.text
        walkin = await desk.get(
            "/desk/walkin", params={"q": "干了十年电焊，有特种作业证", "grade": "3"}
        )
        assert walkin.status_code == 200
        assert "请核验证书原件" in walkin.text
        # The worker's grade not entered: the grade is to be verified, not failed, and a
        # higher grade than the worker's is shown as a gap, not hidden.
        unknown_grade = await desk.get(
            "/desk/walkin", params={"q": "干了十年电焊", "city": "150200"}
        )
        assert posting_id in unknown_grade.text
        assert "？待核实" in unknown_grade.text
        assert "求职者等级未填写" in unknown_grade.text
        junior = await desk.get(
            "/desk/walkin", params={"q": "干了十年电焊", "city": "150200", "grade": "5"}
        )
        assert posting_id in junior.text
        assert "职业技能等级认定" in junior.text
        # The area's postings, newest first, in pages; a page out of range is a clear 422.
        listing = await desk.get("/desk/candidates")
        assert "本辖区的有效岗位" in listing.text
        assert posting_id in listing.text
        assert (await desk.get("/desk/candidates", params={"page": "99"})).status_code == 422
        assert (await desk.get("/desk/candidates", params={"page": "x"})).status_code == 422
        # An everyday certificate name is read as the official item, shown for the clerk to
        # confirm, and meets the welding posting's access rule.
        everyday = await desk.get(
            "/desk/walkin",
            params={"q": "干了十年电焊", "city": "150200", "grade": "3", "certs": "电焊证"},
        )
        assert "按以下证书核对：熔化焊接与热切割作业" in everyday.text
        result = card_of(everyday.text, "data-posting", posting_id)
        assert (
            "✔ 符合：就业准入职业：须持有效的《特种作业操作证》（熔化焊接与热切割作业）" in result
        )
        # An unknown desk path is a Chinese page that keeps the navigation, not JSON.
        nowhere = await desk.get("/desk/no-such-page")
        assert nowhere.status_code == 404
        assert nowhere.headers["content-type"].startswith("text/html")
        assert "找不到这个页面" in nowhere.text
        assert 'aria-label="主导航"' in nowhere.text
        # An id that names no posting of the office's area says so, and lists nothing else.
        missing = await desk.get("/desk/candidates", params={"posting": "post-0000-none"})
        assert "该岗位不存在或不在本辖区" in missing.text
        assert 'class="picks"' not in missing.text
        bad_grade = await desk.get("/desk/walkin", params={"q": "电焊", "grade": "9"})
        assert bad_grade.status_code == 422
        assert "填写的内容有误" in bad_grade.text
        # A published bulletin of the office's league-city is listed with a link to its page,
        # and only its newest version (a correction replaces what it corrects).
        for reason in (None, "更正"):
            await publish(
                services,
                kind=Kind.SUPPLY_DEMAND,
                period=parse_period("2024Q1"),
                scope=resolve_scope("150200", services.taxonomy.regions),
                publication=Publication("admin", "tests", reason),
            )
        bulletins = await desk.get("/desk/bulletins")
        links = re.findall(r'data-bulletin="(/bulletins/[^"]+)"', bulletins.text)
        assert [link for link in links if "2024Q1" in link] == [
            "/bulletins/supply-demand-150200-2024Q1-v2"
        ], links
        assert all("150200" in link for link in links)
        assert "第2版（更正）" in bulletins.text
        assert (await client.get(links[0])).status_code == 200
        logout = await desk.post("/desk/logout", data={"csrf": csrf})
        assert logout.status_code == 303
        assert (await desk.get("/desk/referrals")).status_code == 303


async def test_a_declined_seeker_can_be_introduced_again_from_the_candidates_page(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    office = await make_token(Role.OFFICE, uid("office"), region_code="150200")
    posting_id, profile_id = await new_pair(client, admin_headers)
    form = {"posting_id": posting_id, "profile_id": profile_id}
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        csrf = csrf_of(page.text)
        assert (await desk.post("/desk/referrals", data={**form, "csrf": csrf})).status_code == 303
        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        assert "当前状态：已推荐" in page.text
        board = await desk.get("/desk/referrals", params={"posting": posting_id})
        rid = re.search(r'data-referral="([^"]+)"', board.text)
        assert rid
        declined = await desk.post(
            f"/desk/referrals/{rid.group(1)}/status", data={"status": "declined", "csrf": csrf}
        )
        assert declined.status_code == 303
        # The outcome is shown and the seeker may be introduced again: a second attempt.
        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        assert "上次推荐（第1次）：未录用" in page.text
        assert "再次推荐" in page.text
        assert (await desk.post("/desk/referrals", data={**form, "csrf": csrf})).status_code == 303
        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        assert "已推荐（第2次） · 当前状态：已推荐" in page.text
        assert "再次推荐" not in page.text


async def test_the_clerk_confirms_an_inferred_occupation_and_candidates_follow(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    office = await make_token(Role.OFFICE, uid("office"), region_code="150200")
    posting_id = uid("posting")
    body = posting_body(
        enterprise_id="ent-1",
        title="急招灌装线操作工 包吃住",
        description="负责牛奶灌装线的开机、巡检和清洗。",
        required_certificates=[],
        required_level=None,
    )
    body.pop("occupation_code")
    resp = await client.put(f"/v1/postings/{posting_id}", json=body, headers=admin_headers)
    assert resp.status_code == 201, resp.text
    url = f"/desk/postings/{posting_id}/occupation"
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        assert "系统按岗位描述判断" in page.text
        assert "确认职业" in page.text
        csrf = csrf_of(page.text)
        assert (await desk.post(url, data={"other": "焊工", "csrf": "x"})).status_code == 403
        unknown = await desk.post(url, data={"other": "不存在的职业", "csrf": csrf})
        assert unknown.status_code == 422
        assert "岗位职业（名称或编码未找到）" in unknown.text
        done = await desk.post(url, data={"other": "乳品加工工", "csrf": csrf})
        assert done.status_code == 303
        page = await desk.get(done.headers["location"])
        assert "岗位职业已确认" in page.text
        assert "已确认" in page.text
    stored = (await client.get(f"/v1/postings/{posting_id}", headers=admin_headers)).json()
    assert stored["occupation_code"] == "6-02-04-01"
    assert stored["occupation_source"] == "confirmed"
    # Another league-city's office may not confirm it: not found, as for any posting it
    # cannot see.
    hohhot = await make_token(Role.OFFICE, uid("office"), region_code="150100")
    async with await new_client(client) as desk:
        await sign_in(desk, hohhot["Authorization"].split()[1])
        page = await desk.get("/desk/candidates")
        refused = await desk.post(url, data={"other": "焊工", "csrf": csrf_of(page.text)})
        assert refused.status_code == 404
    stored = (await client.get(f"/v1/postings/{posting_id}", headers=admin_headers)).json()
    assert stored["occupation_code"] == "6-02-04-01"


async def test_an_office_cannot_work_on_another_regions_posting(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    hohhot = await make_token(Role.OFFICE, uid("office"), region_code="150100")
    posting_id = uid("posting")
    await client.put(
        f"/v1/postings/{posting_id}",
        json=posting_body(enterprise_id="ent-1"),
        headers=admin_headers,
    )
    async with await new_client(client) as desk:
        await sign_in(desk, hohhot["Authorization"].split()[1])
        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        assert page.status_code == 200
        assert 'data-profile="' not in page.text


async def test_an_admin_records_referrals_under_their_own_name(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    posting_id, profile_id = await new_pair(client, admin_headers)
    async with await new_client(client) as desk:
        await sign_in(desk, admin_headers["Authorization"].split()[1], staff="管理员甲")
        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        resp = await desk.post(
            "/desk/referrals",
            data={"posting_id": posting_id, "profile_id": profile_id, "csrf": csrf_of(page.text)},
        )
        assert resp.status_code == 303
    listed = await client.get(f"/v1/referrals?posting_id={posting_id}", headers=admin_headers)
    (referral,) = listed.json()["referrals"]
    assert referral["office_id"] == "bootstrap"
    assert referral["staff"] == "管理员甲"


async def test_pages_are_not_cached_framed_or_open_to_other_origins(
    client: httpx.AsyncClient,
) -> None:
    async with await new_client(client) as anon:
        root = await anon.get("/desk", follow_redirects=True)
        assert root.url.path == "/desk/login"
        headers = root.headers
        assert headers["cache-control"] == "no-store"
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        # A redirect after sign-in never leaves the desk.
        form = await anon.get("/desk/login", params={"next": "https://evil.example/"})
        assert 'name="next" value="/desk/candidates"' in form.text


async def test_failures_are_chinese_pages_never_stack_traces(services: Services) -> None:
    desk = Desk("Asia/Shanghai")

    async def broken(desk: Desk, request: Request, svc: Services) -> Response:
        raise RuntimeError("secret internals")

    async def search_down(desk: Desk, request: Request, svc: Services) -> Response:
        raise elastic_transport.ConnectionError("connection refused")

    app = Starlette(
        routes=[
            Route("/desk/broken", desk.page(broken)),
            Route("/desk/down", desk.page(search_down)),
        ]
    )
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk.test") as c:
        failed = await c.get("/desk/broken")
        assert failed.status_code == 500
        assert "系统处理出错" in failed.text
        assert "secret internals" not in failed.text
        assert "Traceback" not in failed.text
        down = await c.get("/desk/down")
        assert down.status_code == 503
        assert "搜索服务暂时不可用" in down.text
        assert int(down.headers["retry-after"]) > 0


async def test_bad_forms_are_chinese_400_pages_and_null_origins_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    posting_id, profile_id = await new_pair(client, admin_headers)
    async with await new_client(client) as desk:
        await sign_in(desk, admin_headers["Authorization"].split()[1])
        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        csrf = csrf_of(page.text)
        form = {"posting_id": posting_id, "profile_id": profile_id, "csrf": csrf, "in_person": "1"}
        no_profile = await desk.post("/desk/consents", data={**form, "profile_id": ""})
        assert no_profile.status_code == 422
        assert "填写的内容有误" in no_profile.text
        crowded = await desk.post(
            "/desk/consents", data={**form, **{f"f{i}": "x" for i in range(30)}}
        )
        assert crowded.status_code == 400
        assert "表单" in crowded.text
        huge = await desk.post(
            "/desk/consents",
            files={"note": (None, "字" * 600_000)},
            data=form,
        )
        assert huge.status_code in (400, 413)
        assert "表单" in huge.text
        null_origin = await desk.post("/desk/consents", data=form, headers={"Origin": "null"})
        assert null_origin.status_code == 403
        assert "来源不正确" in null_origin.text
        # None of these recorded the consent; the same form from this site does.
        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        assert "求职者已同意该单位联系" not in page.text
        same_site = await desk.post(
            "/desk/consents", data=form, headers={"Origin": "http://matcher.test"}
        )
        assert same_site.status_code == 303
        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        assert "求职者已同意该单位联系" in page.text


async def test_a_walk_in_is_registered_referred_and_given_a_letter(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    office = await make_token(Role.OFFICE, uid("office-wh"), region_code="150300")
    elsewhere = await make_token(Role.OFFICE, uid("office-hh"), region_code="150100")
    posting_id, _ = await new_pair(client, admin_headers, **WUHAI)
    search = {"q": "电焊工，干了十年", "grade": "3", "city": "150300", "certs": "电焊证"}
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        page = await desk.get("/desk/walkin", params=search)
        assert "登记此求职者" in page.text
        csrf = csrf_of(page.text)
        form = {**search, "csrf": csrf, "name": "李铁柱", "phone": "13900000002"}
        # The worker's agreement is attested, or nothing is stored.
        refused = await desk.post("/desk/walkin/register", data=form)
        assert refused.status_code == 422
        assert "求职者同意登记" in refused.text
        # The worker's words become the profile's summary: no protected traits stored.
        traits = await desk.post(
            "/desk/walkin/register", data={**form, "agree": "1", "q": "电焊工，40多岁"}
        )
        assert traits.status_code == 422
        assert "不能写年龄、性别、民族" in traits.text
        form_id = re.search(r'name="form_id" value="([0-9a-f]+)"', page.text)
        assert form_id
        form["form_id"] = form_id.group(1)
        done = await desk.post("/desk/walkin/register", data={**form, "agree": "1"})
        assert done.status_code == 303
        found = re.search(r"profile=(walkin-[0-9a-f]+)", done.headers["location"])
        assert found, done.headers["location"]
        profile_id = found.group(1)
        # The same form sent again (a double click) registers no second worker.
        again = await desk.post("/desk/walkin/register", data={**form, "agree": "1"})
        assert f"profile={profile_id}" in again.headers["location"]
        stored = (await client.get(f"/v1/profiles/{profile_id}", headers=office)).json()
        assert stored["title"] == "焊工"
        assert stored["occupation_codes"] == ["6-18-02-04"]
        assert stored["skill_level"] == 3
        assert stored["region_code"] == "150300"
        assert stored["contact"] == {"name": "李铁柱", "phone": "13900000002", "email": None}
        assert [c["name"] for c in stored["certificates"]] == ["熔化焊接与热切割作业"]
        # Back on the results: referred to a posting in one step, then the letter.
        results = await desk.get(done.headers["location"])
        assert "已登记：李铁柱" in results.text
        card = card_of(results.text, "data-posting", posting_id)
        assert "推荐到此岗位" in card
        back = done.headers["location"].split("&msg=")[0]
        proposed = await desk.post(
            "/desk/referrals",
            data={"posting_id": posting_id, "profile_id": profile_id, "csrf": csrf, "back": back},
        )
        assert proposed.status_code == 303
        assert proposed.headers["location"].endswith(f"#posting-{posting_id}")
        results = await desk.get(proposed.headers["location"])
        card = card_of(results.text, "data-posting", posting_id)
        link = re.search(r'href="(/desk/referrals/[^"]+/letter)"', card)
        assert link, card
        letter = await desk.get(link.group(1))
        assert letter.status_code == 200
        for seen in ("职业介绍信", "李铁柱", "焊工（压力容器）", "包头钢铁", posting_id, "王经办"):
            assert seen in letter.text, seen
    # Another region's office learns nothing of the referral or the worker.
    async with await new_client(client) as other:
        await sign_in(other, elsewhere["Authorization"].split()[1])
        assert (await other.get(link.group(1))).status_code == 404
        assert (
            await other.get("/desk/walkin", params={**search, "profile": profile_id})
        ).status_code == 404


async def referred(
    client: httpx.AsyncClient,
    office: dict[str, str],
    posting_id: str,
    profile_id: str,
    *steps: str,
) -> str:
    """A referral by ``office``, moved through ``steps``; its id."""
    resp = await propose(client, office, posting_id, profile_id)
    assert resp.status_code == 201, resp.text
    for status in steps:
        step = await advance(client, office, resp.json()["id"], status)
        assert step.status_code == 200, step.text
    return str(resp.json()["id"])


async def test_a_seeker_hired_elsewhere_is_marked_on_the_card(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    office = await make_token(Role.OFFICE, uid("office-wh"), region_code="150300")
    first = await put(client, admin_headers, "postings", **WUHAI)
    second = await put(client, admin_headers, "postings", **WUHAI)
    profile_id = await put(client, admin_headers, "profiles", region_code=WUHAI["region_code"])
    await referred(client, office, first, profile_id, "contacted", "interviewed", "hired")
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        page = await desk.get("/desk/candidates", params={"posting": second})
        card = card_of(page.text, "data-profile", profile_id)
        assert 'data-testid="hired-elsewhere"' in card
        assert "录用，推荐前请先确认本人意向" in card
        # On the posting that hired the seeker, the card says so through its referral.
        page = await desk.get("/desk/candidates", params={"posting": first})
        if f'data-profile="{profile_id}"' in page.text:
            assert 'data-testid="hired-elsewhere"' not in card_of(
                page.text, "data-profile", profile_id
            )


async def test_the_follow_up_list_holds_open_referrals_that_went_quiet(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, uid("office-wh"), region_code="150300")
    posting_id = await put(client, admin_headers, "postings", **WUHAI)
    rids = []
    for _ in range(2):
        profile_id = await put(client, admin_headers, "profiles", region_code=WUHAI["region_code"])
        resp = await propose(client, office, posting_id, profile_id)
        assert resp.status_code == 201, resp.text
        rids.append(resp.json()["id"])
    # The first went quiet ten days ago; the second moved today.
    await backdate(services, rids[0], "updated_at", timedelta(days=10))
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        week = await desk.get("/desk/todo", params={"days": "7"})
        assert week.status_code == 200
        assert f'data-referral="{rids[0]}"' in week.text
        assert f'data-referral="{rids[1]}"' not in week.text
        assert "10 天前" in week.text
        fortnight = await desk.get("/desk/todo", params={"days": "14"})
        assert f'data-referral="{rids[0]}"' not in fortnight.text
        assert (await desk.get("/desk/todo", params={"days": "5"})).status_code == 422


async def test_the_todo_list_narrows_to_one_worker_or_posting(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, uid("office-wh"), region_code="150300")
    welder = await put(client, admin_headers, "postings", **WUHAI)
    driver = await put(
        client, admin_headers, "postings", **{**WUHAI, "title": "矿用卡车司机（待办查找）"}
    )
    base = profile_body()
    workers = {}
    for name, posting_id in (("孙待办", welder), ("周待办", driver)):
        profile_id = await put(
            client,
            admin_headers,
            "profiles",
            region_code=WUHAI["region_code"],
            contact={**base["contact"], "name": name},
        )
        workers[name] = await referred(client, office, posting_id, profile_id)
        await backdate(services, workers[name], "updated_at", timedelta(days=10))
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        every = await desk.get("/desk/todo")
        # Rows name the worker (the office reads its seekers' names).
        assert "孙待办" in row_of(every.text, "data-referral", workers["孙待办"])
        assert f'data-referral="{workers["周待办"]}"' in every.text
        token = csrf_of(every.text)

        async def search(q: str) -> httpx.Response:
            return await desk.post("/desk/todo", data={"csrf": token, "q": q})

        by_name = await search("孙待办")
        assert f'data-referral="{workers["孙待办"]}"' in by_name.text
        assert f'data-referral="{workers["周待办"]}"' not in by_name.text
        assert "只列出与“孙待办”有关的待办" in by_name.text
        # The name stays out of every URL the page holds (links, forms' ways back).
        assert not [u for u in re.findall(r'(?:href|action)="([^"]*)"', by_name.text) if "孙" in u]
        assert not [
            v for v in re.findall(r'name="back" value="([^"]*)"', by_name.text) if "孙" in v
        ]
        # A GET carries no search: the whole list, whatever the URL says.
        assert (
            f'data-referral="{workers["周待办"]}"'
            in (await desk.get("/desk/todo", params={"q": "孙待办"})).text
        )
        # Without the page's csrf token the search is refused.
        assert (await desk.post("/desk/todo", data={"q": "孙待办"})).status_code == 403
        by_posting = await search("卡车司机（待办")
        assert f'data-referral="{workers["周待办"]}"' in by_posting.text
        assert f'data-referral="{workers["孙待办"]}"' not in by_posting.text
        nobody = await search("无此人待办")
        assert "data-referral=" not in nobody.text
        assert "这一项中没有与“无此人待办”有关的待办" in nobody.text


async def test_a_hired_seeker_still_matching_is_paused_from_the_todo_list(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
) -> None:
    office = await make_token(Role.OFFICE, uid("office-wh"), region_code="150300")
    elsewhere = await make_token(Role.OFFICE, uid("office-hh"), region_code="150100")
    posting_id = await put(client, admin_headers, "postings", **WUHAI)
    profile_id = await put(client, admin_headers, "profiles", region_code=WUHAI["region_code"])
    await referred(client, office, posting_id, profile_id, "contacted", "interviewed", "hired")

    async with await new_client(client) as other:
        await sign_in(other, elsewhere["Authorization"].split()[1])
        page = await other.get("/desk/todo")
        assert f'data-profile="{profile_id}"' not in page.text
        refused = await other.post(
            f"/desk/profiles/{profile_id}/pause", data={"csrf": csrf_of(page.text)}
        )
        assert refused.status_code == 404
        assert "text/html" in refused.headers["content-type"]

    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        page = await desk.get("/desk/todo")
        row = row_of(page.text, "data-profile", profile_id)
        assert "暂停匹配" in row
        forged = await desk.post(f"/desk/profiles/{profile_id}/pause", data={"csrf": "x"})
        assert forged.status_code == 403
        still = await client.get(f"/v1/profiles/{profile_id}", headers=admin_headers)
        assert still.json()["status"] == "active"

        done = await desk.post(
            f"/desk/profiles/{profile_id}/pause",
            data={"csrf": csrf_of(page.text), "back": "/desk/todo?days=7"},
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/desk/todo?days=7&msg=paused#hired"
        after = await desk.get(done.headers["location"].split("#")[0])
        assert "已暂停该求职者的匹配" in after.text
        assert f'data-profile="{profile_id}"' not in after.text
        # The same button sent again from a stale page: refused, nothing rewritten.
        again = await desk.post(
            f"/desk/profiles/{profile_id}/pause", data={"csrf": csrf_of(page.text)}
        )
        assert again.status_code == 409
        assert "text/html" in again.headers["content-type"]
    stored = (await client.get(f"/v1/profiles/{profile_id}", headers=admin_headers)).json()
    assert stored["status"] == "paused"
    # Everything else about the profile is as it was.
    assert stored["region_code"] == WUHAI["region_code"]
    assert stored["certificates"]


async def test_office_alerts_are_listed_and_marked_handled_once_for_the_region(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    services: Services,
) -> None:
    first = await make_token(Role.OFFICE, uid("office-wh"), region_code="150300")
    second = await make_token(Role.OFFICE, uid("office-wh"), region_code="150302")
    elsewhere = await make_token(Role.OFFICE, uid("office-hh"), region_code="150100")
    record = uid("dup-profile")
    notice = Notice.to_offices(
        "150302",
        kind=AlertKind.PROFILE_DUPLICATE,
        record_kind="profile",
        record_id=record,
        title=f"档案 {record} 疑似重复登记",
        body="与另一份档案的手机号相同。",
        tag="x",
    )
    assert await notify(services, [notice]) == 1
    alert = f'data-alert="{notice.alert_id}"'
    async with await new_client(client) as other:
        await sign_in(other, elsewhere["Authorization"].split()[1])
        page = await other.get("/desk/todo")
        assert alert not in page.text
        refused = await other.post(
            f"/desk/alerts/{notice.alert_id}/done", data={"csrf": csrf_of(page.text)}
        )
        assert refused.status_code == 404
    async with await new_client(client) as desk:
        await sign_in(desk, first["Authorization"].split()[1])
        page = await desk.get("/desk/todo")
        assert "疑似重复登记" in row_of(page.text, "data-alert", notice.alert_id)
        done = await desk.post(
            f"/desk/alerts/{notice.alert_id}/done", data={"csrf": csrf_of(page.text)}
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/desk/todo?msg=handled#inbox"
        after = await desk.get("/desk/todo", params={"msg": "handled"})
        assert "已标为已处理" in after.text
        assert alert not in after.text
    # Handled by one office of the region, gone from the other's list too.
    async with await new_client(client) as desk:
        await sign_in(desk, second["Authorization"].split()[1])
        assert alert not in (await desk.get("/desk/todo")).text


def read_workbook(content: bytes) -> dict[str, list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


async def test_the_board_and_a_candidate_list_export_to_excel_as_the_office_sees_them(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office_id = uid("office-wh")
    office = await make_token(Role.OFFICE, office_id, region_code="150300")
    elsewhere = await make_token(Role.OFFICE, uid("office-hh"), region_code="150100")
    posting_id = await put(client, admin_headers, "postings", **WUHAI)
    # A name that a spreadsheet would run as a formula if it were written as one.
    formula = '=HYPERLINK("http://example.invalid","点我")'
    base = profile_body()
    profile_id = await put(
        client,
        admin_headers,
        "profiles",
        region_code=WUHAI["region_code"],
        contact={**base["contact"], "name": formula, "phone": "13912340000"},
    )
    rid = await referred(client, office, posting_id, profile_id, "contacted")

    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        page = await desk.get("/desk/referrals", params={"status": "contacted"})
        link = re.search(r'href="([^"]+)" download data-testid="export-referrals"', page.text)
        assert link is not None
        export = await desk.get(link.group(1).replace("&amp;", "&"))
        assert export.status_code == 200, export.text
        assert export.headers["content-type"] == XLSX_MEDIA
        assert "推荐台账" in unquote(export.headers["content-disposition"])
        assert export.headers["cache-control"] == "no-store"
        book = read_workbook(export.content)
        assert list(book) == ["推荐台账", "说明"]
        sheet = book["推荐台账"]
        assert tuple(sheet[0]) == BOARD_COLUMNS
        rows = {row[0]: row for row in sheet[1:]}
        # What the file holds, chosen how, by whom: on a sheet of its own.
        about = {row[0]: row[1] for row in book["说明"][1:]}
        assert about["筛选：状态"] == "已联系"
        assert about["筛选：范围"] == "本机构的推荐"
        assert about["行数"] == f"{len(sheet) - 1} 行"
        assert "王经办" in about["导出人"]
        assert "注意" not in about
        assert rid in rows
        mine = rows[rid]
        assert mine[2] == "已联系"
        assert mine[4] == formula  # the name as written, kept as text
        assert all(row[2] == "已联系" for row in sheet[1:])  # the board's filter held
        cells = openpyxl.load_workbook(io.BytesIO(export.content)).active
        assert cells is not None
        assert all(c.data_type != "f" for row in cells.iter_rows() for c in row)
        assert "13912340000" not in str(sheet)

        page = await desk.get("/desk/candidates", params={"posting": posting_id})
        link = re.search(r'href="([^"]+)" download data-testid="export-candidates"', page.text)
        assert link is not None
        export = await desk.get(link.group(1).replace("&amp;", "&"))
        assert export.status_code == 200, export.text
        book = read_workbook(export.content)
        sheet = book["候选人"]
        assert tuple(sheet[0]) == CANDIDATE_COLUMNS
        about = {row[0]: row[1] for row in book["说明"][1:]}
        assert posting_id in about["内容"]
        assert about["筛选：技能等级"] == "不限"
        listed = {row[3]: row for row in sheet[1:]}
        assert profile_id in listed
        assert listed[profile_id][2] == formula
        assert listed[profile_id][12] == "已联系"
        assert listed[profile_id][1] in ("对口", "相近")
        assert [row[0] for row in sheet[1:]] == list(range(1, len(sheet)))
        assert "13912340000" not in str(sheet)
    trail = await audit.query(services, audit.AuditFilter(posting_id=posting_id))
    (event,) = [e for e in trail.events if e.action == "candidates.exported"]
    assert event.rows == len(listed)
    assert event.selection == "grade=any;city=any;relocate=any"
    boards = await audit.query(services, audit.AuditFilter(action="referrals.exported"))
    (event,) = [e for e in boards.events if e.actor_id == office_id]
    assert event.selection == "status=contacted;period=any;scope=office"
    assert event.rows is not None
    assert event.rows >= 1

    # Another region's office cannot export this posting's candidates or learn of them.
    async with await new_client(client) as other:
        await sign_in(other, elsewhere["Authorization"].split()[1])
        refused = await other.get("/desk/candidates.xlsx", params={"posting": posting_id})
        assert refused.status_code == 404
        assert "text/html" in refused.headers["content-type"]
        theirs = await other.get("/desk/referrals.xlsx", params={"scope": "region"})
        sheet = read_workbook(theirs.content)["推荐台账"]
        assert rid not in {row[0] for row in sheet[1:]}


async def test_an_export_cut_short_by_its_row_bound_says_so(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    office = await make_token(Role.OFFICE, uid("office-wh"), region_code="150300")
    posting_id = await put(client, admin_headers, "postings", **WUHAI)
    for _ in range(2):
        profile_id = await put(client, admin_headers, "profiles", region_code=WUHAI["region_code"])
        await referred(client, office, posting_id, profile_id)
    monkeypatch.setattr(pages, "MAX_EXPORT_ROWS", 1)
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        page = await desk.get("/desk/referrals", params={"status": "proposed"})
        assert "只导出前 1 条，请缩小筛选范围" in page.text
        export = await desk.get("/desk/referrals.xlsx", params={"status": "proposed"})
        book = read_workbook(export.content)
        assert len(book["推荐台账"]) == 2  # the header and one row
        about = {row[0]: row[1] for row in book["说明"][1:]}
        assert about["行数"] == "1 行"
        assert about["注意"].startswith("符合条件的共 2 条，本表只含前 1 条")


async def test_a_bulletin_downloads_as_a_workbook_of_its_tables(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    published = await publish(
        services,
        kind=Kind.SUPPLY_DEMAND,
        period=parse_period("2023Q4"),
        scope=resolve_scope("150200", services.taxonomy.regions),
        publication=Publication("admin", "tests", None),
    )
    assert published is not None
    assert published.id
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        listing = await desk.get("/desk/bulletins")
        assert f'href="/desk/bulletins/{published.id}.xlsx"' in listing.text
        export = await desk.get(f"/desk/bulletins/{published.id}.xlsx")
        assert export.status_code == 200
        book = read_workbook(export.content)
        assert list(book) == ["供求情况", "紧缺排行"]
        assert book["供求情况"][0][:4] == ["维度", "层级", "代码", "名称"]
        assert len(book["供求情况"]) > 1
        assert (await desk.get("/desk/bulletins/nope.xlsx")).status_code == 404
    # The API gives the same workbook.
    api = await client.get(
        f"/v1/bulletins/{published.id}", params={"format": "xlsx"}, headers=admin_headers
    )
    assert api.status_code == 200
    assert api.headers["content-type"] == XLSX_MEDIA
    assert read_workbook(api.content) == book


async def wuhai_worker(
    client: httpx.AsyncClient, admin_headers: dict[str, str], name: str, **fields: Any
) -> tuple[str, str]:
    """A profile in 乌海 with this name and a mobile number of its own: its id and number."""
    phone = f"13{uuid.uuid4().int % 10**9:09d}"
    contact = {**profile_body()["contact"], "name": name, "phone": phone}
    profile_id = await put(
        client,
        admin_headers,
        "profiles",
        region_code=WUHAI["region_code"],
        contact=contact,
        **fields,
    )
    return profile_id, phone


async def find(desk: httpx.AsyncClient, who: str) -> httpx.Response:
    """The walk-in page's lookup of a returning worker (a POST with the page's csrf)."""
    page = await desk.get("/desk/walkin")
    return await desk.post("/desk/walkin/find", data={"csrf": csrf_of(page.text), "who": who})


async def test_a_returning_worker_is_found_by_phone_or_name_within_the_office_area_only(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, uid("office-wh"), region_code="150300")
    elsewhere = await make_token(Role.OFFICE, uid("office-hh"), region_code="150100")
    profile_id, phone = await wuhai_worker(client, admin_headers, "赵回访")
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        # Written as the worker says it: spaces, dashes and +86 do not matter.
        page = await find(desk, f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}")
        assert page.status_code == 200
        row = row_of(page.text, "data-profile", profile_id)
        assert "赵回访" in row
        link = re.search(r'href="(/desk/walkin\?[^"]+)"', row)
        assert link is not None
        again = await desk.get(link.group(1).replace("&amp;", "&"))
        assert 'data-testid="registered"' in again.text
        assert profile_id in again.text
        # By name, as typed again (a space, full-width letters do not matter).
        page = await find(desk, "赵 回访")
        assert "赵回访" in row_of(page.text, "data-profile", profile_id)
        assert "同名的人可能不是同一个人" in page.text
        # Neither the name nor the number goes into a URL (history, access logs).
        by_get = await desk.get("/desk/walkin/find", params={"who": phone})
        assert by_get.status_code == 404
        assert "赵回访" not in by_get.text
        for bad in ("12", "赵"):
            assert (await find(desk, bad)).status_code == 422
        # Without the page's csrf token the lookup is refused.
        forged = await desk.post("/desk/walkin/find", data={"who": phone})
        assert forged.status_code == 403
    trail = await audit.query(services, audit.AuditFilter(profile_id=profile_id))
    assert [e.action for e in trail.events].count("profile.looked_up") == 2
    async with await new_client(client) as other:
        await sign_in(other, elsewhere["Authorization"].split()[1])
        for who, said in ((phone, "手机号或证书编号"), ("赵回访", "姓名")):
            page = await find(other, who)
            assert page.status_code == 200
            assert profile_id not in page.text
            assert "data-profile=" not in page.text
            assert "<td>赵回访" not in page.text
            assert f"本辖区没有{said}为" in page.text


async def test_a_returning_worker_whose_matching_was_paused_is_put_back_in_one_step(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, uid("office-wh"), region_code="150300")
    profile_id, phone = await wuhai_worker(client, admin_headers, "钱复工", status="paused")
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        page = await find(desk, phone)
        row = row_of(page.text, "data-profile", profile_id)
        assert "已暂停匹配" in row
        form = re.search(r'action="(/desk/profiles/[^"]+/resume)"', row)
        assert form is not None
        back = re.search(r'name="back" value="([^"]+)"', row)
        assert back is not None
        # The worker's agreement is required (the pause may have been the seeker's choice).
        unconfirmed = await desk.post(
            form.group(1),
            data={"csrf": csrf_of(page.text), "back": back.group(1).replace("&amp;", "&")},
        )
        assert unconfirmed.status_code == 422
        resumed = await desk.post(
            form.group(1),
            data={
                "csrf": csrf_of(page.text),
                "back": back.group(1).replace("&amp;", "&"),
                "agree": "1",
            },
        )
        assert resumed.status_code == 303
        assert resumed.headers["location"].startswith("/desk/walkin?")
        assert "msg=resumed" in resumed.headers["location"]
        landed = await desk.get(resumed.headers["location"])
        assert "已恢复该求职者的匹配" in landed.text
        # A second click (a stale page) is a 409, not a silent rewrite.
        again = await desk.post(
            form.group(1),
            data={"csrf": csrf_of(page.text), "back": "/desk/walkin", "agree": "1"},
        )
        assert again.status_code == 409
    stored = await client.get(f"/v1/profiles/{profile_id}", headers=admin_headers)
    assert stored.json()["status"] == "active"
    trail = await audit.query(services, audit.AuditFilter(profile_id=profile_id))
    assert [e.action for e in trail.events].count("profile.resumed") == 1


async def test_an_interview_arranged_on_the_board_appears_on_the_todo_list(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, uid("office-wh"), region_code="150300")
    posting_id = await put(client, admin_headers, "postings", **WUHAI)
    profile_id = await put(client, admin_headers, "profiles", region_code=WUHAI["region_code"])
    rid = await referred(client, office, posting_id, profile_id)
    tomorrow = (services.clock.now() + timedelta(days=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        board = await desk.get("/desk/referrals")
        row = row_of(board.text, "data-referral", rid)
        assert 'name="interview_at"' in row
        assert "标记为放弃" in row
        assert "标记为未录用" in row
        moved = await desk.post(
            f"/desk/referrals/{rid}/status",
            data={
                "csrf": csrf_of(board.text),
                "status": "contacted",
                "note": "约好面试",
                "interview_at": tomorrow.strftime("%Y-%m-%dT09:30"),
            },
        )
        assert moved.status_code == 303
        stored = (await client.get(f"/v1/referrals/{rid}", headers=office)).json()
        assert stored["history"][-1]["note"] == "约好面试"
        # 09:30 in Beijing is 01:30 UTC.
        assert stored["interview_at"].startswith(tomorrow.strftime("%Y-%m-%dT01:30"))
        todo = await desk.get("/desk/todo")
        interview = row_of(todo.text, "data-interview", rid)
        assert tomorrow.strftime("%Y-%m-%d 09:30") in interview
        bad = await desk.post(
            f"/desk/referrals/{rid}/status",
            data={"csrf": csrf_of(board.text), "status": "contacted", "interview_at": "下周四"},
        )
        assert bad.status_code == 422


async def test_postings_about_to_lapse_or_fill_are_on_the_todo_list(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    office = await make_token(Role.OFFICE, uid("office-wh"), region_code="150300")
    lapsing = await put(
        client, admin_headers, "postings", **WUHAI, headcount=3, valid_until=days_from_today(3)
    )
    last_place = await put(client, admin_headers, "postings", **WUHAI, headcount=1)
    plenty = await put(client, admin_headers, "postings", **WUHAI, headcount=3)
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        todo = await desk.get("/desk/todo")
        assert "还有 3 天" in row_of(todo.text, "data-closing", lapsing)
        assert "1 / 1" in row_of(todo.text, "data-closing", last_place)
        assert f'data-closing="{plenty}"' not in todo.text
    for posting_id in (lapsing, last_place, plenty):
        await client.delete(f"/v1/postings/{posting_id}", headers=admin_headers)


async def test_years_and_moving_are_read_from_a_walk_in_workers_words(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        words = {"q": "开了八年叉车，想去外地", "city": "150200"}
        first = await desk.get("/desk/walkin", params=words)
        read = first.text.split('data-testid="read-words"')[1].split("</p>")[0]
        assert "从业约 8 年" in read
        assert "愿意去外地" in read
        assert re.search(r'name="relocate" value="1"\s+checked', first.text)
        # The clerk unticks the box after asking: the box decides from then on.
        again = await desk.get("/desk/walkin", params={**words, "relocate_set": "1"})
        assert not re.search(r'name="relocate" value="1"\s+checked', again.text)
