"""The desk end to end in headless Chromium (Debian's browser, driven by Playwright) against
the real stack: the app served by uvicorn on a free port, on the shared Elasticsearch and
Redis with this run's index prefix. Screenshots of each main page go to
``artifacts/screenshots`` (1366×768, the offices' screens).

A missing browser is a failure, not a skip: ``scripts/bootstrap.sh`` installs it."""

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from matcher.bulletins.models import Kind
from matcher.bulletins.scope import resolve_scope
from matcher.bulletins.service import Publication, publish
from matcher.duplicates.service import check_profiles
from matcher.foundation.periods import parse_period
from matcher.foundation.principals import Principal, Role
from matcher.profiles.models import ProfileStatus
from matcher.profiles.service import set_status
from matcher.services import Services
from tests.conftest import TokenFactory, make_environ
from tests.factories import posting_body, profile_body, service_today

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

CHROMIUM = os.environ.get("MATCHER_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TAG = uuid.uuid4().hex[:6]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_uvicorn(port: int, log: Path, **overrides: str) -> "subprocess.Popen[bytes]":
    env = {**os.environ, **make_environ(**overrides), "MATCHER_LOG_LEVEL": "WARNING"}
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603  (our own interpreter and module)
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "matcher.api.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _tail(log: Path) -> str:
    return log.read_text()[-2000:]


@contextlib.asynccontextmanager
async def uvicorn_server(log: Path, **overrides: str) -> AsyncIterator[str]:
    """uvicorn serving the real app in its own process (the indexes exist already), ready
    when this yields its base URL; stopped after."""
    port = free_port()
    proc = start_uvicorn(port, log, **overrides)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as probe:
            for _ in range(240):
                if proc.poll() is not None:
                    pytest.fail(f"the server exited: {_tail(log)}")
                try:
                    if (await probe.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
            else:
                pytest.fail(f"the server did not get ready: {_tail(log)}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
async def server(app: object, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The desk's server (``app`` has created the indexes)."""
    async with uvicorn_server(tmp_path_factory.mktemp("desk-server") / "uvicorn.log") as base:
        yield base


@pytest.fixture(scope="module")
def chromium_path() -> str:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which(CHROMIUM)
    if not found:
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run scripts/bootstrap.sh (installs Debian's "
            "chromium) or set MATCHER_CHROMIUM",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="module")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        await chromium.close()


async def open_page(browser: Browser, base: str) -> tuple[Page, list[str]]:
    """A 1366×768 page that records any request leaving the app and any console error
    (a script failing or blocked by the content security policy); there must be none."""
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = await context.new_page()
    problems: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else problems.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def look_up(page: Page, who: str) -> None:
    """On 为求职者找岗位, look a returning worker up by name or number."""
    await (
        page.get_by_role("navigation", name="主导航")
        .get_by_role("link", name="为求职者找岗位")
        .click()
    )
    await page.get_by_label("已登记过的求职者？按姓名、手机号或证书编号查找").fill(who)
    await page.get_by_role("button", name="查找", exact=True).click()


async def test_desk_end_to_end(
    server: str,
    browser: Browser,
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, f"office-baotou-{TAG}", region_code="150200")
    token = office["Authorization"].split()[1]
    posting_id, profile_id = f"e2e-{TAG}-posting", f"e2e-{TAG}-profile"
    resp = await client.put(
        f"/v1/postings/{posting_id}",
        json=posting_body(enterprise_id="ent-e2e", headcount=2, title=f"压力容器焊工{TAG}"),
        headers=admin_headers,
    )
    assert resp.status_code == 201, resp.text
    # This run's own phone and certificate numbers: a second registration sharing the phone
    # is a double registration the office is told of on 今日待办.
    phone = f"139{int(TAG, 16) % 10**8:08d}"
    cert = {**profile_body()["certificates"][0], "number": f"T1502{TAG}"}
    contact = {"name": "王建国", "phone": phone}
    for record_id in (profile_id, f"{profile_id}-again"):
        resp = await client.put(
            f"/v1/profiles/{record_id}",
            json=profile_body(
                contact=contact, certificates=[cert] if record_id == profile_id else []
            ),
            headers=admin_headers,
        )
        assert resp.status_code == 201, resp.text
    assert await check_profiles(services, [f"{profile_id}-again"]) == 1

    page, outside = await open_page(browser, server)
    # Signing in with the keyboard only: the token field has focus, Tab moves on, Enter sends.
    await page.goto(f"{server}/desk/candidates")
    await expect(page.get_by_role("heading", name="登录匹配服务窗口")).to_be_visible()
    await expect(page.get_by_label("机构令牌")).to_be_focused()
    await page.keyboard.type(token)
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("经办人姓名或工号")).to_be_focused()
    await page.keyboard.type("张窗口")
    await shot(page, "login")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="为岗位找人才")).to_be_visible()
    # The first Tab on a page reaches the skip link.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "跳到主要内容"

    # Typeahead (htmx, vendored): typing part of the title offers the posting.
    # (The title's unique tail: other tests leave many welding postings in the same index.)
    await page.get_by_label("岗位（编号或名称）").press_sequentially(f"压力容器焊工{TAG}", delay=30)
    # The pick puts the title in the box, with the id in brackets, not the bare id.
    option = page.locator(f'#posting-options option[value$="（{posting_id}）"]')
    await expect(option).to_have_count(1, timeout=10_000)
    picked = await option.get_attribute("value")
    assert picked == f"压力容器焊工{TAG}（{posting_id}）"
    await page.get_by_label("岗位（编号或名称）").fill(picked)
    await page.get_by_role("button", name="查找人才").click()
    card = page.locator(f'li[data-profile="{profile_id}"]')
    await expect(card).to_be_visible()
    await expect(card).to_contain_text("推荐理由")
    await expect(page.get_by_test_id("open-headcount")).to_contain_text("2 / 2")
    await card.get_by_text("查看说明").click()
    await expect(card).to_contain_text("已核对的硬性条件")
    await shot(page, "candidates")

    # Releasing contact details is a separate, confirmed step with the clerk's attestation.
    await card.get_by_role("button", name="登记当面同意联系…").click()
    await expect(page.get_by_role("heading", name="登记求职者当面同意联系")).to_be_visible()
    await shot(page, "consent-confirm")
    await page.get_by_label("求职者本人在场，已当面同意把联系方式提供给该单位").check()
    await page.get_by_role("button", name="确认登记同意").click()
    await expect(page.get_by_role("status")).to_contain_text("已登记求职者现场同意")
    card = page.locator(f'li[data-profile="{profile_id}"]')
    await expect(card).to_contain_text("求职者已同意该单位联系")

    await card.get_by_role("button", name="推荐此人").click()
    await expect(page.get_by_role("status")).to_contain_text("已记录推荐")
    await expect(page.locator(f'li[data-profile="{profile_id}"]')).to_contain_text("已推荐")

    # The referral board: advance to hired, one step at a time.
    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="推荐台账").click()
    row = page.locator("tr", has_text=profile_id)
    await expect(row).to_contain_text("已推荐")
    # Contacting the worker, the clerk notes the interview arranged and its time.
    await row.get_by_label("备注").fill("约周四上午面试")
    # Enter in the note records no step: only a button does.
    await row.get_by_label("备注").press("Enter")
    await expect(row.locator(".tag")).to_have_text("已推荐")
    interview_day = (service_today() + timedelta(days=30)).isoformat()
    await row.get_by_label("约定面试时间").fill(f"{interview_day}T09:30")
    await shot(page, "referrals-step")
    for step in ("已联系", "已面试"):
        await row.get_by_role("button", name=f"标记为{step}").click()
        await expect(page.get_by_role("status")).to_contain_text("推荐状态已更新")
        await expect(row.locator(".tag")).to_have_text(step)
        if step == "已联系":
            await expect(row).to_contain_text(f"面试时间：{interview_day} 09:30")
            await expect(row).to_contain_text("约周四上午面试")

    async def hire(note: str) -> None:  # takes a place: a confirmation page first
        await row.get_by_role("button", name="标记为已录用…").click()
        await expect(page.get_by_role("heading", name="确认录用")).to_be_visible()
        await expect(page.locator("main")).to_contain_text("剩余名额 2 / 2 人")
        await shot(page, "hire-confirm")
        await page.get_by_label("备注（可选，如：入职日期、单位联系人）").fill(note)
        await page.get_by_role("button", name="确认录用").click()
        await expect(page.get_by_role("status")).to_contain_text("已登记录用")
        await expect(row.locator(".tag")).to_have_text("已录用")

    await hire("点错了")
    await expect(row).to_contain_text("1 / 2")
    # A hire recorded by mistake is taken back: the place returns to the posting.
    await row.get_by_role("button", name="撤销录用").click()
    await expect(page.get_by_role("status")).to_contain_text("已撤销录用")
    await expect(row.locator(".tag")).to_have_text("已面试")
    await expect(row).to_contain_text("2 / 2")
    await hire("12月15日入职")
    await expect(row).to_contain_text("1 / 2")
    await expect(row).to_contain_text("撤销录用")
    await expect(row).to_contain_text("张窗口")
    await shot(page, "referrals")

    # The posting's open headcount dropped.
    await page.goto(f"{server}/desk/candidates?posting={posting_id}")
    await expect(page.get_by_test_id("open-headcount")).to_contain_text("1 / 2")

    # A walk-in worker in their own words: the welding posting shows the missing permit and
    # where to get it.
    await (
        page.get_by_role("navigation", name="主导航")
        .get_by_role("link", name="为求职者找岗位")
        .click()
    )
    await page.get_by_label("求职者自述（用他自己的话）").fill("电焊工，干了十年，有特种作业证")
    await page.get_by_label("求职者技能等级").select_option("3")
    await page.get_by_label("盟市").select_option("150200")
    await page.get_by_role("button", name="查找岗位").click()
    result = page.locator(f'li[data-posting="{posting_id}"]')
    await expect(result).to_be_visible()
    await expect(result).to_contain_text("熔化焊接与热切割作业")
    await expect(result).to_contain_text("去哪里培训/鉴定")
    # What was read from the worker's words is shown for the clerk to confirm.
    await expect(page.get_by_test_id("read-occupation")).to_contain_text("从自述读到的职业：焊工")
    await expect(result).to_contain_text("对口：岗位招“焊工”")
    await expect(page.get_by_role("note")).to_contain_text("请核验证书原件")
    await shot(page, "walkin")

    # The same worker's certificate checked (an everyday name), registered in a minute and
    # referred to the posting in one step; the referral letter prints.
    await page.get_by_label("已持证书（名称，用逗号分隔；电焊证、叉车证等俗称也可）").fill("电焊证")
    await page.get_by_role("button", name="查找岗位").click()
    await page.get_by_text("登记此求职者（登记后可直接推荐到下面的岗位）").click()
    await page.get_by_label("姓名", exact=True).fill("李铁柱")
    walkin_phone = f"138{int(TAG, 16) % 10**8:08d}"
    await page.get_by_label("手机号", exact=True).fill(walkin_phone)
    await page.get_by_label("求职者同意登记其信息，用于职业介绍").check()
    await page.get_by_role("button", name="登记求职者").click()
    await expect(page.get_by_test_id("registered")).to_contain_text("已登记：李铁柱")
    result = page.locator(f'li[data-posting="{posting_id}"]')
    await result.get_by_role("button", name="推荐到此岗位").click()
    await expect(page.get_by_role("status")).to_contain_text("已记录推荐")
    result = page.locator(f'li[data-posting="{posting_id}"]')
    await expect(result).to_contain_text("已推荐")
    await shot(page, "walkin-registered")
    await result.get_by_role("link", name="打印职业介绍信").click()
    await expect(page.get_by_role("heading", name="职业介绍信")).to_be_visible()
    await expect(page.locator("article.letter")).to_contain_text("李铁柱")
    await shot(page, "letter")
    # The posting's slip, to hand to the worker with the letter.
    await page.goto(f"{server}/desk/postings/{posting_id}/slip")
    await expect(page.get_by_role("heading", name="岗位信息单")).to_be_visible()
    await expect(page.locator("article.slip")).to_contain_text("《特种作业操作证》")
    await shot(page, "slip")
    # Next week the same worker comes back: the clerk finds him by his phone number.
    await look_up(page, walkin_phone)
    found = page.locator("tr[data-profile]", has_text="李铁柱")
    await expect(found).to_have_count(1)
    walkin_id = str(await found.get_attribute("data-profile"))
    await shot(page, "walkin-returning")
    # Or by his name, when he does not remember which number he gave.
    await look_up(page, "李铁柱")
    await expect(page.locator("tr[data-profile]", has_text="李铁柱")).not_to_have_count(0)
    await expect(page.get_by_text("同名的人可能不是同一个人")).to_be_visible()
    await shot(page, "walkin-returning-by-name")
    await found.get_by_role("link", name="按原登记信息找岗位").click()
    await expect(page.get_by_test_id("registered")).to_contain_text("李铁柱")
    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="今日待办").click()
    await expect(page.get_by_role("heading", name="今日待办")).to_be_visible()
    # The seeker hired above still takes part in matching: the clerk pauses the profile.
    hired = page.locator(f'tr[data-profile="{profile_id}"]')
    await expect(hired).to_contain_text(f"压力容器焊工{TAG}")
    duplicate = page.locator("tr[data-alert]", has_text=f"{profile_id}-again")
    await expect(duplicate).to_contain_text("疑似重复登记")
    await shot(page, "todo")
    # Narrowed to this seeker (the duplicate's alert names the profile too).
    await page.get_by_label("只看某位求职者或某个岗位").fill(profile_id)
    await page.get_by_role("button", name="查找", exact=True).click()
    await expect(page.get_by_test_id("todo-filter")).to_be_visible()
    await expect(hired).to_be_visible()
    await expect(duplicate).to_be_visible()
    await shot(page, "todo-search")
    await hired.get_by_role("button", name="暂停匹配").click()
    await expect(page.get_by_role("status")).to_contain_text("已暂停该求职者的匹配")
    await expect(page.locator(f'tr[data-profile="{profile_id}"]')).to_have_count(0)
    await shot(page, "todo-paused")
    await duplicate.get_by_role("button", name="标为已处理").click()
    await expect(page.get_by_role("status")).to_contain_text("已标为已处理")
    await expect(page.locator("tr[data-alert]", has_text=f"{profile_id}-again")).to_have_count(0)
    resp = await client.get(f"/v1/profiles/{profile_id}", headers=admin_headers)
    assert resp.json()["status"] == "paused"
    # Later the walk-in worker, whose matching was paused meanwhile, is back: the clerk finds
    # him and puts his profile back into matching in one step.
    await set_status(
        services,
        principal=Principal(token_id="tests", role=Role.ADMIN, subject="tests"),
        profile_id=walkin_id,
        status=ProfileStatus.PAUSED,
    )
    await look_up(page, walkin_phone)
    back = page.locator(f'tr[data-profile="{walkin_id}"]')
    await expect(back).to_contain_text("已暂停匹配")
    await shot(page, "walkin-paused-returning")
    await back.get_by_label("求职者本人同意恢复匹配").check()
    await back.get_by_role("button", name="恢复匹配并找岗位").click()
    await expect(page.get_by_role("status")).to_contain_text("已恢复该求职者的匹配")
    await expect(page.get_by_test_id("registered")).to_contain_text("李铁柱")
    await shot(page, "walkin-resumed")

    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="供求公报").click()
    await expect(page.get_by_role("heading", name="供求公报")).to_be_visible()
    await shot(page, "bulletins")

    assert outside == []
    # A wage bulletin whose every cell is suppressed (阿拉善盟, a quarter without postings):
    # the page says so in words instead of drawing an empty chart.
    empty = await publish(
        services,
        kind=Kind.WAGES,
        period=parse_period("2023Q1"),
        scope=resolve_scope("152900", services.taxonomy.regions),
        publication=Publication("admin", "tests", None),
    )
    assert empty is not None
    await page.goto(f"{server}/bulletins/{empty.id}")
    await expect(page.locator("body")).to_contain_text("本期不公布工资分布图")
    assert await page.locator("svg").count() == 0
    await shot(page, "bulletin-suppressed")
    outside.clear()  # the public page has no icon: the browser's /favicon.ico is a 404
    # Errors are Chinese pages, never a stack trace.
    await page.goto(f"{server}/desk/walkin?q=x&grade=9")
    await expect(page.get_by_role("alert")).to_contain_text("填写的内容有误，请检查：技能等级")
    await shot(page, "error")
    # A form no page sends (here 25 fields) is a Chinese 400 page too.
    await page.evaluate(
        """() => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = "/desk/consents";
            for (let i = 0; i < 25; i++) {
                const field = document.createElement("input");
                field.name = "f" + i;
                field.value = "x";
                form.appendChild(field);
            }
            document.body.appendChild(form);
            form.submit();
        }"""
    )
    await expect(page.get_by_role("alert")).to_contain_text("表单无法读取")
    await shot(page, "bad_form")

    await page.get_by_role("link", name="回到首页").click()
    await page.get_by_role("button", name="退出登录").click()
    await expect(page.get_by_text("已退出登录")).to_be_visible()
    await page.context.close()
