"""In a real browser: the demo bank logs in, works its whitelist on the workbench — records an approval
(yuan → fen, basis points), sees a fraction-of-a-fen amount refused with nothing recorded, opens a pushed
subject — and cannot open a subject that was not pushed to it (404 as unknown)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from xinyong.accounts.service import DEMO_PASSWORD
from xinyong.financing.models import Need, Outcome, Push
from xinyong.store.db import make_engine
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:
    """The conftest's demo at a fifth of the roster, built with a longer timeout: the demo steps (needs,
    whitelists, pushes, outcomes) take minutes more on a loaded machine than conftest's 300 s allow."""
    import subprocess
    import sys

    from xinyong.accounts.service import seed_demo_users

    url = f"sqlite:///{tmp_path_factory.mktemp('bank') / 'demo.db'}"
    subprocess.run(
        [sys.executable, "-m", "xinyong.cli", "demo", "build", "--url", url, "--scale", "0.2"],
        check=True,
        capture_output=True,
        timeout=1500,
    )
    engine = make_engine(url)
    seed_demo_users(engine)
    engine.dispose()
    return url


def _facts(url: str) -> tuple[int, str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        pushed = select(Push.subject_id).where(Push.bank_id == "bocom")
        need = conn.execute(
            select(Need.id).where(Need.subject_id.in_(pushed)).order_by(Need.id).limit(1)
        ).scalar_one()
        stranger = conn.execute(
            select(Subject.id)
            .where(Subject.kind == "enterprise", Subject.id.not_in(pushed))
            .order_by(Subject.id)
            .limit(1)
        ).scalar_one()
        outcomes = conn.execute(select(func.count(Outcome.id))).scalar_one()
    engine.dispose()
    return need, stranger, outcomes


def test_bank_works_its_whitelist(live_server, browser, demo_url):
    need, stranger, before = _facts(demo_url)
    page = browser.new_page()
    page.goto(f"{live_server}/bank")
    assert "/login" in page.url
    page.fill("#username", "bank")
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/bank")
    row = page.locator(f'tr[data-need="{need}"]')
    assert row.count() == 1
    # a fraction of a fen: refused, message in Chinese and English, nothing recorded
    row.locator("select[name=event]").select_option("approved")
    row.locator("input[name=amount_yuan]").fill("1000.001")
    row.locator("input[name=rate_bp]").fill("385")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#error")
    assert "fraction of a fen" in page.inner_text("#error") and "分" in page.inner_text("#error")
    assert _facts(demo_url)[2] == before
    # a proper approval: 1,000,000.50 yuan at 385 bp
    page.goto(f"{live_server}/bank")
    row = page.locator(f'tr[data-need="{need}"]')
    row.locator("select[name=event]").select_option("approved")
    row.locator("input[name=amount_yuan]").fill("1000000.50")
    row.locator("input[name=rate_bp]").fill("385")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#ok")
    assert "1000000.50 元" in page.locator(f'tr[data-need="{need}"]').inner_text()
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        last = conn.execute(
            select(Outcome).where(Outcome.need_id == need).order_by(Outcome.id.desc()).limit(1)
        ).one()
    engine.dispose()
    assert (last.event, last.amount_fen, last.rate_bp) == ("approved", 100_000_050, 385)
    # open a pushed subject; a subject not pushed answers as unknown
    page.locator(f'tr[data-need="{need}"] a').click()
    page.wait_for_selector("#records")
    assert page.goto(f"{live_server}/bank/subjects/{stranger}").status == 404
    assert page.goto(f"{live_server}/bank/subjects/no-such-subject").status == 404
    page.close()
