"""CLI and API of risk early warning: exit codes; a district officer sees their district's alerts,
a bank the lists it owns."""

from __future__ import annotations

import datetime as dt
import json

from alerts_world import add_subject, ingest_penalty
from sqlalchemy import update
from typer.testing import CliRunner

from helpers.http import OFFICIALS, app_client, bearer_users
from xinyong.alerts import service
from xinyong.cli import app as cli_app
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
    add_subject(engine, "S-HX1", "120103", legal_rep="李四")
    add_subject(engine, "S-HP1", "120101", legal_rep="王五")
    headers, ids = bearer_users(engine, {**OFFICIALS, "other-bank": dict(role="bank")})
    with session_scope(engine) as s:
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
    with app_client(db_url) as client:
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


def test_alerts_page_reads_in_chinese_with_links(engine, db_url):
    """/alerts names each subject (linked to its archive), the rule, the record kind and severity in
    Chinese, and the date — not "serious_penalty penalty serious 2026-10-20"."""
    from xinyong.accounts.service import create_user, start_session

    now = dt.datetime(2026, 10, 21, 2, 0)
    rec, firm = ingest_penalty(engine, 1, "吊销营业执照", now)  # serious by the catalogue's category rule
    add_subject(engine, "S-HX1", "120103", legal_rep="李四", name="河西楼宇示范公司")
    with session_scope(engine) as s:
        admin = create_user(s, username="admin", role="city_admin")
        headers = {"Authorization": f"Bearer {start_session(s, user=admin, kind='bearer')[0]}"}
        service.create_watchlist(
            s, watchlist_id="w", name_zh="示范名单", name_en="Demo list", kind="borrowers", actor="t"
        )
        service.add_members(s, watchlist_id="w", subject_ids=[firm, "S-HX1"], actor="t")
        assert service.on_records(s, record_ids=[rec], now=now) == 1
        service.scan(s, watchlist_id="w", as_of=dt.date(2026, 10, 1))  # baseline
        s.execute(update(Subject).where(Subject.id == "S-HX1").values(legal_rep="王五"))
    with session_scope(engine) as s:
        service.scan(s, watchlist_id="w", as_of=dt.date(2026, 10, 2))
    with app_client(db_url) as client:
        page = client.get("/alerts", headers=headers)
    assert page.status_code == 200
    html = page.text
    assert f'<a class="alert-subject" href="/subjects/{firm}">天津市和平区白名单示范有限公司</a>' in html
    assert '<a class="alert-subject" href="/subjects/S-HX1">河西楼宇示范公司</a>' in html
    # rules.yaml names, the catalogue's kind name, 严重 for serious, the decision date
    assert "<strong>新增严重行政处罚</strong>" in html and "行政处罚（严重 serious）" in html
    assert "2026-10-20" in html
    assert "<strong>楼宇企业登记事项变更（法定代表人、注册资本、地址）</strong>" in html
    assert "法定代表人 <small>legal representative</small>：李四 → 王五" in html
    assert "示范名单" in html
    assert "serious_penalty" not in html.replace('data-rule="serious_penalty"', "")
