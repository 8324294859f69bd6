"""The console sign-up button on /medical/me: a resident signs up with the form (CSRF required), is
redirected (303) to the page which then shows the line of their score band; a hospital login (not a
person) has no menu link and is refused the page and the sign-up (403); without the CSRF token
nothing is written."""

from __future__ import annotations

import dataclasses
import re

import pytest
from fastapi.testclient import TestClient
from medical_world import build
from sqlalchemy import func, select

from helpers.console import logged_in, menu
from xinyong import clock
from xinyong.accounts import service as accounts
from xinyong.disclosure.policy import Viewer
from xinyong.medical.models import MedicalLine
from xinyong.medical.score import person_score
from xinyong.settings import Settings
from xinyong.store.db import session_scope

PASSWORD = "pages-test-pass-1"

# The bands as docs/medical.md states them (score ≥ min → line in CNY), written out by hand.
BANDS_CNY = ((750, 3000), (700, 2000), (650, 1000), (600, 500))


def band_fen(score: int) -> int | None:
    for low, cny in BANDS_CNY:
        if score >= low:
            return cny * 100
    return None


@pytest.fixture
def app(engine, db_url):
    from xinyong.app import create_app

    w = build(engine)
    with session_scope(engine) as s:
        accounts.create_user(
            s, username="jumin", role="subject", subject_id=w["people"][0], password=PASSWORD
        )
        accounts.create_user(
            s, username="yiyuan", role="subject", subject_id=w["hospital"], password=PASSWORD
        )
    app = create_app(dataclasses.replace(Settings.from_env(), database_url=db_url, secret_key="t"))
    app.state.world = w
    return app


def login(app, username: str) -> TestClient:  # noqa: ANN001
    return logged_in(app, username, PASSWORD)


def lines(app) -> int:  # noqa: ANN001
    with session_scope(app.state.engine) as s:
        return s.scalar(select(func.count()).select_from(MedicalLine))


def test_resident_signs_up_with_the_button(app):
    pid = app.state.world["people"][0]
    c = login(app, "jumin")
    assert "/medical/me" in menu(c.get("/").text)
    page = c.get("/medical/me").text
    assert 'id="not-signed"' in page and 'action="/medical/me/signup"' in page
    assert c.post("/medical/me/signup", data={}, follow_redirects=False).status_code == 403  # no CSRF
    assert lines(app) == 0
    token = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)
    r = c.post("/medical/me/signup", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/medical/me?done=1"
    with session_scope(app.state.engine) as s:
        score = person_score(
            s, subject_id=pid, as_of=clock.today(), viewer=Viewer(role="subject", subject_id=pid)
        )
    expected = band_fen(score)
    assert expected is not None, f"the world's resident should be eligible (score {score})"
    page = c.get("/medical/me?done=1").text
    assert "签约成功" in page and 'action="/medical/me/signup"' not in page
    assert f"{expected / 100:.2f} 元" in page
    again = c.post("/medical/me/signup", data={"csrf_token": token}, follow_redirects=False)
    assert again.status_code == 303 and lines(app) == 1  # signing up again returns the same line


def test_a_hospital_login_is_refused_the_page_and_the_sign_up(app):
    c = login(app, "yiyuan")
    assert "/medical/me" not in menu(c.get("/").text)
    r = c.get("/medical/me")
    assert r.status_code == 403 and "东丽区居民" in r.text
    token = re.search(r'name="csrf_token" value="([^"]*)"', c.get("/account").text).group(1)
    r = c.post("/medical/me/signup", data={"csrf_token": token})
    assert r.status_code == 403
    assert lines(app) == 0


def test_bands_match_the_scheme():
    from xinyong.medical.service import line_for_score

    for score in (0, 599, 600, 649, 650, 699, 700, 749, 750, 1000):
        assert line_for_score(score) == band_fen(score), score


# ----------------------------------------------------------------------------------- repay form

CHARGED_FEN = 12_345  # one charge of 123.45 元 this month


@pytest.fixture
def owing(app):
    """The resident signed up and was charged 123.45 元 today (through the services)."""
    from xinyong.medical import service as medical

    pid, hospital = app.state.world["people"][0], app.state.world["hospital"]
    with session_scope(app.state.engine) as s:
        medical.sign_up(s, subject_id=pid, viewer=Viewer(role="subject", subject_id=pid), as_of=clock.today())
        medical.charge(
            s, hospital_id=hospital, patient_id=pid, amount_fen=CHARGED_FEN, idempotency_key="v1",
            charged_on=clock.today(),
        )  # fmt: skip
    return app


def outstanding(app) -> int:  # noqa: ANN001
    from xinyong.medical import service as medical

    with session_scope(app.state.engine) as s:
        sts = medical.statements(s, app.state.world["people"][0], clock.today())
        return sum(st.outstanding_fen for st in sts)


def repay_form(c: TestClient, amount: str) -> dict:
    page = c.get("/medical/me").text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    token = re.search(r'action="/medical/me/repay".*?name="csrf_token" value="([^"]*)"', page, re.S).group(1)
    return {"csrf_token": token, "idempotency_key": key, "amount_yuan": amount}


def test_resident_repays_with_the_form_and_a_double_submit_pays_once(owing):
    c = login(owing, "jumin")
    page = c.get("/medical/me").text
    assert 'action="/medical/me/repay"' in page and '<strong id="owed">123.45</strong>' in page
    form = repay_form(c, "23.45")
    assert c.post("/medical/me/repay", data={**form, "csrf_token": ""}).status_code == 403  # no CSRF
    assert outstanding(owing) == CHARGED_FEN
    r = c.post("/medical/me/repay", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/medical/me?repaid=1"
    assert outstanding(owing) == 10_000  # 12,345 − 2,345 fen
    after = c.get(r.headers["location"]).text
    assert "还款成功" in after and '<strong id="owed">100.00</strong>' in after
    again = c.post("/medical/me/repay", data=form, follow_redirects=False)
    assert again.headers["location"] == "/medical/me?repaid=replayed"
    assert outstanding(owing) == 10_000  # the same form token: paid once
    assert "未重复扣款" in c.get(again.headers["location"]).text
    # a fresh form pays the rest; then nothing is owed and the form is gone
    assert c.post("/medical/me/repay", data=repay_form(c, "100")).status_code == 200
    assert outstanding(owing) == 0 and 'action="/medical/me/repay"' not in c.get("/medical/me").text


@pytest.mark.parametrize(
    ("amount", "zh", "en"),
    [
        ("-1", "金额必须大于 0", "greater than 0"),
        ("0", "金额必须大于 0", "greater than 0"),
        ("1.234", "不足 1 分", "fraction of a fen"),
        ("123.46", "还款 123.46 元超过欠款 123.45 元", "exceeds the 123.45 yuan owed"),  # 1 fen over
        ("十元", "金额格式错误", "malformed amount"),
        ("", "金额格式错误", "malformed amount"),
    ],
)
def test_bad_repayments_are_refused_in_both_languages_and_nothing_changes(owing, amount, zh, en):
    c = login(owing, "jumin")
    r = c.post("/medical/me/repay", data=repay_form(c, amount))
    assert r.status_code == 422
    error = re.search(r'<p class="error" role="alert" id="error">(.*?)</p>', r.text, re.S).group(1)
    assert zh in error and en in error
    assert outstanding(owing) == CHARGED_FEN


def test_six_copies_of_one_repay_form_posted_at_once_pay_once(owing):
    """Six copies of one repay form posted at the same moment (a double click, a flaky network): one
    pays, the others are replays — never a 500, never a second payment (SQLite and PostgreSQL)."""
    from concurrent.futures import ThreadPoolExecutor

    c = login(owing, "jumin")
    form = repay_form(c, "23.45")

    def send(_: int) -> tuple[int, str]:
        r = c.post("/medical/me/repay", data=form, follow_redirects=False)
        return r.status_code, r.headers.get("location", "")

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(send, range(6)))
    assert all(code == 303 for code, _ in results), results
    assert sorted(loc for _, loc in results) == ["/medical/me?repaid=1"] + ["/medical/me?repaid=replayed"] * 5
    assert outstanding(owing) == CHARGED_FEN - 2345
