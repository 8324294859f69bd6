"""The points console pages: the committee's counter (its village, readable evidence, a number input,
bilingual quantity errors with nothing written, 303 after a redemption or decision), a villager's own
page, the menu per login, the public village ranking and 红桥's ranking page. Expected figures are
worked out by hand in the comments."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from points_world import build_village
from sqlalchemy import select
from test_hongqiao_points import _world as hongqiao_world

from helpers.console import csrf_token, logged_in, menu, seen_at_response_start
from xinyong.accounts import service as accounts
from xinyong.books import service as books
from xinyong.points import service as points
from xinyong.settings import Settings
from xinyong.store.db import session_scope

PASSWORD = "points-pages-pass-1"
MAY = dt.date(2026, 5, 4)


@pytest.fixture
def app(engine, db_url):
    from xinyong.app import create_app

    w = build_village(engine)
    zhang, li, wang, _zhao = w["people"]
    with session_scope(engine) as s:
        for username, subject, role in (
            ("cun_wei", w["village"], "subject"),
            ("zhang", zhang, "subject"),
            ("officer", None, "city_admin"),
        ):
            accounts.create_user(s, username=username, role=role, subject_id=subject, password=PASSWORD)
        points.restock(
            s, village_id=w["village"], sku="soap", quantity=5, actor="cun_wei", idempotency_key="r", on=MAY
        )
        # 张三丰 10 + 8 + 5 = 23; 王五 10; 李四 5 — all in May 2026
        for n, (who, item, ev) in enumerate(
            (
                (zhang, "honesty", {"description": "拾金不昧"}),
                (zhang, "filial_piety", {"description": "照顾老人"}),
                (zhang, "clean_home", {"photo": "IMG_1.jpg"}),
                (wang, "honesty", {"description": "归还钱包"}),
                (li, "volunteering", {"activity": "清扫街道", "sign_in": "第 2 页"}),
            )
        ):
            c = points.claim(
                s, villager_id=who, item_id=item, evidence=ev, claimed_on=MAY, idempotency_key=f"c{n}",
                submitted_by="t",
            )  # fmt: skip
            points.decide(s, claim_id=c.id, actor="cun_wei", approve=True, decided_on=MAY)
        pending = points.claim(
            s,
            villager_id=wang,
            item_id="volunteering",
            evidence={"activity": "敬老院探访", "sign_in": "签到表第 3 页"},
            claimed_on=MAY,
            idempotency_key="pending",
            submitted_by="t",
        )
        w["pending"] = pending.id
    app = create_app(dataclasses.replace(Settings.from_env(), database_url=db_url, secret_key="t"))
    app.state.world = w
    return app


def login(app, username: str | None) -> TestClient:  # noqa: ANN001
    return logged_in(app, username, PASSWORD)


def token(client: TestClient, path: str) -> str:
    return csrf_token(client.get(path).text)


def transactions(app) -> int:  # noqa: ANN001
    with session_scope(app.state.engine) as s:
        return books.check(s)["transactions"]


def balance(app, subject_id: str) -> int:  # noqa: ANN001
    with session_scope(app.state.engine) as s:
        return books.balance(s, points.villager_code(subject_id))


def test_counter_shows_village_readable_evidence_and_a_number_input(app):
    c = login(app, "cun_wei")
    page = c.get("/points/counter")
    assert page.status_code == 200
    assert "宝坻区大口屯镇试点村" in re.search(r'<p id="village">(.*?)</p>', page.text, re.S).group(1)
    assert "活动名称：敬老院探访；签到记录：签到表第 3 页" in page.text
    assert "sign_in=" not in page.text
    assert re.search(r'<input name="quantity" type="number" min="1" step="1"', page.text)
    shown = menu(c.get("/").text)
    assert "/points/counter" in shown and "/points/me" not in shown and "/medical/me" not in shown
    assert "/my/score" not in shown and "/points/ranking" in shown and "/points/hongqiao" in shown


@pytest.mark.parametrize(
    "quantity", ["0", "-1", "1.5", "两", "²"]
)  # "²".isdigit() but int("²") fails: was a 500
def test_bad_quantity_is_refused_in_both_languages_and_nothing_written(app, quantity):
    zhang = app.state.world["people"][0]
    c = login(app, "cun_wei")
    before = transactions(app)
    r = c.post(
        "/points/counter/redeem",
        data={"csrf_token": token(c, "/points/counter"), "villager_id": zhang, "sku": "soap",
              "quantity": quantity, "idempotency_key": "bad"},
    )  # fmt: skip
    assert r.status_code == 422
    error = re.search(r'<p class="error" role="alert" id="error">(.*?)</p>', r.text, re.S).group(1)
    assert "数量" in error and "quantity" in error and "金额" not in error
    assert transactions(app) == before and balance(app, zhang) == 23


def test_redeem_and_decide_redirect_back_with_the_result(app):
    zhang = app.state.world["people"][0]
    c = login(app, "cun_wei")
    form = {"csrf_token": token(c, "/points/counter"), "villager_id": zhang, "sku": "soap", "quantity": "1",
            "idempotency_key": "k1"}  # fmt: skip
    r = c.post("/points/counter/redeem", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/points/counter?redeemed=1"
    assert "兑换成功" in c.get(r.headers["location"]).text
    assert balance(app, zhang) == 3  # 23 − one soap (20)
    again = c.post("/points/counter/redeem", data=form, follow_redirects=False)
    assert again.headers["location"] == "/points/counter?redeemed=replayed" and balance(app, zhang) == 3
    assert "未重复扣分" in c.get(again.headers["location"]).text
    cid = app.state.world["pending"]
    r = c.post(
        "/points/counter/decide",
        data={"csrf_token": form["csrf_token"], "claim_id": cid, "approve": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/points/counter?claim={cid}&decision=approved"
    assert f"申报 {cid} 已批准" in c.get(r.headers["location"]).text


def test_a_decision_is_committed_before_its_redirect_leaves(app, engine):
    """The browser follows a 303 at once: the page it loads must already show the decision. A commit
    made after the response is sent (FastAPI's default for dependencies with yield) failed this, and
    the phone counter test saw the approved claim still queued."""
    from xinyong.points.models import PointsDecision

    cid = app.state.world["pending"]

    def decided() -> bool:
        with session_scope(engine) as s:  # a connection of its own, like the browser's next request
            return s.scalar(select(PointsDecision.claim_id).where(PointsDecision.claim_id == cid)) is not None

    seen = seen_at_response_start(app, "/points/counter/decide", decided)
    c = login(app, "cun_wei")
    form = {"csrf_token": token(c, "/points/counter"), "claim_id": cid, "approve": "1"}
    r = c.post("/points/counter/decide", data=form, follow_redirects=False)
    assert r.status_code == 303 and seen == [True]
    assert f'data-claim="{cid}"' not in c.get(r.headers["location"]).text


def test_villager_sees_own_points_and_the_menu_fits(app):
    c = login(app, "zhang")
    shown = menu(c.get("/").text)
    assert "/points/me" in shown and "/my/score" in shown
    assert "/points/counter" not in shown and "/medical/me" not in shown  # a 宝坻 villager, not 东丽
    page = c.get("/points/me")
    assert page.status_code == 200 and '<strong id="balance">23</strong>' in page.text
    assert "宝坻区大口屯镇试点村" in page.text
    # the menu's label, plain text (no markup leaked into <title>; not the personal score's 我的信用积分)
    assert re.search(r"<title>\s*我的积分 My points · xinyong\s*</title>", page.text)
    assert c.get("/points/counter").status_code == 403
    assert login(app, "cun_wei").get("/points/me").status_code == 403  # a village login is no villager


def test_public_monthly_ranking_page(app):
    w = app.state.world
    anonymous = login(app, None)
    page = anonymous.get(f"/points/ranking?village={w['village']}&month=2026-05")
    assert page.status_code == 200
    rows = re.findall(
        r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td><td class=\"num\">(-?\d+)</td></tr>", page.text
    )
    assert rows == [("1", "张*丰", "23"), ("2", "王*", "10"), ("3", "李*", "5")]
    assert "张三丰" not in page.text
    # a committee member lands on their own village by default
    own = login(app, "cun_wei").get("/points/ranking?month=2026-05").text
    assert f'<option value="{w["village"]}" selected>' in own
    assert anonymous.get(f"/points/ranking?village={w['village']}&month=2026-13").status_code == 422
    assert anonymous.get("/points/ranking?village=NO-SUCH&month=2026-05").status_code == 404


def test_hongqiao_page_shows_ranking_and_subsidy_result(app, engine):
    ids, _ = hongqiao_world(engine, list("AABCD"))  # top_n = ⌊5 × 20 %⌋ = 1; the two A firms tie at 40
    page = login(app, None).get("/points/hongqiao?period=2026-H1")
    assert page.status_code == 200
    assert re.search(r'id="top-n">1<', page.text) and re.search(r'id="subsidised">2<', page.text)
    assert page.text.count('class="subsidised"') == 2
    ranks = re.findall(r'<td class="num">(\d+)</td><td>正融科技', page.text)
    assert ranks == ["1", "1", "3", "4", "5"]
    # hongqiao_zhengrong.yaml: 100000 fen and 30000 fen, shown to the fen (a 10.50 元 subsidy once read 10 元)
    assert "水电通信补贴 1000.00 元，停车补贴 300.00 元" in page.text
    assert login(app, None).get("/points/hongqiao?period=2026-Q1").status_code == 422


def claims(app) -> list[tuple]:  # noqa: ANN001
    """Every claim stored, with whether it was decided."""
    from xinyong.points.models import PointsClaim, PointsDecision

    with session_scope(app.state.engine) as s:
        decided = set(s.scalars(select(PointsDecision.claim_id)))
        return [
            (c.id, c.villager_id, c.item_id, c.points, c.evidence, c.submitted_by, c.id in decided)
            for c in s.scalars(select(PointsClaim).order_by(PointsClaim.id))
        ]


def test_villager_files_a_claim_with_the_form_and_the_committee_sees_it(app):
    zhang = app.state.world["people"][0]
    c = login(app, "zhang")
    page = c.get("/points/me").text
    assert 'action="/points/me/claim"' in page
    # the scheme's items that earn points are offered (诚实守信 +10, needs 事迹说明); the deduction is not
    assert re.search(r'<option value="honesty">诚实守信 · \+10 分（需 事迹说明）</option>', page)
    assert 'value="littering"' not in page
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    form = {"csrf_token": csrf_token(page, "/points/me/claim"), "idempotency_key": key, "item_id": "honesty",
            "evidence_description": " 扶老人过马路 ", "evidence_photo": ""}  # fmt: skip
    before = claims(app)
    assert c.post("/points/me/claim", data={**form, "csrf_token": ""}).status_code == 403  # no CSRF
    assert claims(app) == before
    r = c.post("/points/me/claim", data=form, follow_redirects=False)
    assert r.status_code == 303
    after = claims(app)
    assert len(after) == len(before) + 1
    cid, who, item, pts, evidence, by, decided = after[-1]
    assert (who, item, pts, evidence, by, decided) == (
        zhang, "honesty", 10, {"description": "扶老人过马路"}, "zhang", False
    )  # fmt: skip
    assert r.headers["location"] == f"/points/me?claim={cid}"
    mine = c.get(r.headers["location"]).text
    assert "待村委会审批" in mine and re.search(r'<ul id="pending"><li>诚实守信 \+10 分', mine)
    assert '<strong id="balance">23</strong>' in mine  # pending: not yet counted
    # a double submit of the same form is the same claim
    assert (
        c.post("/points/me/claim", data=form, follow_redirects=False).headers["location"]
        == r.headers["location"]
    )
    assert claims(app) == after
    queue = login(app, "cun_wei").get("/points/counter").text
    assert f'data-claim="{cid}"' in queue and "事迹说明：扶老人过马路" in queue


@pytest.mark.parametrize(
    ("item", "evidence", "zh", "en"),
    [
        ("fishing", {"evidence_description": "钓鱼"}, "积分事项不存在", "no such item"),
        ("honesty", {"evidence_description": "   "}, "缺少证明材料", "evidence missing: description"),
        ("volunteering", {"evidence_activity": "清扫街道"}, "缺少证明材料", "evidence missing: sign_in"),
        ("honesty", {"evidence_description": "长" * 501}, "证明材料过长", "evidence too long"),
    ],
)
def test_bad_claims_are_refused_in_both_languages_and_nothing_stored(app, item, evidence, zh, en):
    c = login(app, "zhang")
    page = c.get("/points/me").text
    before = claims(app)
    r = c.post(
        "/points/me/claim",
        data={"csrf_token": csrf_token(page, "/points/me/claim"), "idempotency_key": "k-bad", "item_id": item,
              **evidence},
    )  # fmt: skip
    assert r.status_code == 422
    error = re.search(r'<p class="error" role="alert" id="error">(.*?)</p>', r.text, re.S).group(1)
    assert zh in error and en in error
    assert claims(app) == before


def test_ranking_defaults_to_the_latest_month_with_points(app, monkeypatch):
    """In July 2026 the village's only points are May's: without ?month= the page shows May's ranking
    and says the current month has none yet (not an empty July table); ?month=2026-07 stays empty."""
    from xinyong import clock

    monkeypatch.setattr(clock, "today", lambda at=None, tz=None: dt.date(2026, 7, 10))
    w = app.state.world
    anonymous = login(app, None)
    page = anonymous.get(f"/points/ranking?village={w['village']}")
    assert page.status_code == 200
    rows = re.findall(
        r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td><td class=\"num\">(-?\d+)</td></tr>", page.text
    )
    assert rows == [("1", "张*丰", "23"), ("2", "王*", "10"), ("3", "李*", "5")]
    assert "本月（2026-07）暂无排名，最近一期：" in page.text and 'value="2026-05"' in page.text
    asked = anonymous.get(f"/points/ranking?village={w['village']}&month=2026-07").text
    assert "本月暂无积分" in asked and 'id="latest-month"' not in asked
    # in May itself the current month has a ranking: no note
    monkeypatch.setattr(clock, "today", lambda at=None, tz=None: dt.date(2026, 5, 20))
    may = anonymous.get(f"/points/ranking?village={w['village']}").text
    assert 'id="latest-month"' not in may and "张*丰" in may
