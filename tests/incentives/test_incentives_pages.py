"""Console pages: benefits with reasons for the subject/officer only, the public card's benefits, the
person's own score page with grants (form with CSRF), the scenario list."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpers.http import app_client
from helpers.world import add_record, add_subject, bearer
from xinyong.incentives.models import ScoreGrant


@pytest.fixture
def http(sqlite_engine, sqlite_url):

    auth = {}
    with Session(sqlite_engine) as s, s.begin():
        add_subject(s, "H1", district="120105", pilot="hebei_italian_style_town")
        add_record(s, "p1", "H1", "penalty", dt.date(2025, 3, 1), severity="serious")
        add_subject(s, "P1", kind="person", district="120118")
        add_subject(s, "E0", district="120103")  # no pilot, no records: nothing refused
        auth["hebei"] = bearer(s, "hebei", "district_officer", district_code="120105")
        auth["hexi"] = bearer(s, "hexi", "district_officer", district_code="120103")
        auth["person"] = bearer(s, "person1", "subject", subject_id="P1")
        bearer(s, "bankuser", "bank")
    with app_client(sqlite_url) as client:
        yield client, auth


def test_benefit_pages(http):
    client, auth = http
    officer = client.get("/benefits/H1", params={"as_of": "2025-06-01"}, headers=auth["hebei"])
    assert officer.status_code == 200 and 'id="refused"' in officer.text and "可申请信用修复" in officer.text
    assert "Benefits · 测试H1 ·" in officer.text  # the subject's name, not its id
    other = client.get("/benefits/H1", params={"as_of": "2025-06-01"}, headers=auth["hexi"])
    assert other.status_code == 200 and 'id="refused"' not in other.text
    public = client.get("/c/H1/benefits")
    assert public.status_code == 200 and 'id="refused"' not in public.text
    assert client.get("/c/P1/benefits").status_code == 404
    # nothing refused: the section says so instead of standing empty under its heading
    assert 'id="none-refused"' not in officer.text
    clean = client.get("/benefits/E0", params={"as_of": "2025-06-01"}, headers=auth["hexi"])
    assert clean.status_code == 200
    refused = clean.text.split('id="refused"')[1].split("</section>")[0]
    assert "<article" not in refused and "无：适用的场景均已满足" in refused
    assert client.get("/scenarios", headers=auth["hebei"]).status_code == 200


def test_my_score_page_and_grant_form(http, sqlite_engine):
    client, auth = http
    page = client.get("/my/score", headers=auth["person"])
    assert page.status_code == 200 and "685" in page.text and 'id="raise"' in page.text
    r = client.post(
        "/my/score/grants",
        data={"grantee": "bankuser", "purpose": "信用就医", "days": "10"},
        headers=auth["person"],
        follow_redirects=False,
    )
    assert r.status_code == 303
    bad = client.post("/my/score/grants", data={"grantee": "nobody", "purpose": "x"}, headers=auth["person"])
    assert bad.status_code == 404 and "nobody" in bad.text
    with Session(sqlite_engine) as s:
        grants = s.scalars(select(ScoreGrant)).all()
        assert [g.purpose for g in grants] == ["信用就医"]
    # the expiry in Beijing time (UTC+8, no daylight saving) to the minute, not the stored UTC ISO text
    page = client.get("/my/score", headers=auth["person"])
    beijing = (grants[0].expires_at + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert beijing in page.text and grants[0].expires_at.isoformat() not in page.text
    assert client.get("/my/score", headers=auth["hebei"]).status_code == 403
