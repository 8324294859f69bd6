"""The hospital charge API over HTTP: its own API key and a signed body; bad input refused with zh/en;
parallel retries over HTTP never charge twice nor beyond the line — on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from medical_world import build

from xinyong.accounts import service as accounts
from xinyong.books import service as books
from xinyong.disclosure.policy import Viewer
from xinyong.medical import service as medical
from xinyong.medical.api import sign
from xinyong.settings import Settings
from xinyong.store.db import session_scope


@pytest.fixture
def world(engine, db_url):
    from xinyong.app import create_app

    w = build(engine)
    pid = w["people"][0]
    with session_scope(engine) as s:
        medical.sign_up(
            s, subject_id=pid, viewer=Viewer(role="subject", subject_id=pid), as_of=dt.date(2026, 3, 1)
        )
        hosp = accounts.create_user(s, username="dongli_hospital", role="subject", subject_id=w["hospital"])
        w["key"], _ = accounts.issue_api_key(s, user=hosp, name="HIS")
        patient = accounts.create_user(s, username="patient2", role="subject", subject_id=w["people"][1])
        w["patient_key"], _ = accounts.issue_api_key(s, user=patient, name="p")
    app = create_app(dataclasses.replace(Settings.from_env(), database_url=db_url, secret_key="t"))
    with TestClient(app) as client:
        w["client"], w["pid"] = client, pid
        yield w


def _charge(w, amount, key, *, api_key=None, ts=None):  # noqa: ANN001, ANN202
    body = json.dumps(
        {
            "patient_id": w["pid"],
            "amount_fen": amount,
            "idempotency_key": key,
            "charged_on": "2026-03-05",
            "visit_no": "MZ1",
        }
    ).encode()
    return w["client"].post(
        "/api/v1/medical/charges", content=body, headers=sign(api_key or w["key"], body, ts)
    )


def test_signed_charge_replay_and_conflict(world):
    first = _charge(world, 10_000, "v1")
    assert first.status_code == 200, first.text
    assert first.json()["available_fen"] == 200_000 - 10_000 and not first.json()["replayed"]
    again = _charge(world, 10_000, "v1")
    assert again.json() == {**first.json(), "replayed": True}
    conflict = _charge(world, 10_001, "v1")
    assert conflict.status_code == 409 and conflict.json()["detail"]["code"] == "idempotency_conflict"
    assert "幂等键" in conflict.json()["detail"]["zh"]


@pytest.mark.parametrize("amount", [-5, 0, 12.5, "1e3", 200_001])
def test_bad_amounts_and_over_the_line(world, amount):
    r = _charge(world, amount, "bad")
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["field"] == "amount_fen" and detail["zh"] and detail["en"]
    with session_scope(world["client"].app.state.engine) as s:
        assert books.check(s)["transactions"] == 0


def test_unsigned_stale_or_foreign_key_refused(world):
    body = b'{"patient_id": "x", "amount_fen": 1, "idempotency_key": "k", "charged_on": "2026-03-05"}'
    plain = world["client"].post(
        "/api/v1/medical/charges",
        content=body,
        headers={"Authorization": f"Bearer {world['key']}", "Content-Type": "application/json"},
    )
    assert plain.status_code == 401
    assert _charge(world, 100, "k", ts=int(time.time()) - 3600).status_code == 401
    tampered = sign(world["key"], body)
    tampered_body = body.replace(b'"amount_fen": 1', b'"amount_fen": 9')
    assert (
        world["client"].post("/api/v1/medical/charges", content=tampered_body, headers=tampered).status_code
        == 401
    )
    # a patient's own key is a valid key, but not a hospital's
    assert _charge(world, 100, "k", api_key=world["patient_key"]).status_code == 403


def test_parallel_http_retries_charge_once_and_within_the_line(world):
    def send(i: int) -> int:
        return _charge(world, 45_000, f"visit-{i % 6}").status_code  # 6 visits, each sent 3 times at once

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(send, range(18)))
    # 200,000 fen line / 45,000 → 4 visits fit; the other 2 are refused on every try
    assert codes.count(200) == 12 and codes.count(422) == 6, str(sorted(codes))
    with session_scope(world["client"].app.state.engine) as s:
        assert books.balance(s, medical.line_code(world["pid"])) == -180_000
        assert books.check(s) == {
            "transactions": 4,
            "unbalanced": 0,
            "below_floor": 0,
            "mismatched_balances": 0,
        }


def test_statement_is_personal(world):
    _charge(world, 10_000, "v1")
    # the hospital's own key (another subject) cannot read the patient's statement: 404 as for a ghost
    r = world["client"].get(
        f"/api/v1/medical/patients/{world['pid']}", headers={"Authorization": f"Bearer {world['key']}"}
    )
    assert r.status_code == 404
    r = world["client"].get(f"/api/v1/medical/patients/{world['pid']}?as_of=2026-03-31")
    assert r.status_code == 404  # anonymous
