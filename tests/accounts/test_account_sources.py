"""Issue 9, defect 2: a department writes only under the data sources its account is registered for.

The probe: the market-regulation department's API key pushed a file with source=天津市高级人民法院 and
a public card then showed a licence revocation "by" the court.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from xinyong.accounts import service as accounts
from xinyong.records.models import Record
from xinyong.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from ingest_files import penalty_2, write_csv  # noqa: E402

COURT = "天津市高级人民法院"
OWN = "天津市市场监督管理委员会"


@pytest.fixture
def api(sqlite_engine, sqlite_url):
    from xinyong.app import create_app

    settings = dataclasses.replace(Settings.from_env(), database_url=sqlite_url, secret_key="t")
    client = TestClient(create_app(settings))
    keys, ids = {}, {}
    with Session(sqlite_engine) as s:
        for name, role, kinds, sources in (
            ("amr", "department", ["penalty"], [OWN, " 和平区市场监管局 ", ""]),
            ("fresh", "department", ["penalty"], []),
            ("city", "city_admin", [], []),
        ):
            user = accounts.create_user(s, username=name, role=role, kinds=kinds, sources=sources)
            ids[name] = user.id
            keys[name] = {"Authorization": f"Bearer {accounts.issue_api_key(s, user=user, name='k')[0]}"}
        s.commit()
    client.keys, client.ids, client.engine = keys, ids, sqlite_engine
    return client


def _push(client, path: Path, who: str, source: str):
    with path.open("rb") as fh:
        return client.post(
            "/api/v1/ingest",
            files={"file": (path.name, fh)},
            data={"source": source},
            headers=client.keys[who],
        )


def _records(engine, source: str | None = None) -> int:
    with Session(engine) as s:
        q = select(func.count()).select_from(Record)
        return s.scalar(q.where(Record.source == source) if source else q)


def test_department_cannot_push_under_a_source_it_is_not_registered_for(api, tmp_path):
    path = write_csv(tmp_path / "p.csv", [penalty_2(1), penalty_2(2)])
    refused = _push(api, path, "amr", COURT)
    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert COURT in detail["zh"] and "未登记" in detail["zh"] and OWN in detail["zh"]
    assert COURT in detail["en"] and "not registered" in detail["en"]
    assert _records(api.engine) == 0  # nothing written

    # an account with no registered source may push nothing at all
    assert _push(api, path, "fresh", OWN).status_code == 403
    assert _records(api.engine) == 0

    ok = _push(api, path, "amr", OWN)
    assert ok.status_code == 200, ok.text
    assert ok.json()["accepted"] == 2 and _records(api.engine, OWN) == 2
    # stored names are trimmed, so the registered " 和平区市场监管局 " matches its plain spelling
    assert (
        _push(api, write_csv(tmp_path / "q.csv", [penalty_2(3)]), "amr", "和平区市场监管局").status_code
        == 200
    )
    # the city pushes under any source
    assert _push(api, write_csv(tmp_path / "r.csv", [penalty_2(4)]), "city", COURT).status_code == 200
    assert _records(api.engine, COURT) == 1


def test_city_admin_registers_sources_and_nobody_else_can(api, tmp_path):
    fresh = api.ids["fresh"]
    assert (
        api.put(
            f"/api/v1/users/{fresh}/sources", json={"sources": [OWN]}, headers=api.keys["amr"]
        ).status_code
        == 403
    )
    r = api.put(f"/api/v1/users/{fresh}/sources", json={"sources": [OWN, OWN, " "]}, headers=api.keys["city"])
    assert r.status_code == 200 and r.json()["sources"] == [OWN]
    assert api.get(f"/api/v1/users/{fresh}", headers=api.keys["city"]).json()["sources"] == [OWN]
    path = write_csv(tmp_path / "p.csv", [penalty_2(1)])
    assert _push(api, path, "fresh", OWN).status_code == 200
    # only departments carry sources
    city = api.ids["city"]
    bad = api.put(f"/api/v1/users/{city}/sources", json={"sources": [OWN]}, headers=api.keys["city"])
    assert bad.status_code == 422 and "sources" in bad.json()["detail"]


def test_cli_registers_sources(sqlite_engine, sqlite_url, monkeypatch):
    from xinyong.cli import app

    monkeypatch.setenv("XINYONG_DATABASE_URL", sqlite_url)
    run = CliRunner()
    added = run.invoke(
        app,
        [
            "user",
            "add",
            "-u",
            "fire",
            "-r",
            "department",
            "--kinds",
            "inspection",
            "--sources",
            "和平区消防救援支队，河西区消防救援支队",
            "--no-password",
        ],
    )
    assert added.exit_code == 0, added.output
    listed = json.loads(run.invoke(app, ["user", "list", "--json"]).output)
    assert listed[0]["sources"] == ["和平区消防救援支队", "河西区消防救援支队"]
    changed = run.invoke(app, ["user", "sources", "fire", "--set", "市消防救援总队"])
    assert changed.exit_code == 0 and "市消防救援总队" in changed.output
    assert json.loads(run.invoke(app, ["user", "list", "--json"]).output)[0]["sources"] == ["市消防救援总队"]
    refused = run.invoke(
        app, ["user", "add", "-u", "hpbank", "-r", "bank", "--sources", "x", "--no-password"]
    )
    assert refused.exit_code == 2 and "sources" in refused.output
