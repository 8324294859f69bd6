"""Issue 13 "Done when", in a real browser on the demo: the demo enterprise (login `merchant`) sees
its general penalty's repair date, applies online (statement, two evidence files, the repair
commitment), the 和平 district officer approves it in the review queue, and the public card drops
the penalty and shows a recomputed grade.

The expected repair date is worked out by hand from the demo's data: the penalty is decided 120 days
before the demo end (2026-10-31 − 120 days = 2026-07-03); Order 36 general minimum 3 months ends
2026-10-03; repairable from 2026-10-04. The expected grade after repair comes from the evaluation
service's python engine ("once repaired"), a different engine from the stored DuckDB run the card shows.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.service import DEMO_PASSWORD
from xinyong.records.models import Record
from xinyong.repair.demo import DECISION_NO, demo_enterprise
from xinyong.store.db import make_engine

pytestmark = pytest.mark.browser


def _login(browser, base: str, username: str):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    return context, page


def test_enterprise_repairs_its_penalty(browser, live_server, demo_url, tmp_path):
    from xinyong.evaluation import service as evaluation

    engine = make_engine(demo_url)
    with Session(engine) as s:
        firm = demo_enterprise(s)
        rid = s.scalar(select(Record.id).where(Record.source_record_id == DECISION_NO))
        grades_before = evaluation.latest_grades(s, firm.id, clock.today())
        predicted = {
            g["model_id"]: evaluation.explain(
                s, subject_id=firm.id, model_id=g["model_id"], as_of=clock.today()
            )
            for g in grades_before
        }
    assert rid is not None and grades_before
    firm_id = firm.id

    card = browser.new_page()
    card.goto(f"{live_server}/c/{firm_id}")
    assert "未按规定公示年度报告" in card.inner_text("#card-negative")

    ctx, page = _login(browser, live_server, "merchant")
    page.goto(f"{live_server}/repair")
    row = page.locator(f'tr[data-record="{rid}"]')
    assert "2026-10-04" in row.locator(".repairable-from").inner_text()
    (tmp_path / "report.txt").write_text("整改报告：已完成整改", encoding="utf-8")
    (tmp_path / "receipt.txt").write_text("罚款缴纳凭证", encoding="utf-8")
    # first without the commitment: refused, listing what is missing, nothing submitted
    row.locator("textarea[name=statement]").first.fill("已完成整改并缴清罚款")
    row.locator("input[name=correction]").set_input_files(str(tmp_path / "report.txt"))
    with page.expect_navigation():
        row.locator(".repair-apply button[type=submit]").click()
    assert "commitment" in page.inner_text("#repair-err") or "承诺" in page.inner_text("#repair-err")
    row = page.locator(f'tr[data-record="{rid}"]')
    row.locator(".repair-apply textarea[name=statement]").fill("已完成整改并缴清罚款")
    row.locator("input[name=correction]").set_input_files(str(tmp_path / "report.txt"))
    row.locator("input[name=obligations]").set_input_files(str(tmp_path / "receipt.txt"))
    row.locator("input[name=accept_commitment]").check()
    with page.expect_navigation():
        row.locator(".repair-apply button[type=submit]").click()
    assert page.locator("#repair-err").count() == 0, page.inner_text("#repair-err")
    assert "已提交" in page.inner_text("#repair-msg")
    case_row = page.locator("#repair-cases tbody tr").first
    assert "待审核" in case_row.inner_text()
    case_id = case_row.get_attribute("data-case")
    ctx.close()

    ctx, page = _login(browser, live_server, "heping")
    page.goto(f"{live_server}/repair/review")
    review = page.locator(f'#review-queue tr[data-case="{case_id}"]')
    assert "report.txt" in review.inner_text() and "receipt.txt" in review.inner_text()
    assert "一般" in review.locator(".severity").inner_text()  # the penalty's severity, in Chinese
    link = review.locator("ul.evidence a", has_text="report.txt")
    opened = page.request.get(live_server + link.get_attribute("href"))  # the officer's session
    assert opened.status == 200 and opened.text() == "整改报告：已完成整改"
    review.locator("select[name=decision]").select_option("approved")
    review.locator("input[name=reason]").fill("材料齐全，准予修复")
    with page.expect_navigation(timeout=120_000):
        review.locator("button[type=submit]").click()
    assert "已处理" in page.inner_text("#review-msg")
    assert page.locator(f'#review-queue tr[data-case="{case_id}"]').count() == 0
    ctx.close()

    card.goto(f"{live_server}/c/{firm_id}")
    assert "未按规定公示年度报告" not in card.inner_text("#card-negative")
    shown = card.inner_text("#card-grades")
    today = clock.today().isoformat()
    assert today in shown  # the grade was recomputed today, not the demo's 2026-10-31 run
    with Session(engine) as s:
        now = {g["model_id"]: g for g in evaluation.latest_grades(s, firm_id, clock.today())}
    for model_id, x in predicted.items():
        expected = next(r["grade_after"] for r in x["repairs"] if r["record_id"] == rid)
        assert expected is not None, f"{model_id}: the record should be repairable"
        assert now[model_id]["grade"] == expected and now[model_id]["as_of"] == today
        assert now[model_id]["grade"] in shown
    engine.dispose()
