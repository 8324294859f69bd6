"""HTTP: who sees benefits and their reasons, benefit-use recording, the person's score and grants."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpers.http import app_client
from helpers.world import add_record, add_subject, bearer
from xinyong.accounts.models import AccessLog

AS_OF = "2025-06-01"


@pytest.fixture
def http(engine, db_url):

    auth = {}
    with Session(engine) as s, s.begin():
        add_subject(s, "H1", district="120105", pilot="hebei_italian_style_town")
        add_record(s, "p1", "H1", "penalty", dt.date(2025, 3, 1), severity="general")
        add_subject(s, "P1", kind="person", district="120118")
        auth["admin"] = bearer(s, "admin", "city_admin")
        auth["hebei"] = bearer(s, "hebei", "district_officer", district_code="120105")
        auth["hexi"] = bearer(s, "hexi", "district_officer", district_code="120103")
        auth["dept"] = bearer(s, "dept", "department", kinds=["licence"])
        auth["bank"] = bearer(s, "bank", "bank")
        auth["firm"] = bearer(s, "firm", "subject", subject_id="H1")
        auth["me"] = bearer(s, "me_person", "subject", subject_id="P1")
    with app_client(db_url) as client:
        yield client, auth


def test_benefits_reasons_only_for_the_subject_and_officers(http):
    client, auth = http
    url = "/api/v1/subjects/H1/benefits"
    for who in ("admin", "hebei", "firm"):
        r = client.get(url, params={"as_of": AS_OF}, headers=auth[who])
        assert r.status_code == 200 and "refused" in r.json(), who
    for who in (None, "hexi", "bank", "dept"):
        r = client.get(url, params={"as_of": AS_OF}, headers=auth.get(who, {}))
        assert r.status_code == 200 and "refused" not in r.json(), who
    # a person is personal data: unknown to everyone but the city, its district and itself
    for who in (None, "hexi", "bank", "firm"):
        r = client.get("/api/v1/subjects/P1/benefits", headers=auth.get(who, {}))
        unknown = client.get("/api/v1/subjects/NOPE/benefits", headers=auth.get(who, {}))
        assert r.status_code == unknown.status_code == 404, who


def test_benefit_use_recording_roles(http):
    client, auth = http
    body = {"scenario_id": "hebei_tolerant_acceptance", "subject_id": "H1", "idempotency_key": "k1"}
    assert client.post("/api/v1/benefit-uses", json=body, headers=auth["bank"]).status_code == 403
    assert client.post("/api/v1/benefit-uses", json=body, headers=auth["hexi"]).status_code == 403
    r = client.post("/api/v1/benefit-uses", json={**body, "scenario_id": "nope"}, headers=auth["hebei"])
    assert r.status_code == 422 and "unknown scenario" in r.json()["detail"]["en"]
    r = client.post("/api/v1/benefit-uses", json=body, headers=auth["hebei"])
    assert r.status_code == 201 and r.json()["actor"].startswith("hebei")
    again = client.post("/api/v1/benefit-uses", json=body, headers=auth["dept"])
    assert again.json()["id"] == r.json()["id"]
    stats = client.get("/api/v1/benefit-uses/stats", headers=auth["hebei"]).json()
    assert stats["districts"]["120105"]["users_served"] == 1
    assert client.get("/api/v1/benefit-uses/stats", headers=auth["bank"]).status_code == 403
    assert len(client.get("/api/v1/benefit-uses", headers=auth["hexi"]).json()) == 0
    assert client.get("/api/v1/scenarios").status_code == 200
    assert client.get("/api/v1/scenarios/nope").status_code == 404


def test_person_score_self_grant_and_log(http, engine):
    client, auth = http
    url = "/api/v1/persons/P1/score"
    mine = client.get(url, params={"as_of": AS_OF}, headers=auth["me"])
    assert mine.status_code == 200 and mine.json()["score"] == 685
    assert mine.json()["positive_gains"]
    for who in (None, "admin", "bank", "hexi", "firm"):
        assert client.get(url, params={"as_of": AS_OF}, headers=auth.get(who, {})).status_code == 404, who
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).isoformat()
    r = client.post(
        "/api/v1/persons/P1/score-grants",
        json={"grantee": "bank", "purpose": "信用就医额度", "expires_at": expires},
        headers=auth["me"],
    )
    assert r.status_code == 201 and r.json()["live"]
    assert (
        client.post(
            "/api/v1/persons/P1/score-grants",
            json={"grantee": "bank", "purpose": "x", "expires_at": expires},
            headers=auth["firm"],
        ).status_code
        == 404
    )
    got = client.get(url, params={"as_of": AS_OF}, headers=auth["bank"])
    assert got.status_code == 200 and got.json()["score"] == 685
    with Session(engine) as s:
        assert [(a.username, a.purpose) for a in s.scalars(select(AccessLog))] == [("bank", "信用就医额度")]
    gid = r.json()["id"]
    assert client.post(f"/api/v1/score-grants/{gid}/revoke", headers=auth["me"]).json()["live"] is False
    assert client.get(url, params={"as_of": AS_OF}, headers=auth["bank"]).status_code == 404
