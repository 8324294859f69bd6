"""Points over HTTP: an outsider's approval is refused with zh/en and changes nothing; bad quantities and
redemptions beyond the balance are refused; the ranking is public and masked; a villager's history is
404 for other villagers."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient
from points_world import build_village

from xinyong.accounts import service as accounts
from xinyong.books import service as books
from xinyong.settings import Settings
from xinyong.store.db import session_scope


@pytest.fixture
def world(engine, db_url):
    from xinyong.app import create_app

    w = build_village(engine)
    with session_scope(engine) as s:
        for username, subject in (
            ("cun_wei", w["village"]),
            ("lin_cun", w["other"]),
            ("villager2", w["people"][1]),
        ):
            user = accounts.create_user(s, username=username, role="subject", subject_id=subject)
            w[username], _ = accounts.issue_api_key(s, user=user, name="k")
    app = create_app(dataclasses.replace(Settings.from_env(), database_url=db_url, secret_key="t"))
    with TestClient(app) as client:
        w["client"] = client
        yield w


def _as(w, who):  # noqa: ANN001, ANN202
    return {"Authorization": f"Bearer {w[who]}"}


def test_outsider_approval_refused_then_member_approves(world):
    c, a = world["client"], world["people"][0]
    claim = c.post(
        "/api/v1/points/claims",
        headers=_as(world, "cun_wei"),
        json={
            "villager_id": a,
            "item_id": "honesty",
            "evidence": {"description": "拾金不昧"},
            "claimed_on": "2026-05-03",
            "idempotency_key": "c1",
        },
    )
    assert claim.status_code == 200, claim.text
    cid = claim.json()["id"]
    out = c.post(
        f"/api/v1/points/claims/{cid}/decision", headers=_as(world, "lin_cun"), json={"approve": True}
    )
    assert out.status_code == 422 and out.json()["detail"]["field"] == "actor"
    assert "村委会" in out.json()["detail"]["zh"] and "committee" in out.json()["detail"]["en"]
    with session_scope(c.app.state.engine) as s:
        assert books.check(s)["transactions"] == 0
    ok = c.post(
        f"/api/v1/points/claims/{cid}/decision",
        headers=_as(world, "cun_wei"),
        json={"approve": True, "decided_on": "2026-05-10"},
    )
    assert ok.status_code == 200 and ok.json()["decision"] == "approved"
    assert c.get(f"/api/v1/points/villagers/{a}", headers=_as(world, "cun_wei")).json()["balance"] == 10
    assert c.get(f"/api/v1/points/villagers/{a}", headers=_as(world, "villager2")).status_code == 404
    assert c.get(f"/api/v1/points/villagers/{a}", headers=_as(world, "lin_cun")).status_code == 404
    ranking = c.get(f"/api/v1/points/villages/{world['village']}/ranking?month=2026-05").json()["ranking"]
    assert ranking == [{"rank": 1, "name": "张*丰", "points": 10}]


@pytest.mark.parametrize(
    ("quantity", "field"), [(-1, "quantity"), (1.5, "quantity"), ("2.0", "quantity"), (1, "quantity")]
)
def test_bad_redemptions_are_refused(world, quantity, field):
    c, a = world["client"], world["people"][0]  # 0 points: even 1 soap is beyond the balance
    c.post(
        "/api/v1/points/restock",
        headers=_as(world, "cun_wei"),
        json={"village_id": world["village"], "sku": "soap", "quantity": 5, "idempotency_key": "r"},
    )
    with session_scope(c.app.state.engine) as s:
        before = books.check(s)["transactions"]
    r = c.post(
        "/api/v1/points/redemptions",
        headers=_as(world, "cun_wei"),
        json={"villager_id": a, "sku": "soap", "quantity": quantity, "idempotency_key": "x"},
    )
    assert r.status_code == 422 and r.json()["detail"]["field"] == field and r.json()["detail"]["zh"]
    with session_scope(c.app.state.engine) as s:
        assert books.check(s)["transactions"] == before
        assert books.balance(s, f"points:stock:{world['village']}:soap") == 5
