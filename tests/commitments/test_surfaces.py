"""API, pages and CLI of commitments, on SQLite and PostgreSQL: who may sign, see and decide."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from commitments_world import add_subjects
from sqlalchemy import func, select
from typer.testing import CliRunner

from helpers.http import app_client, bearer_headers
from xinyong import clock
from xinyong.commitments.models import Commitment
from xinyong.records.models import Record
from xinyong.store.db import session_scope


@pytest.fixture
def http(engine, db_url):
    world = add_subjects(engine)
    specs = {
        "admin": dict(role="city_admin"),
        "heping": dict(role="district_officer", district_code="120101"),
        "jinghai": dict(role="district_officer", district_code="120118"),
        "merchant": dict(role="subject", subject_id=world["heping"][0]),
        "bank": dict(role="bank"),
    }
    headers = bearer_headers(engine, specs)
    with app_client(db_url) as client:
        yield client, headers, world


def _count(engine, model) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_merchant_signs_online_once(http, engine):
    client, auth, world = http
    body = {"template_id": "heping_honest_merchant", "idempotency_key": "tap-1"}
    first = client.post("/api/v1/commitments", json=body, headers=auth["merchant"])
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/commitments", json=body, headers=auth["merchant"])
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert first.json()["state"] == "in_force" and first.json()["subject_id"] == world["heping"][0]
    assert _count(engine, Commitment) == 1
    # A subject signs for itself only, online only.
    other = {**body, "subject_id": world["heping"][1]}
    assert client.post("/api/v1/commitments", json=other, headers=auth["merchant"]).status_code == 403
    assert client.post("/api/v1/commitments", json=body, headers=auth["bank"]).status_code == 403
    assert client.post("/api/v1/commitments", json=body).status_code in (401, 403)
    # The public card shows the signed commitment (through the ingest service and the policy).
    card = client.get(f"/c/{world['heping'][0]}")
    assert card.status_code == 200 and "入驻商家诚信经营承诺书" in card.text


def test_officers_see_their_district_only(http):
    client, auth, world = http
    cid = client.post(
        "/api/v1/commitments", json={"template_id": "heping_honest_merchant"}, headers=auth["merchant"]
    ).json()["id"]
    assert client.get(f"/api/v1/commitments/{cid}", headers=auth["heping"]).status_code == 200
    for who in ("jinghai", "bank"):
        got = client.get(f"/api/v1/commitments/{cid}", headers=auth[who])
        assert got.status_code == 404 and "not found" in got.text
        assert client.get("/api/v1/commitments", headers=auth[who]).json() == []
    assert [c["id"] for c in client.get("/api/v1/commitments", headers=auth["admin"]).json()] == [cid]
    # 静海's officer may not record a paper letter for a 和平 subject, nor decide a 和平 commitment.
    paper = {"template_id": "heping_honest_merchant", "subject_id": world["heping"][1], "channel": "paper"}
    assert client.post("/api/v1/commitments", json=paper, headers=auth["jinghai"]).status_code == 404
    step = {"event": "kept", "reason": "核查"}
    assert (
        client.post(f"/api/v1/commitments/{cid}/events", json=step, headers=auth["jinghai"]).status_code
        == 404
    )


def test_paper_signature_and_breach_by_the_district_office(http, engine):
    client, auth, world = http
    sid = world["heping"][1]
    today = clock.today()
    paper = {
        "template_id": "heping_honest_merchant",
        "subject_id": sid,
        "channel": "paper",
        "paper_ref": "HP-0001",
        "signed_on": today.isoformat(),
    }
    r = client.post("/api/v1/commitments", json=paper, headers=auth["heping"])
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["channel"] == "paper" and r.json()["signed_by"].startswith("heping")
    # Online is the subject's own channel: an officer recording "online" is refused.
    assert (
        client.post(
            "/api/v1/commitments", json={**paper, "channel": "online"}, headers=auth["heping"]
        ).status_code
        == 422
    )
    step = {"event": "breached", "reason": "虚假宣传，经核实", "effective_on": today.isoformat()}
    done = client.post(f"/api/v1/commitments/{cid}/events", json=step, headers=auth["heping"])
    assert done.status_code == 201, done.text
    assert done.json()["state"] == "breached"
    assert [e["event"] for e in done.json()["events"]] == ["signed", "in_force", "breached"]
    # A second outcome makes no sense: 409, nothing changes.
    assert (
        client.post(
            f"/api/v1/commitments/{cid}/events", json={**step, "event": "kept"}, headers=auth["heping"]
        ).status_code
        == 409
    )
    with session_scope(engine) as s:
        kinds = sorted(s.scalars(select(Record.kind).where(Record.subject_id == sid)))
    assert kinds == ["commitment", "commitment_breach"]
    card = client.get(f"/c/{sid}")
    assert "违诺记录" in card.text and "虚假宣传" in card.text


def test_signing_rates_live(http):
    client, auth, world = http
    for sid in world["heping"][:2]:
        client.post(
            "/api/v1/commitments",
            json={"template_id": "heping_honest_merchant", "subject_id": sid, "channel": "paper"},
            headers=auth["heping"],
        )
    rates = {r["pilot"]: r for r in client.get("/api/v1/commitments/rates", headers=auth["admin"]).json()}
    hp = rates["heping_hisense_plaza"]
    # 3 merchants (the mall itself is not counted), 2 signed: 2/3, target 100% not met.
    assert (hp["subjects"], hp["signed_subjects"], hp["signed_count"]) == (3, 2, 2)
    assert hp["rate"] == pytest.approx(2 / 3) and hp["target_met"] is False
    client.post(
        "/api/v1/commitments",
        json={"template_id": "heping_honest_merchant", "subject_id": world["heping"][2], "channel": "paper"},
        headers=auth["heping"],
    )
    hp = {r["pilot"]: r for r in client.get("/api/v1/commitments/rates", headers=auth["admin"]).json()}[
        "heping_hisense_plaza"
    ]
    assert hp["rate"] == 1.0 and hp["target_met"] is True
    jh = rates["jinghai_haijixing"]
    assert (jh["target_metric"], jh["target_value"], jh["target_deadline"]) == (
        "commitment_count",
        200.0,
        "2023-12-31",
    )
    assert jh["target_met"] is False
    # A district office sees its own district's pilots only.
    mine = client.get("/api/v1/commitments/rates", headers=auth["jinghai"]).json()
    assert [r["pilot"] for r in mine] == ["jinghai_haijixing"]
    page = client.get("/commitments/rates", headers=auth["admin"])
    assert page.status_code == 200 and "100.0%" in page.text


def test_phone_page_signs_with_its_key(http, engine):
    client, auth, _world = http
    page = client.get("/commitments/sign", headers=auth["merchant"])
    assert page.status_code == 200 and "依法诚信经营" in page.text and "静海" not in page.text
    assert "信用修复承诺书" not in page.text  # signed within a repair application, not on this page
    assert page.text.index("入驻商家诚信经营承诺书") < page.text.index("容缺受理承诺书")  # the pilot's first
    form = {"template_id": "heping_honest_merchant", "idempotency_key": "k-page", "agree": "yes"}
    r = client.post("/commitments/sign", data=form, headers=auth["merchant"], follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/commitments/sign?done=CM")
    r2 = client.post("/commitments/sign", data=form, headers=auth["merchant"], follow_redirects=False)
    assert r2.headers["location"] == r.headers["location"]
    assert _count(engine, Commitment) == 1
    assert (
        client.post("/commitments/sign", data={**form, "agree": ""}, headers=auth["merchant"]).status_code
        == 422
    )
    assert "本期已签署" in client.get("/commitments/sign", headers=auth["merchant"]).text


def test_cli_sign_step_rates(engine, db_url, monkeypatch):
    from xinyong.cli import app

    world = add_subjects(engine)
    monkeypatch.setenv("XINYONG_DATABASE_URL", db_url)
    run = CliRunner().invoke
    signed = run(app, ["commitment", "sign", "jinghai_market_merchant", world["jinghai"][0], "--json"])
    assert signed.exit_code == 0, signed.output
    cid = json.loads(signed.output)["id"]
    again = run(app, ["commitment", "sign", "jinghai_market_merchant", world["jinghai"][0], "--json"])
    assert json.loads(again.output)["id"] == cid
    bad = run(app, ["commitment", "sign", "heping_honest_merchant", world["jinghai"][0]])
    assert bad.exit_code == 2 and "pilot" in bad.output
    kept = run(app, ["commitment", "step", cid, "kept", "--reason", "年度核查无违诺", "--json"])
    assert kept.exit_code == 0 and json.loads(kept.output)["state"] == "kept"
    assert run(app, ["commitment", "step", "CMNOPE", "kept", "--reason", "x"]).exit_code == 1
    assert run(app, ["commitment", "show", cid, "--as-of", "not-a-date"]).exit_code == 2
    rates = json.loads(run(app, ["commitment", "rates", "--json"]).output)
    jh = next(r for r in rates if r["pilot"] == "jinghai_haijixing")
    assert (jh["subjects"], jh["signed_subjects"], jh["signed_count"]) == (3, 1, 1)
    listed = json.loads(run(app, ["commitment", "list", "--state", "kept", "--json"]).output)
    assert [r["id"] for r in listed] == [cid]
    expire = run(
        app,
        ["commitment", "expire", "--as-of", (clock.today() + dt.timedelta(days=800)).isoformat(), "--json"],
    )
    assert expire.exit_code == 0 and json.loads(expire.output)["expired"] == []  # kept is final
    assert run(app, ["commitment", "templates"]).exit_code == 0
    assert run(app, ["commitment", "publish", "--json"]).exit_code == 0
