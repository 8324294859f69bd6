"""`xinyong user …` end to end on a migrated SQLite file."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from xinyong.cli import app


@pytest.fixture
def run(sqlite_engine, sqlite_url, monkeypatch):
    monkeypatch.setenv("XINYONG_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    return lambda *args, stdin=None: runner.invoke(app, ["user", *args], input=stdin)


def test_add_list_passwd_apikey(run):
    added = run(
        "add",
        "--username",
        "hp-officer",
        "--role",
        "district_officer",
        "--district",
        "120101",
        "--name",
        "和平区诚信办",
        "--password-stdin",
        stdin="first-pass-12\n",
    )
    assert added.exit_code == 0, added.output
    listed = json.loads(run("list", "--json").stdout)
    assert [(u["username"], u["role"], u["district_code"]) for u in listed] == [
        ("hp-officer", "district_officer", "120101")
    ]
    assert run("passwd", "hp-officer", "--password-stdin", stdin="second-pass-34\n").exit_code == 0
    weak = run("passwd", "hp-officer", "--password-stdin", stdin="short\n")
    assert weak.exit_code == 2 and "password" in weak.output
    issued = run("apikey", "hp-officer", "--name", "script")
    key = issued.stdout.strip().splitlines()[0]
    assert issued.exit_code == 0 and key.startswith("xyk_")
    keys = run("apikey", "hp-officer", "--list").stdout
    assert "script" in keys and key not in keys and "active" in keys
    key_id = keys.split("\t", 1)[0]
    assert run("apikey", "hp-officer", "--revoke", key_id).exit_code == 0
    assert "revoked" in run("apikey", "hp-officer", "--list").stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--username", "x1y", "--role", "district_officer", "--no-password"], "--district"),
        (["--username", "x1y", "--role", "department", "--no-password"], "--kinds"),
        (["--username", "x1y", "--role", "subject", "--subject", "S-NONE", "--no-password"], "S-NONE"),
        (["--username", "x1y", "--role", "wizard", "--no-password"], "role"),
    ],
)
def test_add_refuses_with_a_bilingual_reason(run, args, needle):
    result = run("add", *args)
    assert result.exit_code == 2 and needle in result.output and " / " in result.output
    assert json.loads(run("list", "--json").stdout) == []


def test_unknown_user_is_exit_2(run):
    result = run("apikey", "ghost", "--list")
    assert result.exit_code == 2 and "not found" in result.output


def test_demo_accounts(run):
    assert run("demo").exit_code == 0
    names = {u["username"] for u in json.loads(run("list", "--json").stdout)}
    assert {"admin", "heping", "hexi", "shichang", "bank"} <= names
