"""`xinyong status` and /api/v1/records/{id}/status: exit codes, HTTP status codes, scope, and that a
refused change writes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from status_world import add_record, add_subject
from typer.testing import CliRunner

from helpers.http import OFFICIALS, app_client, bearer_headers
from xinyong.cli import app as cli_app
from xinyong.status.models import StatusEvent
from xinyong.store.db import session_scope


@pytest.fixture
def run(sqlite_engine, sqlite_url, monkeypatch):
    monkeypatch.setenv("XINYONG_DATABASE_URL", sqlite_url)
    add_subject(sqlite_engine)
    add_record(sqlite_engine, "NEG")
    add_record(sqlite_engine, "POS", polarity="positive", kind="honour")
    runner = CliRunner()
    return lambda *args: runner.invoke(cli_app, ["status", *args])


def _events(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(StatusEvent))


def test_cli_set_and_show(run, sqlite_engine):
    r = run(
        "set",
        "NEG",
        "--set",
        "objection_opened",
        "--reason",
        "当事人异议",
        "--effective",
        "2025-02-01",
        "--json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["status"] == "objection"
    r = run(
        "set", "NEG", "--set", "objection_rejected", "--reason", "经核实无误", "--effective", "2025-02-10"
    )
    assert r.exit_code == 0 and "有效 active" in r.output
    r = run("set", "NEG", "--set", "repaired", "--reason", "完成信用修复", "--effective", "2025-03-01")
    assert r.exit_code == 0, r.output
    shown = json.loads(run("show", "NEG", "--as-of", "2025-02-05", "--json").output)
    assert shown["status"] == "objection" and [e["event"] for e in shown["events"]] == [
        "objection_opened",
        "objection_rejected",
        "repaired",
    ]
    assert json.loads(run("show", "NEG", "--as-of", "2025-03-01", "--json").output)["status_zh"] == "已修复"
    assert _events(sqlite_engine) == 3


def test_cli_bad_input(run, sqlite_engine):
    r = run("set", "NOPE", "--set", "repaired", "--reason", "x", "--effective", "2025-02-01")
    assert r.exit_code == 1 and "NOPE" in r.output
    r = run("set", "POS", "--set", "repaired", "--reason", "x", "--effective", "2025-02-01")
    assert r.exit_code == 2 and "不是失信记录" in r.output and "only negative records" in r.output
    r = run("set", "NEG", "--set", "objection_upheld", "--reason", "x", "--effective", "2025-02-01")
    assert r.exit_code == 2 and "cannot apply objection upheld" in r.output
    assert run("set", "NEG", "--set", "repaired", "--reason", "x", "--effective", "2025-13-01").exit_code == 2
    assert run("show", "NOPE").exit_code == 1
    assert _events(sqlite_engine) == 0


@pytest.fixture
def http(engine, db_url):
    add_subject(engine, "S1", "120101")
    add_subject(engine, "S2", "120103")
    add_record(engine, "NEG")
    add_record(engine, "HX", subject_id="S2")
    headers = bearer_headers(engine, {**OFFICIALS, "tax": dict(role="department", kinds=["tax_grade"])})
    with app_client(db_url) as client:
        yield client, headers


def test_api_status_lifecycle_and_visibility(http, engine):
    client, auth = http
    url = "/api/v1/records/NEG/status"
    body = {"event": "repaired", "reason": "完成修复", "effective_on": "2025-03-01"}
    assert (
        client.post(url, json=body, headers=auth["hexi"]).status_code == 403
    )  # public record, other district
    assert client.post(url, json=body, headers=auth["tax"]).status_code == 403
    assert client.post(url, json=body, headers=auth["bank"]).status_code == 403  # role may not decide
    assert client.post(url, json=body).status_code in (401, 403)
    assert _events(engine) == 0
    r = client.post(url, json=body, headers=auth["heping"])
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "repaired" and r.json()["events"][0]["actor"].startswith("heping")
    # Repaired: gone for the public and the bank (same answer as an unknown id), kept for its district.
    for who in (None, "bank", "hexi"):
        got = client.get(url, params={"as_of": "2025-03-01"}, headers=auth.get(who, {}))
        unknown = client.get(
            "/api/v1/records/NOPE/status", params={"as_of": "2025-03-01"}, headers=auth.get(who, {})
        )
        assert (
            (got.status_code, got.json())
            == (404, {"detail": "记录不存在 / record not found: NEG"})
            == (unknown.status_code, {"detail": unknown.json()["detail"].replace("NOPE", "NEG")})
        ), who
    before = client.get(url, params={"as_of": "2025-02-28"})
    assert before.status_code == 200 and before.json()["status"] == "active"
    mine = client.get(url, params={"as_of": "2025-03-01"}, headers=auth["heping"]).json()
    assert mine["status_zh"] == "已修复"


def test_api_refuses_nonsense_and_unknown(http, engine):
    client, auth = http
    r = client.post(
        "/api/v1/records/NEG/status",
        headers=auth["admin"],
        json={"event": "objection_upheld", "reason": "x", "effective_on": "2025-03-01"},
    )
    assert r.status_code == 409 and "异议" in r.json()["detail"] and "objection upheld" in r.json()["detail"]
    r = client.post(
        "/api/v1/records/NOPE/status",
        headers=auth["admin"],
        json={"event": "repaired", "reason": "x", "effective_on": "2025-03-01"},
    )
    assert r.status_code == 404 and "NOPE" in r.json()["detail"]
    r = client.post(
        "/api/v1/records/NEG/status",
        headers=auth["admin"],
        json={"event": "forgiven", "reason": "x", "effective_on": "2025-03-01"},
    )
    assert r.status_code == 422
    assert _events(engine) == 0
