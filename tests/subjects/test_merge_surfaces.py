"""Subject merges through the CLI, the API and the console page (city administrator only; CSRF on
the console forms as on every other). The service itself is tested in test_merge.py."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_merge import NOW, A, B, _by_subject, _load
from typer.testing import CliRunner

from helpers.console import form_login
from xinyong.accounts import service as accounts
from xinyong.settings import Settings
from xinyong.subjects.models import Subject, SubjectMerge

PASSWORD = "Merge-Test-Password-2026"


@pytest.fixture
def api(sqlite_engine, sqlite_url):
    from xinyong.app import create_app

    _load(sqlite_engine)
    settings = dataclasses.replace(Settings.from_env(), database_url=sqlite_url, secret_key="t")
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    keys = {}
    with Session(sqlite_engine) as s:
        for name, role in (("city", "city_admin"), ("amr", "department"), ("heping", "district_officer")):
            user = accounts.create_user(
                s,
                username=name,
                role=role,
                password=PASSWORD,
                kinds=["penalty"] if role == "department" else [],
                sources=["津市监"] if role == "department" else [],
                district_code="120101" if role == "district_officer" else None,
            )
            keys[name] = {"Authorization": f"Bearer {accounts.issue_api_key(s, user=user, name='k')[0]}"}
        s.commit()
    client.keys = keys
    return client


def test_api_merge_undo_and_history(api, sqlite_engine):
    why = {"into": A, "reason": "注册号与统一代码为同一企业"}
    for who in ("amr", "heping"):  # only the city administrator judges identity
        assert api.post(f"/api/v1/subjects/{B}/merge", json=why, headers=api.keys[who]).status_code == 403
    assert api.post(f"/api/v1/subjects/{B}/merge", json=why).status_code == 401
    ghost = "s" + "0" * 23
    assert api.post(f"/api/v1/subjects/{ghost}/merge", json=why, headers=api.keys["city"]).status_code == 404
    self_merge = api.post(f"/api/v1/subjects/{A}/merge", json=why, headers=api.keys["city"])
    assert self_merge.status_code == 409 and "itself" in self_merge.json()["detail"]["en"]
    r = api.post(f"/api/v1/subjects/{B}/merge", json=why, headers=api.keys["city"])
    assert r.status_code == 200, r.text
    merge = r.json()
    assert (merge["action"], merge["kept_id"], merge["merged_id"], merge["records"], merge["officer"]) == (
        "merge",
        A,
        B,
        2,
        "city",
    )
    archive = api.get(f"/api/v1/subjects/{B}/archive?as_of=2026-10-31", headers=api.keys["city"]).json()
    assert (archive["subject"]["id"], archive["merged_from"]) == (A, B)
    again = api.post(f"/api/v1/subjects/{B}/merge", json=why, headers=api.keys["city"])
    assert again.status_code == 409
    undo = api.post(
        f"/api/v1/subject-merges/{merge['id']}/undo", json={"reason": "两家企业"}, headers=api.keys["city"]
    )
    assert undo.status_code == 200 and undo.json()["undoes"] == merge["id"]
    assert (
        api.post(
            f"/api/v1/subject-merges/{merge['id']}/undo", json={"reason": "x"}, headers=api.keys["city"]
        ).status_code
        == 409
    )
    assert (
        api.post(
            "/api/v1/subject-merges/999/undo", json={"reason": "x"}, headers=api.keys["city"]
        ).status_code
        == 404
    )
    history = api.get(f"/api/v1/subjects/{B}/merges", headers=api.keys["city"]).json()
    assert [h["action"] for h in history] == ["merge", "unmerge"]
    with Session(sqlite_engine) as s:
        assert _by_subject(s) == {A: 1, B: 2}


def _login(api, username: str) -> str:
    form_login(api, username, PASSWORD)
    found = re.search(r'name="csrf_token" value="([^"]*)"', api.get(f"/subjects/{B}/merge").text)
    return found.group(1) if found else ""


def test_console_merge_form_and_redirect(api, sqlite_engine):
    token = _login(api, "city")
    page = api.get(f"/subjects/{B}/merge")
    assert page.status_code == 200 and 'id="merge-form"' in page.text
    no_token = api.post(f"/subjects/{B}/merge", data={"into": A, "reason": "同一企业"})
    assert no_token.status_code == 403  # CSRF
    blank = api.post(f"/subjects/{B}/merge", data={"into": A, "reason": " ", "csrf_token": token})
    assert blank.status_code == 422 and "理由" in blank.text
    done = api.post(f"/subjects/{B}/merge", data={"into": A, "reason": "同一企业", "csrf_token": token})
    assert done.status_code == 200 and "已并入" in done.text
    # The merged-away archive page leads to the kept subject's.
    r = api.get(f"/subjects/{B}?as_of=2026-10-31", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/subjects/{A}?as_of=2026-10-31"
    kept = api.get(f"/subjects/{A}/merge")
    merge_id = int(re.search(r"/subject-merges/(\d+)/undo", kept.text).group(1))
    undone = api.post(f"/subject-merges/{merge_id}/undo", data={"reason": "两家企业", "csrf_token": token})
    assert undone.status_code == 200 and "已撤销合并" in undone.text
    with Session(sqlite_engine) as s:
        assert s.get(Subject, B).merged_into is None
        assert [m.action for m in s.scalars(select(SubjectMerge).order_by(SubjectMerge.id))] == [
            "merge",
            "unmerge",
        ]


def test_console_merge_page_is_the_city_administrators(api):
    _login(api, "heping")
    assert api.get(f"/subjects/{B}/merge").status_code == 403


def test_cli_merge_undo_history(sqlite_engine, sqlite_url, monkeypatch):
    from xinyong.cli import app

    _load(sqlite_engine)
    monkeypatch.setenv("XINYONG_DATABASE_URL", sqlite_url)
    from xinyong.settings import get_settings

    if hasattr(get_settings, "cache_clear"):
        get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout

    code, out = run("merge", "subjects", B, "--into", A, "--reason", "同一企业", "--officer", "王", "--json")
    assert code == 0, out
    merge = json.loads(out)
    assert (merge["records"], merge["kept_id"]) == (2, A)
    code, out = run("merge", "subjects", B, "--into", A, "--reason", "again", "--officer", "王", "--json")
    assert code == 2 and "already merged" in json.loads(out)["error"]["en"]
    code, out = run("merge", "undo", str(merge["id"]), "--reason", " ", "--officer", "李")
    assert code == 2
    code, out = run("merge", "undo", str(merge["id"]), "--reason", "两家企业", "--officer", "李")
    assert code == 0 and "merge undone" in out
    code, out = run("merge", "history", B)
    assert [json.loads(line)["action"] for line in out.splitlines()] == ["merge", "unmerge"]
    assert NOW  # (the rows were loaded at the fixed test time)
