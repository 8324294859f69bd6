"""In a real browser: the city administrator opens the credit lists, accepts a candidate from the
review queue through the form (reason required: an empty one is refused by the browser and by the
server), sees the subject among the list's members; a red-list member's public card shows the list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from xinyong.accounts.service import DEMO_PASSWORD
from xinyong.lists.models import ListCandidate, ListMembership
from xinyong.store.db import make_engine, session_scope

pytestmark = pytest.mark.browser


def test_review_queue_and_public_card(browser, live_server, demo_url):
    from xinyong import clock
    from xinyong.lists.service import recheck_candidate

    engine = make_engine(demo_url)
    with session_scope(engine) as s:
        # an acceptance re-checks the criteria as of today: take a candidate that still meets them
        pending = next(
            c
            for c in s.scalars(
                select(ListCandidate).where(ListCandidate.status == "pending").order_by(ListCandidate.id)
            )
            if recheck_candidate(s, c, clock.today()).result
        )
        red = s.scalar(select(ListMembership.subject_id).where(ListMembership.list_id == "red_honest"))
    assert pending is not None and red is not None, "the demo syncs the lists and leaves candidates to review"
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", "admin")
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/lists")
    assert "/login" not in page.url
    assert page.locator('#lists-table tr[data-list="serious_dishonesty"]').is_visible()
    with page.expect_navigation():  # 按规则同步: a form post with its CSRF token, back to /lists
        page.click("#sync-all")
    assert "已按规则同步" in page.inner_text("#lists-msg")
    page.goto(f"{live_server}/lists/review")
    row = page.locator(f'#candidates tr[data-candidate="{pending.id}"]')
    row.locator('input[name="reason"]').fill("已告知列入理由、依据和权利，听取陈述申辩")
    with page.expect_navigation():
        row.locator('button[value="accept"]').click()
    assert "已处理" in page.inner_text("#review-msg")
    page.goto(f"{live_server}/lists/{pending.list_id}")
    assert page.locator(f'#members tr[data-subject="{pending.subject_id}"]').count() == 1
    desk.close()
    with session_scope(engine) as s:
        assert s.get(ListCandidate, pending.id).status == "accepted"
    engine.dispose()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    card = phone.new_page()
    card.goto(f"{live_server}/c/{red}?as_of=2026-10-31")
    assert "守信激励名单" in card.inner_text("#card-lists")
    phone.close()
