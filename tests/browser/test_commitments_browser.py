"""Credit commitments in a real browser (issue 12 item 5): a merchant signs on a phone (390×844),
the 和平 district office records a breach at its desk, and the signing-rate page is live."""

from __future__ import annotations

import re

import pytest
from test_layout_browser import CHECK_JS, VIEWPORTS, _login, _shoot

pytestmark = pytest.mark.browser


def test_merchant_signs_on_a_phone(browser, live_server):
    context, page = _login(browser, live_server, "merchant", VIEWPORTS["phone"])
    page.goto(f"{live_server}/commitments/sign", wait_until="networkidle")
    assert page.evaluate(CHECK_JS) == []  # no sideways scrolling, menu reachable at phone width
    form = page.locator("form.sign-form").first
    template = form.locator('input[name="template_id"]').input_value()
    before = page.locator("#my-commitments li").count()
    # The browser itself refuses a tap without the "I have read and commit" tick (required).
    form.locator("button[type=submit]").click()
    assert "/commitments/sign" in page.url and page.locator("#sign-done").count() == 0
    form.locator('input[name="agree"]').check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert re.search(r"已签署，承诺编号 CM[0-9A-F]{20}", page.inner_text("#sign-done"))
    assert page.locator(f'[data-signed="{template}"]').count() == 1
    assert page.locator("#my-commitments li").count() == before + 1
    assert page.evaluate(CHECK_JS) == []
    _shoot(page, "commitment_sign_phone.png")
    context.close()


def test_officer_records_a_breach_and_sees_the_rate(browser, live_server):
    context, page = _login(browser, live_server, "heping", VIEWPORTS["desk"])
    page.goto(f"{live_server}/commitments/rates", wait_until="networkidle")
    row = page.locator('#rates tr[data-pilot="heping_hisense_plaza"]')
    assert row.locator(".met").inner_text().startswith("达标")  # the demo signs every 和平 merchant
    assert page.locator("#rates tbody tr").count() == 1  # a district office sees its own pilots
    page.goto(f"{live_server}/commitments?state=in_force", wait_until="networkidle")
    with page.expect_navigation():
        page.locator("#commitments tbody a").first.click()
    assert page.inner_text("#state") == "履行中"
    page.select_option("#step-event", "breached")
    page.fill("#step-reason", "经消费投诉核实存在虚假宣传")
    with page.expect_navigation():
        page.click("#step-submit")
    assert page.inner_text("#state") == "违诺"
    assert "经消费投诉核实存在虚假宣传" in page.inner_text("#steps")
    assert "违诺记录 WN-CM" in page.inner_text("#steps")
    context.close()
