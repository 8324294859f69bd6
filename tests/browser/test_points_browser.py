"""The village committee's counter on a phone (Playwright + Debian chromium, 390×844): the approval
queue approves a claim, the counter redeems or says clearly why not, and nothing overflows the screen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "xinyong-demo-2023"
PHONE = {"width": 390, "height": 844}


def _phone_login(browser, base: str, username: str):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    return context, page


def _fits(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_committee_counter_on_a_phone(browser, live_server):
    context, page = _phone_login(browser, live_server, "cunwei")
    page.goto(f"{live_server}/points/counter")
    queue = page.locator("#queue form.claim")
    pending = queue.count()
    assert pending >= 1, page.content()
    assert _fits(page)
    claim_id = queue.first.get_attribute("data-claim")
    with page.expect_navigation():
        queue.first.locator("button[name=approve][value='1']").tap()
    assert f"申报 {claim_id} 已批准" in page.locator("#message").inner_text()
    assert page.locator("#queue form.claim").count() == pending - 1
    # redeem the cheapest goods for the first villager: success, or a clear refusal (积分不足 / 库存不足)
    page.select_option("select[name=sku]", "soap")
    with page.expect_navigation():
        page.locator("#counter button").tap()
    text = (page.locator("#message").all_inner_texts() + page.locator("#error").all_inner_texts())[0]
    assert "兑换成功" in text or "积分不足" in text or "库存不足" in text
    assert _fits(page)
    context.close()


def test_outsider_sees_no_queue(browser, live_server):
    context, page = _phone_login(browser, live_server, "heping")
    page.goto(f"{live_server}/points/counter")
    assert "不是任何村委会成员" in page.locator("#not-committee").inner_text()
    context.close()
