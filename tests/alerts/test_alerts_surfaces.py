"""CLI and API of risk early warning: exit codes; a district officer sees their district's alerts,
a bank the lists it owns."""

from __future__ import annotations

import datetime as dt
import json

from alerts_world import add_subject
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from xinyong.alerts import service
from xinyong.cli import app as cli_app
from xinyong.settings import Settings
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject


def test_cli_watchlist_scan_list_and_exit_codes(sqlite_engine, sqlite_url, monkeypatch):
    monkeypatch.setenv("XINYONG_DATABASE_URL", sqlite_url)
    add_subject(sqlite_engine, "S-HX1", "120103", legal_rep="李四")
    run = CliRunner().invoke
    args = [
        "alerts",
        "watchlist",
        "hexi_b",
        "--kind",
        "roster",
        "--name-zh",
        "楼宇",
        "--name-en",
        "Buildings",
        "--district",
        "120103",
    ]
    assert run(cli_app, args).exit_code == 0
    assert run(cli_app, args).exit_code == 2  # exists
    assert run(cli_app, [*args[:2], "x", "--kind", "nope", "--name-zh", "a", "--name-en", "b"]).exit_code == 2
    assert run(cli_app, [*args, "--owners", "ghost"]).exit_code == 1
    assert run(cli_app, ["alerts", "add", "hexi_b", "S-NONE"]).exit_code == 1
    assert run(cli_app, ["alerts", "add", "hexi_b", "S-HX1"]).exit_code == 0
    first = json.loads(run(cli_app, ["alerts", "scan", "--as-of", "2026-10-01"]).output)
    assert first == {"hexi_b": {"members": 1, "baseline": 1, "findings": 0, "failed": 0}}
    with session_scope(sqlite_engine) as s:
        s.execute(update(Subject).where(Subject.id == "S-HX1").values(legal_rep="赵六"))
    second = json.loads(run(cli_app, ["alerts", "scan", "hexi_b", "--as-of", "2026-10-02"]).output)
    assert second["hexi_b"]["findings"] == 1
    (alert,) = json.loads(run(cli_app, ["alerts", "list", "--json"]).output)
    assert alert["findings"][0]["rule_id"] == "hexi_registration_change"
    assert run(cli_app, ["alerts", "scan", "--as-of", "31.10.2026"]).exit_code == 2
    assert (
        run(
            cli_app, ["alerts", "review", "hexi_b", "S-HX1", "--outcome", "removed", "--reason", "x"]
        ).exit_code
        == 1
    )
    assert "serious_penalty" in run(cli_app, ["alerts", "rules"]).output


def test_api_alerts_by_role(engine, db_url):
    from xinyong.accounts.service import create_user, start_session
    from xinyong.app import create_app

    add_subject(engine, "S-HX1", "120103", legal_rep="李四")
    add_subject(engine, "S-HP1", "120101", legal_rep="王五")
    headers, ids = {}, {}
    with session_scope(engine) as s:
        for name, spec in {
            "admin": dict(role="city_admin"),
            "heping": dict(role="district_officer", district_code="120101"),
            "hexi": dict(role="district_officer", district_code="120103"),
            "bank": dict(role="bank"),
            "other-bank": dict(role="bank"),
        }.items():
            user = create_user(s, username=name, **spec)
            headers[name] = {"Authorization": f"Bearer {start_session(s, user=user, kind='bearer')[0]}"}
            ids[name] = user.id
        service.create_watchlist(
            s,
            watchlist_id="loans",
            name_zh="借款人",
            name_en="Borrowers",
            kind="borrowers",
            owner_user_ids=[ids["bank"]],
            actor="t",
        )
        service.add_members(s, watchlist_id="loans", subject_ids=["S-HX1", "S-HP1"], actor="t")
        service.scan(s, watchlist_id="loans", as_of=dt.date(2026, 10, 1))
        s.execute(update(Subject).values(legal_rep="新代表"))
    with session_scope(engine) as s:
        service.scan(s, watchlist_id="loans", as_of=dt.date(2026, 10, 2))  # the 河西 rule: one alert
    application = create_app(Settings(database_url=db_url))
    with TestClient(application) as client:
        seen = {
            n: [a["subject_id"] for a in client.get("/api/v1/alerts", headers=h).json()]
            for n, h in headers.items()
            if n != "other-bank"
        }
        assert seen == {"admin": ["S-HX1"], "heping": [], "hexi": ["S-HX1"], "bank": ["S-HX1"]}
        assert client.get("/api/v1/alerts", headers=headers["other-bank"]).json() == []
        assert [w["id"] for w in client.get("/api/v1/watchlists", headers=headers["bank"]).json()] == [
            "loans"
        ]
        assert client.get("/api/v1/watchlists", headers=headers["hexi"]).json() == []
    application.state.engine.dispose()
