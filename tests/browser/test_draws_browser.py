"""In a real browser: 和平's officer defines an inspection plan, commits a draw, runs it with an
outside value, enters a result; the public result page shows the revealed seed with inspector names
masked; the target's archive shows its supervision tier. The demo's completed draw is listed."""

from __future__ import annotations

import re

import pytest

from xinyong.accounts.service import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_officer_draw_page_and_public_result(browser, live_server):
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    page.goto(f"{live_server}/draws")
    assert "/login" in page.url
    page.fill("#username", "heping")
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/draws")
    assert "/login" not in page.url
    # the demo's completed draw of 和平's plan
    assert "heping-mall-2026" in page.inner_text("#draws") and "已抽取" in page.inner_text("#draws")

    page.fill("#plan-form input[name=plan_id]", "hp-browser")
    page.fill("#plan-form input[name=name]", "浏览器测试计划")
    # the department is a choice of those with inspectors, not free text
    assert page.locator("#plan-form input[name=department]").count() == 0
    page.select_option("#plan-department", "和平区市场监管局")
    page.fill("#plan-form input[name=items]", "明码标价")
    page.select_option("#plan-form select[name=scheme_id]", "heping_mall")
    page.fill("#plan-form textarea[name=ratios]", "good=1000")
    with page.expect_navigation():
        page.click("#plan-submit")
    assert "hp-browser" in page.inner_text("#plans")
    with page.expect_navigation():
        page.click("button.commit-plan[data-plan=hp-browser]")
    commitment = page.inner_text("#commitment")
    assert re.fullmatch(r"[0-9a-f]{64}", commitment)
    assert page.locator("#secret").count() == 0  # not revealed before the draw

    page.fill("#outside-value", "体彩排列3 第26300期 7 2 9")
    with page.expect_navigation():
        page.click("#run-draw")
    assert "已抽取" in page.inner_text("#draw-status")
    secret = page.inner_text("#secret")
    rows = page.locator("#targets tbody tr")
    assert rows.count() >= 1
    first = rows.first
    target_id = first.get_attribute("id").removeprefix("t-")
    first.locator("select[name=result]").select_option("failed")
    first.locator("input[name=findings]").fill("未明码标价")
    with page.expect_navigation():
        first.locator("button[type=submit]").click()
    assert "不合格" in page.inner_text(f"#t-{target_id}")
    draw_path = page.url.split("#")[0]
    draw_id = draw_path.rsplit("/", 1)[1]

    # the target's archive: the inspection record and its supervision tier with the reason
    page.goto(f"{live_server}/subjects/{target_id}")
    assert "未明码标价" in page.content()
    assert "heping_hisense_plaza" not in page.inner_text("#section-supervision")
    assert "抽查比例" in page.inner_text("#section-supervision")
    desk.close()

    public = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    p = public.new_page()
    response = p.goto(f"{live_server}/p/draws/{draw_id}")
    assert response.status == 200 and "/login" not in p.url
    assert p.inner_text("#secret") == secret and p.inner_text("#commitment") == commitment
    assert "体彩排列3" in p.inner_text("#outside")
    body = p.inner_text("#targets")
    assert "不合格" in body
    names = re.findall(r"[\u4e00-\u9fff]\*+[\u4e00-\u9fff]?", body)
    assert names  # inspector names masked (王*国)
    doc = public.request.get(f"{live_server}/p/draws/{draw_id}/document.json").json()
    assert doc["secret"] == secret and doc["targets"][0]["subject_id"] == target_id
    assert public.request.get(f"{live_server}/api/v1/draws/{draw_id}/replay").json()["ok"] is True
    # an outsider finds it from the public home page: /public → /p/draws → the result page
    p.goto(f"{live_server}/public")
    with p.expect_navigation():
        p.click("#draws-link")
    assert p.url.endswith("/p/draws")
    with p.expect_navigation():
        p.click(f'#public-draws a[href="/p/draws/{draw_id}"]')
    assert p.inner_text("#secret") == secret
    public.close()
