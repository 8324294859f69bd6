"""HTTP: the bank sees only what was pushed to it (404 as unknown otherwise); amounts are integer fen
(1.5 or "150" is a 422); a need that does not exist is a 404; nothing changes on refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpers.http import app_client
from helpers.world import add_subject, add_user, bearer
from xinyong.financing import service as fin
from xinyong.financing.models import Need, Outcome


@pytest.fixture
def http(engine, db_url):

    auth = {}
    with Session(engine) as s, s.begin():
        add_subject(s, "F1", district="120113", pilot="beichen_medical_park")
        add_subject(s, "F2", district="120113", pilot="beichen_medical_park")
        auth["bc"] = bearer(s, "beichen", "district_officer", district_code="120113")
        auth["bank"] = bearer(s, "bocom1", "bank")
        auth["other"] = bearer(s, "psbc1", "bank")
        auth["f1"] = bearer(s, "f1login", "subject", subject_id="F1")
        add_user(s, "unused", "bank")
        fin.register_bank(s, bank_id="bocom", name="交通银行", usernames=["bocom1"])
        fin.register_bank(s, bank_id="psbc", name="邮储银行", usernames=["psbc1"])
    with app_client(db_url) as client:
        yield client, auth


def _count(engine, model) -> int:  # noqa: ANN001
    with Session(engine) as s:
        return s.scalar(select(func.count(model.id)))


def test_needs_whitelist_push_and_bank_outcome_over_http(http, engine):
    client, auth = http
    for bad in (1.5, "150", -100, 0):
        r = client.post(
            "/api/v1/financing/needs",
            json={"amount_fen": bad, "term_months": 12, "purpose": "x", "idempotency_key": f"k{bad}"},
            headers=auth["f1"],
        )
        assert r.status_code == 422, bad
    assert _count(engine, Need) == 0
    for sid, who in (("F1", "f1"), ("F2", "bc")):
        body = {
            "subject_id": sid,
            "amount_fen": 800_000_000,
            "term_months": 12,
            "purpose": "扩产",
            "idempotency_key": sid,
        }
        assert client.post("/api/v1/financing/needs", json=body, headers=auth[who]).status_code == 201
    r = client.post(
        "/api/v1/financing/whitelists",
        json={"whitelist_id": "bc1", "name": "北辰", "rule": "kind ==", "as_of": "2026-06-30"},
        headers=auth["bc"],
    )
    assert r.status_code == 422 and "does not compile" in r.json()["detail"]["en"]
    r = client.post(
        "/api/v1/financing/whitelists",
        json={"whitelist_id": "bc1", "name": "北辰", "rule": "!judgment_debtor", "as_of": "2026-06-30"},
        headers=auth["bc"],
    )
    assert r.status_code == 201 and r.json()["proposed"] == ["F1", "F2"]
    url = "/api/v1/financing/whitelists/bc1"
    assert (
        client.post(
            f"{url}/review", json={"subject_id": "F1", "approve": True}, headers=auth["bc"]
        ).status_code
        == 200
    )
    assert client.post(f"{url}/push", json={"bank_id": "bocom"}, headers=auth["bc"]).json()["pushed"] == [
        "F1"
    ]
    listed = client.get("/api/v1/financing/bank/subjects", headers=auth["bank"]).json()
    assert [x["id"] for x in listed] == ["F1"]
    assert client.get("/api/v1/financing/bank/subjects", headers=auth["other"]).json() == []
    for who, sid in (("bank", "F2"), ("other", "F1"), ("bank", "NOPE")):
        r = client.get(f"/api/v1/financing/bank/subjects/{sid}", headers=auth[who])
        assert r.status_code == 404, (who, sid)
    assert client.get("/api/v1/financing/bank/subjects/F1", headers=auth["bank"]).status_code == 200
    with Session(engine) as s:
        n1 = s.scalar(select(Need.id).where(Need.subject_id == "F1"))
        n2 = s.scalar(select(Need.id).where(Need.subject_id == "F2"))
    outcome = "/api/v1/financing/bank/outcomes"
    for body in (
        {"need_id": 99999, "event": "contacted", "idempotency_key": "a"},
        {"need_id": n2, "event": "contacted", "idempotency_key": "b"},  # not pushed to this bank
    ):
        assert client.post(outcome, json=body, headers=auth["bank"]).status_code == 404
    body = {"need_id": n1, "event": "approved", "idempotency_key": "c", "amount_fen": 1.5, "rate_bp": 385}
    assert client.post(outcome, json=body, headers=auth["bank"]).status_code == 422
    assert _count(engine, Outcome) == 0
    body["amount_fen"] = 1_200_000_000
    assert client.post(outcome, json=body, headers=auth["bank"]).status_code == 201
    figures = client.get(
        "/api/v1/financing/figures", params={"pilot": "beichen_medical_park"}, headers=auth["bc"]
    ).json()
    assert (figures["granted_fen"], figures["whitelist_size"], figures["loans"]) == (1_200_000_000, 1, 1)
    assert client.get("/api/v1/financing/figures", headers=auth["bank"]).status_code == 403
