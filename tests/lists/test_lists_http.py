"""Lists through HTTP (API and console) on SQLite and PostgreSQL: who sees which memberships (the
disclosure policy), who decides, refusals that write nothing, the public card's list section."""

from __future__ import annotations

import pytest
from lists_world import build
from sqlalchemy import func, select

from helpers.http import OFFICIALS, app_client, bearer_headers
from xinyong.lists.models import ListCandidate, ListMembership
from xinyong.store.db import session_scope

D1 = "2026-07-15"


@pytest.fixture
def http(engine, db_url):
    build(engine)
    specs = {**OFFICIALS, "tax": dict(role="department", kinds=["tax_grade"])}
    headers = {None: {}} | bearer_headers(engine, specs)
    with app_client(db_url) as client:
        yield client, headers


def _count(engine, model) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_sync_and_who_sees_which_members(http):
    client, auth = http
    for list_id in ("red_honest", "focus_watch"):
        assert (
            client.post(
                f"/api/v1/lists/{list_id}/sync", params={"as_of": D1}, headers=auth["heping"]
            ).status_code
            == 403
        )
        r = client.post(f"/api/v1/lists/{list_id}/sync", params={"as_of": D1}, headers=auth["admin"])
        assert r.status_code == 200 and r.json()["entered"] == 1, r.text

    def members(list_id: str, who: str | None) -> list[str]:
        r = client.get(f"/api/v1/lists/{list_id}/members", params={"as_of": D1}, headers=auth[who])
        assert r.status_code == 200, r.text
        return [m["subject_id"] for m in r.json()]

    # red is public: everyone sees E1; focus (E5, 西青) is not: the city and banks only (no 西青 officer here)
    for who in (None, "heping", "hexi", "bank", "tax", "admin"):
        assert members("red_honest", who) == ["E1"], who
        assert members("focus_watch", who) == (["E5"] if who in ("admin", "bank") else []), who
    assert client.get("/api/v1/lists/nope/members").status_code == 404
    defs = client.get("/api/v1/lists").json()
    assert {d["id"] for d in defs} >= {"serious_dishonesty", "red_honest", "xiqing_xinyidai_whitelist"}
    # a person's list memberships: 404 exactly like an unknown id for the public
    assert (
        client.get("/api/v1/subjects/P1/lists").status_code
        == client.get("/api/v1/subjects/P9/lists").status_code
        == 404
    )
    subject = client.get("/api/v1/subjects/E1/lists", params={"as_of": D1}).json()
    assert [(m["list_id"], m["status"]) for m in subject] == [("red_honest", "active")]
    # the public card shows the public list; the console shows it to officers
    card = client.get("/c/E1", params={"as_of": D1})
    assert card.status_code == 200 and 'id="card-lists"' in card.text and "守信激励名单" in card.text
    assert 'id="card-lists"' not in client.get("/c/E5", params={"as_of": D1}).text  # focus list: not public


def test_manual_entry_and_exit_by_api(http, engine):
    client, auth = http
    url = "/api/v1/lists/serious_dishonesty/members"
    body = {"subject_id": "E2", "basis": "", "reason": "拒不履行", "start_on": D1}
    r = client.post(url, json=body, headers=auth["heping"])
    assert r.status_code == 422 and "legal basis" in r.json()["detail"]["en"] and r.json()["detail"]["zh"]
    r = client.post(
        url, json={**body, "basis": "津市监严失〔2026〕3号", "reason": ""}, headers=auth["heping"]
    )
    assert r.status_code == 422 and "reason" in r.json()["detail"]["en"]
    ok = {**body, "basis": "津市监严失〔2026〕3号"}
    assert (
        client.post(url, json={**ok, "subject_id": "E3"}, headers=auth["heping"]).status_code == 403
    )  # 河西's firm
    assert (
        client.post(url, json={**ok, "subject_id": "P1"}, headers=auth["hexi"]).status_code == 404
    )  # a 和平 person
    assert client.post(url, json=ok, headers=auth["bank"]).status_code == 403
    assert client.post(url, json=ok).status_code in (401, 403)
    assert _count(engine, ListMembership) == 0
    r = client.post(url, json=ok, headers=auth["heping"])
    assert r.status_code == 201, r.text
    m = r.json()
    assert (m["status"], m["planned_end_on"], m["via"]) == ("active", "2029-07-15", "manual")
    exit_url = f"/api/v1/lists/memberships/{m['id']}/exit"
    assert client.post(exit_url, json={"reason": "x"}, headers=auth["hexi"]).status_code == 404
    assert client.post(exit_url, json={"reason": ""}, headers=auth["heping"]).status_code == 422
    r = client.post(
        exit_url, json={"reason": "提前移出：已履行处罚义务", "exit_on": "2027-08-01"}, headers=auth["heping"]
    )
    assert r.status_code == 200 and r.json()["end_on"] == "2027-08-01" and r.json()["exit_kind"] == "decision"
    hist = client.get(
        "/api/v1/lists/serious_dishonesty/members", params={"history": "true", "as_of": "2027-09-01"}
    )
    assert [(h["subject_id"], h["status"]) for h in hist.json()] == [("E2", "exited")]


def test_review_queue_by_district(http, engine):
    client, auth = http
    assert (
        client.post(
            "/api/v1/lists/serious_dishonesty/sync", params={"as_of": D1}, headers=auth["admin"]
        ).json()["candidates"]
        == 1
    )
    assert client.get("/api/v1/lists/review", headers=auth["hexi"]).json() == []
    [c] = client.get("/api/v1/lists/review", headers=auth["heping"]).json()
    assert c["subject_id"] == "E4" and c["facts"]["records.penalty_serious_3y"] == 1
    url = f"/api/v1/lists/review/{c['id']}"
    assert (
        client.post(url, json={"decision": "accept", "reason": "x"}, headers=auth["hexi"]).status_code == 404
    )
    assert (
        client.post(url, json={"decision": "accept", "reason": " "}, headers=auth["heping"]).status_code
        == 422
    )
    assert _count(engine, ListMembership) == 0
    r = client.post(
        url, json={"decision": "accept", "reason": "已告知并听取陈述申辩"}, headers=auth["heping"]
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["membership_id"]
    assert (
        client.post(url, json={"decision": "reject", "reason": "x"}, headers=auth["heping"]).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/lists/review/999", json={"decision": "reject", "reason": "x"}, headers=auth["admin"]
        ).status_code
        == 404
    )


def test_console_pages(http, engine):
    client, auth = http
    html = {"Accept": "text/html"}
    for who, code in (("admin", 200), ("heping", 200), ("bank", 403), ("tax", 403)):
        assert client.get("/lists", headers={**html, **auth[who]}).status_code == code, who
    assert client.get("/lists", headers=html, follow_redirects=False).status_code in (302, 303, 307)
    r = client.post(
        "/lists/serious_dishonesty/sync", data={"as_of": D1}, headers=auth["admin"], follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get("/lists/review", headers={**html, **auth["heping"]})
    assert page.status_code == 200 and "主体E4" in page.text
    with session_scope(engine) as s:
        cid = s.scalar(select(ListCandidate.id))
    r = client.post(
        f"/lists/review/{cid}",
        data={"decision": "accept", "reason": ""},
        headers=auth["heping"],
        follow_redirects=False,
    )
    assert r.status_code == 303 and "error=" in r.headers["location"]
    r = client.post(
        f"/lists/review/{cid}",
        data={"decision": "accept", "reason": "依法列入"},
        headers=auth["heping"],
        follow_redirects=False,
    )
    assert r.status_code == 303 and "msg=" in r.headers["location"]
    detail = client.get("/lists/serious_dishonesty", headers={**html, **auth["heping"]})
    assert detail.status_code == 200 and "主体E4" in detail.text and 'id="history"' in detail.text
    r = client.post(
        "/lists/serious_dishonesty/enter",
        data={"subject_id": "E2", "basis": "", "reason": "r"},
        headers=auth["heping"],
        follow_redirects=False,
    )
    assert "error=" in r.headers["location"]
    assert _count(engine, ListMembership) == 1
    assert client.get("/lists/nope", headers={**html, **auth["admin"]}).status_code == 404
