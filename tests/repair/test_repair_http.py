"""The repair API on SQLite and PostgreSQL: who may apply, see and decide; refusals as 422 with what is
missing or the repairable date; approval hides the record from the public. "Today" is pinned to
2026-10-12 (a Monday) so the working-day deadlines are fixed."""

from __future__ import annotations

import datetime as dt

import pytest
from repair_world import add_record, add_subject

from helpers.http import app_client, bearer_headers
from xinyong import clock
from xinyong.store.db import session_scope

TODAY = dt.date(2026, 10, 12)
FILES = {
    "correction": ("report.txt", b"rectified", "text/plain"),
    "obligations": ("receipt.txt", b"paid", "text/plain"),
}


@pytest.fixture
def http(engine, db_url, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda *a, **k: TODAY)
    add_subject(engine, "S1", "120116")
    add_subject(engine, "S2", "120103")
    add_record(engine, "OLD", occurred=dt.date(2026, 6, 1))  # repairable from 2026-09-02
    add_record(engine, "NEW", occurred=dt.date(2026, 9, 1))  # repairable from 2026-12-02
    add_record(engine, "HX", occurred=dt.date(2026, 1, 5), subject_id="S2")
    specs = {
        "firm": dict(role="subject", subject_id="S1"),
        "other": dict(role="subject", subject_id="S2"),
        "binhai": dict(role="district_officer", district_code="120116"),
        "hexi": dict(role="district_officer", district_code="120103"),
        "bank": dict(role="bank"),
    }
    headers = bearer_headers(engine, specs)
    with app_client(db_url) as client:
        yield client, headers


def test_repair_over_the_api(http):
    client, auth = http
    r = client.get("/api/v1/subjects/S1/repair", headers=auth["firm"])
    rows = {x["record_id"]: x for x in r.json()["records"]}
    assert rows["OLD"]["repairable"] and rows["NEW"]["first_repairable_on"] == "2026-12-02"
    assert client.get("/api/v1/subjects/S1/repair", headers=auth["other"]).status_code == 404
    assert client.get("/api/v1/subjects/S1/repair", headers=auth["hexi"]).status_code == 404
    assert client.get("/api/v1/subjects/S1/repair", headers=auth["bank"]).status_code == 403

    r = client.post(
        "/api/v1/repair/applications", data={"record_id": "NEW", "statement": "x"}, headers=auth["firm"]
    )
    assert r.status_code == 422 and r.json()["detail"]["repairable_from"] == "2026-12-02"
    r = client.post(
        "/api/v1/repair/applications",
        data={"record_id": "OLD", "statement": "已整改"},
        files={"correction": FILES["correction"]},
        headers=auth["firm"],
    )
    assert r.status_code == 422
    assert [m.split("：")[0] for m in r.json()["detail"]["missing"]] == ["obligations", "commitment"]
    # another subject's record: 404 like an unknown id
    r = client.post("/api/v1/repair/applications", data={"record_id": "HX"}, headers=auth["firm"])
    assert r.status_code == 404
    r = client.post(
        "/api/v1/repair/applications",
        data={"record_id": "OLD", "statement": "已整改", "accept_commitment": "true"},
        files=FILES,
        headers=auth["firm"],
    )
    assert r.status_code == 201, r.text
    case = r.json()
    # 滨海: 5 working days after Mon 2026-10-12 → 13, 14, 15, 16, 19
    assert case["due_on"] == "2026-10-19" and case["state"] == "submitted"

    url = f"/api/v1/repair/applications/{case['id']}/decision"
    body = {"decision": "approved", "reason": "材料齐全"}
    assert client.post(url, json=body, headers=auth["hexi"]).status_code == 404
    assert client.post(url, json=body, headers=auth["firm"]).status_code == 403
    queue = client.get("/api/v1/repair/applications", params={"open": "true"}, headers=auth["binhai"]).json()
    assert [c["id"] for c in queue] == [case["id"]]
    assert client.get("/api/v1/repair/applications", headers=auth["hexi"]).json() == []
    r = client.post(url, json=body, headers=auth["binhai"])
    assert r.status_code == 200 and r.json()["state"] == "approved"
    public = client.get("/api/v1/records/OLD/status")
    assert public.status_code == 404  # repaired: gone from the public
    mine = client.get("/api/v1/subjects/S1/repair", headers=auth["firm"]).json()
    assert {x["record_id"]: x["status"] for x in mine["records"]}["OLD"] == "repaired"
    assert client.get("/api/v1/repair/median", headers=auth["binhai"]).json() == {
        "120116": {"median_workdays": 0, "decided": 1}
    }


def test_objection_over_the_api(http):
    client, auth = http
    r = client.post(
        "/api/v1/objections", json={"record_id": "NEW", "statement": "不是本单位"}, headers=auth["firm"]
    )
    assert r.status_code == 201 and r.json()["state"] == "verifying"
    status = client.get("/api/v1/records/NEW/status").json()
    assert status["status"] == "objection" and status["status_zh"] == "异议中"
    r = client.post(
        f"/api/v1/repair/applications/{r.json()['id']}/decision",
        json={"decision": "revoked", "reason": "核实有误"},
        headers=auth["binhai"],
    )
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    assert (
        client.get(
            "/api/v1/repair/when",
            params={"severity": "general", "decided": "2026-11-30", "as_of": "2026-12-01"},
        ).json()["min_period_end"]
        == "2027-02-28"
    )


def _logged(engine, subject_id: str) -> list[str]:  # noqa: ANN001
    from sqlalchemy import select

    from xinyong.accounts.models import AccessLog

    with session_scope(engine) as s:
        return list(s.scalars(select(AccessLog.surface).where(AccessLog.subject_id == subject_id)))


def test_review_pages_link_evidence_and_speak_chinese(http, engine):
    """Officers open the evidence from the review queue; only who may decide the case and the applicant may
    download it (others: the 404 of an unknown id). Severity reads 一般 (general), evidence by its name."""
    client, auth = http
    r = client.post(
        "/api/v1/repair/applications",
        data={"record_id": "OLD", "statement": "已整改", "accept_commitment": "true"},
        files=FILES,
        headers=auth["firm"],
    )
    assert r.status_code == 201, r.text
    evidence = {e["filename"]: e["id"] for e in r.json()["evidence"]}
    report = evidence["report.txt"]

    page = client.get("/repair/review", headers=auth["binhai"])
    assert page.status_code == 200
    assert f'href="/repair/evidence/{report}"' in page.text
    assert f'href="/repair/evidence/{evidence["receipt.txt"]}"' in page.text
    assert "已纠正失信行为的证明" in page.text  # the evidence's name in process.yaml
    assert '<span class="severity">一般 <small>general</small>' in page.text
    mine = client.get("/repair", headers=auth["firm"])
    assert mine.status_code == 200 and "<td>一般 <small>general</small></td>" in mine.text
    assert f"/repair/evidence/{report}" in mine.text

    for who, logged in (
        ("binhai", ["page:repair-evidence"]),
        ("firm", []),
    ):  # the deciding office; the applicant
        before = _logged(engine, "S1")
        got = client.get(f"/repair/evidence/{report}", headers=auth[who])
        assert got.status_code == 200 and got.content == FILES["correction"][1]
        assert got.headers["content-disposition"].startswith("attachment")
        assert got.headers["content-type"].startswith("text/plain")
        assert _logged(engine, "S1")[len(before) :] == logged  # an officer's read is in the access log
    unknown = client.get("/repair/evidence/999999", headers=auth["binhai"])
    assert unknown.status_code == 404
    for who in ("hexi", "other", "bank"):  # another district, another subject, a bank: like an unknown id
        got = client.get(f"/repair/evidence/{report}", headers=auth[who])
        assert got.status_code == 404, who
        assert FILES["correction"][1] not in got.content
    assert client.get(f"/repair/evidence/{report}", follow_redirects=False).status_code in (302, 303, 307)
