"""Console and public pages of draws and supervision through HTTP (SQLite; tenancy/ covers both stores)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from draw_world import build_world
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from helpers.console import csrf_token, logged_in
from xinyong import clock
from xinyong.accounts.service import create_user
from xinyong.settings import Settings

PASSWORD = "correct-horse-42"


@pytest.fixture
def app(sqlite_engine, sqlite_url, tmp_path):
    from xinyong.app import create_app

    world = build_world(sqlite_engine, tmp_path)
    with Session(sqlite_engine) as s, s.begin():
        create_user(
            s, username="hp-officer", role="district_officer", password=PASSWORD, district_code="120101"
        )
        create_user(
            s, username="hx-officer", role="district_officer", password=PASSWORD, district_code="120103"
        )
    app = create_app(dataclasses.replace(Settings.from_env(), database_url=sqlite_url))
    app.state.world = world
    return app


def login(app, username: str | None) -> TestClient:
    return logged_in(app, username, PASSWORD, raise_server_exceptions=True)


def token(client: TestClient, path: str) -> str:
    return csrf_token(client.get(path).text)


def test_officer_runs_a_draw_and_the_public_sees_it_masked(app):
    hp = login(app, "hp-officer")
    t = token(hp, "/draws")
    r = hp.post(
        "/draws/plans",
        data={
            "csrf_token": t,
            "plan_id": "hp-web",
            "name": "网页计划",
            "department": "和平区市场监管局",
            "items": "明码标价",
            "scheme_id": "heping_mall",
            "inspectors_per_target": "2",
            "ratios": "good=1000",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    bad = hp.post(
        "/draws/plans",
        data={
            "csrf_token": t,
            "plan_id": "hp-web",
            "name": "x",
            "department": "和平区市场监管局",
            "items": "i",
            "scheme_id": "heping_mall",
        },
    )
    assert bad.status_code == 422 and "已存在" in bad.text
    # the department is a choice of those with inspectors; another one is refused, nothing saved
    index = hp.get("/draws").text
    options = re.findall(
        r'<option value="([^"]*)"', index[index.index('id="plan-department"') :].split("</select>")[0]
    )
    assert options == ["和平区市场监管局"]  # the world's six inspectors are all of this department
    nobody = hp.post(
        "/draws/plans",
        data={
            "csrf_token": t,
            "plan_id": "hp-nobody",
            "name": "x",
            "department": "和平区文化和旅游局",
            "items": "i",
            "scheme_id": "heping_mall",
        },
    )
    assert nobody.status_code == 422 and "和平区文化和旅游局 没有检查人员" in nobody.text
    assert "hp-nobody" not in hp.get("/draws").text
    r = hp.post(
        "/draws/plans/hp-web/commit", data={"csrf_token": t, "as_of": "2026-10-31"}, follow_redirects=False
    )
    assert r.status_code == 303
    path = r.headers["location"]
    draw_id = path.rsplit("/", 1)[1]
    page = hp.get(path)
    assert 'id="commitment"' in page.text and 'id="secret"' not in page.text
    public = TestClient(app).get(f"/p/draws/{draw_id}")
    assert public.status_code == 200 and 'id="secret"' not in public.text
    r = hp.post(f"{path}/run", data={"csrf_token": t, "outside_value": "体彩 26123"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == path
    again = hp.post(f"{path}/run", data={"csrf_token": t}, follow_redirects=False)  # already run
    assert again.status_code == 303 and again.headers["location"].startswith(f"{path}?error=")
    assert "该抽查已执行" in hp.get(again.headers["location"]).text
    page = hp.get(path)
    # tiers in Chinese, by the scheme's names: the plan's only sampled tier is good = 信用良好（A/B）
    assert "信用良好（A/B）" in page.text and "<td>good</td>" not in page.text
    targets = re.findall(r'<tr id="t-([^"]+)">', page.text)
    assert len(targets) == 4  # ceil(40 × 10 %)
    assert "检查员" in page.text  # officers see inspector names
    r = hp.post(
        f"{path}/results",
        data={
            "csrf_token": t,
            "subject_id": targets[0],
            "result": "failed",
            "inspection_date": clock.today().isoformat(),
            "findings": "未明码标价",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    public = TestClient(app).get(f"/p/draws/{draw_id}")
    assert "体彩 26123" in public.text and 'id="secret"' in public.text
    assert "不合格" in public.text and "未明码标价" in public.text
    assert not re.search(r"检查员\d", public.text)  # inspector names are personal data: masked
    # outsiders find the draw: /public links the public listing, which links the result page
    anon = TestClient(app)
    assert 'href="/p/draws"' in anon.get("/public").text
    listing = anon.get("/p/draws")
    assert listing.status_code == 200 and f'href="/p/draws/{draw_id}"' in listing.text
    row = listing.text[listing.text.index(f'data-draw="{draw_id}"') :].split("</tr>")[0]
    assert "和平区市场监管局" in row and "已抽取" in row and "明码标价" in row
    assert not re.search(r"检查员\d", listing.text) and "体彩 26123" not in listing.text
    assert doc_secret_absent(listing.text, app, draw_id)
    doc = TestClient(app).get(f"/p/draws/{draw_id}/document.json").json()
    assert doc["status"] == "drawn" and len(doc["targets"]) == 4
    assert TestClient(app).get(f"/api/v1/draws/{draw_id}/replay").json()["ok"] is True
    # another district's officer: not found, and cannot run or enter results
    hx = login(app, "hx-officer")
    assert hx.get(path).status_code == 404
    t2 = token(hx, "/draws")
    assert (
        hx.post(
            f"{path}/results", data={"csrf_token": t2, "subject_id": targets[1], "result": "passed"}
        ).status_code
        == 404
    )
    assert draw_id not in hx.get("/draws").text
    assert TestClient(app).get("/draws", follow_redirects=False).status_code == 303  # anonymous → login


def doc_secret_absent(text: str, app, draw_id: str) -> bool:
    """The listing shows no secret, seed or pool, nor any target's name: only what the result page shows."""
    doc = TestClient(app).get(f"/p/draws/{draw_id}/document.json").json()
    secrets = [doc.get("secret"), doc.get("seed"), doc.get("pool_digest")]
    return all(x and x not in text for x in secrets) and not any(
        t["subject_id"] in text for t in doc["targets"]
    )


def test_public_listing_newest_first_and_committed_draws_show_no_secret(app):
    import datetime as dt

    from draw_world import AS_OF, DEPT, NOW

    from xinyong.draws import service

    engine = app.state.world.engine
    ids = []
    with Session(engine) as s, s.begin():
        service.create_plan(
            s,
            plan_id="hp-list",
            district_code="120101",
            department=DEPT,
            name="清单计划",
            items="亮照经营",
            scheme_id="heping_mall",
            inspectors_per_target=2,
            actor="t",
            now=NOW,
        )
        for hours in (0, 5, 2):  # committed out of order: the listing sorts by commit time
            at = NOW + dt.timedelta(hours=hours)
            ids.append((at, service.commit_draw(s, plan_id="hp-list", as_of=AS_OF, actor="t", now=at).id))
    listing = TestClient(app).get("/p/draws").text
    rows = re.findall(r'data-draw="([^"]+)"', listing)
    assert rows == [i for _, i in sorted(ids, reverse=True)]
    assert listing.count("已公布承诺，待抽取") == 3 and "亮照经营" in listing
    with Session(engine) as s:
        secrets = [service.get_draw(s, i).secret for _, i in ids]
    assert not any(x in listing for x in secrets)  # the seed is revealed only by the draw


def test_scheme_editor_and_rule_tester(app):
    hp = login(app, "hp-officer")
    page = hp.get("/supervision/heping_mall")
    assert page.status_code == 200
    text = re.search(r'<textarea name="text" id="scheme-text"[^>]*>(.*?)</textarea>', page.text, re.S).group(
        1
    )
    import html

    text = html.unescape(text)
    t = token(hp, "/supervision/heping_mall")
    merchant = app.state.world.ids[5]
    r = hp.post(
        "/supervision/heping_mall/test",
        data={"csrf_token": t, "text": text, "subject_id": merchant, "as_of": "2026-10-31"},
    )
    assert (
        r.status_code == 200 and "信用良好（A/B）" in r.text and "pilots" in r.text
    )  # the fact the rule read
    lowered = text.replace("grades: [A, B]", "grades: [A]")
    r = hp.post(
        "/supervision/heping_mall/test",
        data={"csrf_token": t, "text": lowered, "subject_id": merchant, "as_of": "2026-10-31"},
    )
    result = r.text[r.text.index('id="tester-result"') :]
    assert "<strong>未评价</strong>" in result  # B now falls through to the catch-all tier
    r = hp.post(
        "/supervision/heping_mall",
        data={"csrf_token": t, "text": text.replace("ratio_bp: 200", "ratio_bp: x"), "reason": "r"},
    )
    assert r.status_code == 422 and "ratio_bp" in r.text
    r = hp.post(
        "/supervision/heping_mall",
        data={"csrf_token": t, "text": lowered, "reason": "2026 调整"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "2026 调整" in hp.get("/supervision/heping_mall").text
    hx = login(app, "hx-officer")
    assert hx.get("/supervision/heping_mall").status_code == 404
