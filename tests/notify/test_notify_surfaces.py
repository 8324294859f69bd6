"""API and CLI of notifications: a user reads and marks only their own inbox; webhook endpoints and
dead letters are scoped by district; the CLI's exit codes follow docs/cli.md."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from helpers.http import OFFICIALS, app_client, bearer_users
from xinyong.cli import app as cli_app
from xinyong.notify import emit, service
from xinyong.notify.models import Delivery
from xinyong.notify.worker import run_once
from xinyong.settings import Settings
from xinyong.store.db import session_scope


@pytest.fixture
def http(engine, db_url):
    headers, ids = bearer_users(engine, OFFICIALS)
    with app_client(db_url) as client:
        yield client, headers, ids


def test_inbox_is_private_and_marks_read(http, engine):
    client, h, ids = http
    with session_scope(engine) as s:
        emit(
            s,
            kind="alert.raised",
            payload={"title_zh": "给和平", "title_en": "for heping"},
            user_ids=[ids["heping"]],
        )
        emit(
            s,
            kind="alert.raised",
            payload={"title_zh": "给河西", "title_en": "for hexi"},
            user_ids=[ids["hexi"]],
        )
    run_once(engine, settings=Settings())
    mine = client.get("/api/v1/inbox", headers=h["heping"]).json()
    assert mine["unread"] == 1 and [i["title_zh"] for i in mine["items"]] == ["给和平"]
    theirs = client.get("/api/v1/inbox", headers=h["hexi"]).json()["items"][0]["id"]
    assert client.post(f"/api/v1/inbox/{theirs}/read", headers=h["heping"]).status_code == 404
    assert client.get("/api/v1/inbox/unread-count", headers=h["hexi"]).json() == {"unread": 1}
    own = mine["items"][0]["id"]
    assert client.post(f"/api/v1/inbox/{own}/read", headers=h["heping"]).json()["read_at"]
    assert client.get("/api/v1/inbox/unread-count", headers=h["heping"]).json() == {"unread": 0}
    assert client.get("/api/v1/inbox").status_code == 401


def test_webhooks_are_scoped_by_district(http, engine):
    client, h, _ = http
    made = client.post(
        "/api/v1/webhooks",
        headers=h["hexi"],
        json={"url": "http://127.0.0.1:9/hook", "district_code": "120101"},
    )
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    assert made.json()["district_code"] == "120103"  # an officer cannot register for another district
    assert client.post("/api/v1/webhooks", headers=h["hexi"], json={"url": "ftp://x"}).status_code == 422
    assert [e["id"] for e in client.get("/api/v1/webhooks", headers=h["heping"]).json()] == []
    assert len(client.get("/api/v1/webhooks", headers=h["admin"]).json()) == 1
    assert "secret" not in client.get("/api/v1/webhooks", headers=h["admin"]).json()[0]
    assert client.get("/api/v1/webhooks", headers=h["bank"]).status_code == 403
    with session_scope(engine) as s:  # a dead delivery of 河西
        emit(s, kind="alert.raised", payload={}, district_code="120103")
    run_once(engine, settings=Settings())
    with session_scope(engine) as s:
        s.execute(Delivery.__table__.update().values(status="dead"))
        dead_id = s.scalars(select(Delivery.id)).first()
    assert client.get("/api/v1/webhooks/dead-letters", headers=h["heping"]).json() == []
    assert (
        client.post(f"/api/v1/webhooks/deliveries/{dead_id}/redeliver", headers=h["heping"]).status_code
        == 404
    )
    again = client.post(f"/api/v1/webhooks/deliveries/{dead_id}/redeliver", headers=h["hexi"])
    assert again.status_code == 200 and again.json()["status"] == "pending"


def test_cli_webhook_commands_and_exit_codes(sqlite_engine, sqlite_url, monkeypatch):
    monkeypatch.setenv("XINYONG_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    added = runner.invoke(
        cli_app, ["webhook", "add", "http://127.0.0.1:9/h", "--kinds", "alert.", "--timeout", "2"]
    )
    assert added.exit_code == 0, added.output
    ep = json.loads(added.output)
    assert ep["secret"].startswith("whsec_")
    assert runner.invoke(cli_app, ["webhook", "add", "not a url"]).exit_code == 2
    assert runner.invoke(cli_app, ["webhook", "add", "http://x/h", "--timeout", "100"]).exit_code == 2
    assert runner.invoke(cli_app, ["webhook", "disable", "999"]).exit_code == 1
    assert runner.invoke(cli_app, ["webhook", "disable", str(ep["id"])]).exit_code == 0
    assert "disabled" in runner.invoke(cli_app, ["webhook", "list"]).output
    assert runner.invoke(cli_app, ["webhook", "redeliver", "999"]).exit_code == 1
    assert runner.invoke(cli_app, ["webhook", "dead", "--json"]).output.strip() == "[]"
    assert runner.invoke(cli_app, ["notify", "contact", "nobody", "a@b.c"]).exit_code == 1
    once = runner.invoke(cli_app, ["worker", "--once"])
    assert once.exit_code == 0 and json.loads(once.output)["events"] == 0
    with session_scope(sqlite_engine) as s:
        assert service.endpoints(s)[0].enabled is False
