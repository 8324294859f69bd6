"""In a real browser: a district officer logs in, opens an archive, sees a masked person in another
district's archive, prints a pilot's QR sheet; the public card opens on a phone-sized screen.
Screenshots go to docs/screenshots/ (the README shows them)."""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text
from sqlalchemy import func, select

from xinyong.accounts.service import DEMO_PASSWORD
from xinyong.records.models import Record
from xinyong.store.db import make_engine
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.browser
# The README's screenshots are refreshed only on request (XINYONG_UPDATE_SCREENSHOTS=1), so a test
# run leaves the work tree clean; otherwise they go to a temporary folder.
SHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("XINYONG_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.mkdtemp(prefix="xinyong-shots-"))
)
PILOT = "heping_hisense_plaza"
MASKED = re.compile(r"^\S\*+\S?$")


def _shoot(page, name: str, full_page: bool = False) -> None:
    """Screenshot for the README, reduced to a 64-colour palette to keep the committed PNG small."""
    from PIL import Image

    path = SHOTS / name
    page.screenshot(path=str(path), full_page=full_page, type="png")
    Image.open(path).convert("RGB").quantize(colors=64).save(path, optimize=True)


def _pick(url: str) -> tuple[str, str]:
    """(a 和平 pilot merchant with the most public records, a 河西 enterprise with a legal rep)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        merchant = conn.execute(
            select(Subject.id)
            .join(Record, Record.subject_id == Subject.id)
            .where(Subject.pilot == PILOT, Subject.kind == "enterprise", Subject.legal_rep.is_not(None))
            .group_by(Subject.id)
            .order_by(func.count(Record.id).desc(), Subject.id)
            .limit(1)
        ).scalar_one()
        hexi = conn.execute(
            select(Subject.id)
            .where(
                Subject.district_code == "120103",
                Subject.kind == "enterprise",
                Subject.legal_rep.is_not(None),
            )
            .order_by(Subject.id)
            .limit(1)
        ).scalar_one()
    engine.dispose()
    return merchant, hexi


def test_officer_archive_qr_sheet_and_phone_card(browser, live_server, demo_url):
    merchant, hexi = _pick(demo_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()

    # Log in through the console's login page as the 和平 district officer.
    page.goto(f"{live_server}/subjects?pilot={PILOT}")
    assert "/login" in page.url
    page.fill("#username", "heping")
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    # Open the list again explicitly: the login's redirect can arrive before its session row is
    # committed (accounts/pages.py commits after responding), which would bounce once to /login.
    page.goto(f"{live_server}/subjects?pilot={PILOT}")
    assert "/login" not in page.url
    assert int(page.inner_text("#subject-total")) > 0

    # The officer's own merchant: the full archive, legal representative unmasked.
    page.goto(f"{live_server}/subjects/{merchant}")
    assert page.inner_text("#view-level").startswith("完整版")
    own_rep = page.inner_text("#legal-rep")
    assert own_rep and "*" not in own_rep
    assert page.locator("#side-positive").is_visible() and page.locator("#side-negative").is_visible()
    _shoot(page, "archive.png")

    # Another district's enterprise: public view, the person's name masked (张*明).
    page.goto(f"{live_server}/subjects/{hexi}")
    assert page.inner_text("#view-level").startswith("公开版")
    assert MASKED.match(page.inner_text("#legal-rep").strip())

    # Print the pilot's QR sticker sheet from the list page (same session cookie).
    page.goto(f"{live_server}/subjects?pilot={PILOT}")
    href = page.get_attribute("#qr-sheet-link", "href")
    sheet = desk.request.get(f"{live_server}{href}")
    assert sheet.status == 200 and sheet.headers["content-type"] == "application/pdf"
    text = "".join(extract_text(io.BytesIO(sheet.body())).split())
    assert "扫码查信用" in text and f"/c/{merchant}" in text
    desk.close()

    # The public card on a phone, as a customer scanning the sticker would see it.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    card = phone.new_page()
    response = card.goto(f"{live_server}/c/{merchant}")
    assert response.status == 200
    assert card.inner_text("#card-name").strip()
    public_rep = card.inner_text("#card-legal-rep").strip()
    assert MASKED.match(public_rep) and public_rep != own_rep
    assert card.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    assert card.evaluate("document.querySelector('.qr img').naturalWidth") > 0  # QR SVG loaded
    _shoot(card, "public-card.png", full_page=True)
    assert card.goto(f"{live_server}/c/no-such-subject").status == 404
    phone.close()
