"""`xinyong list …` on a SQLite store: exit codes and output as docs/cli.md says."""

from __future__ import annotations

import json

from lists_world import build
from sqlalchemy import func, select
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.lists.models import ListMembership
from xinyong.store.db import session_scope


def test_list_cli(monkeypatch, sqlite_url, sqlite_engine):
    build(sqlite_engine)
    monkeypatch.setenv("XINYONG_DATABASE_URL", sqlite_url)
    run = CliRunner().invoke
    r = run(app, ["list", "defs", "--json"])
    assert r.exit_code == 0 and {d["id"] for d in json.loads(r.output)} >= {
        "red_honest",
        "serious_dishonesty",
    }
    r = run(app, ["list", "sync", "--as-of", "2026-07-15", "--json"])
    assert r.exit_code == 0, r.output
    by_id = {x["list_id"]: x for x in json.loads(r.output)}
    assert by_id["red_honest"]["entered"] == 1 and by_id["serious_dishonesty"]["candidates"] == 1
    assert list(by_id)[0] == "serious_dishonesty"  # black lists first
    r = run(app, ["list", "members", "red_honest", "--as-of", "2026-07-15", "--json"])
    assert [m["subject_id"] for m in json.loads(r.output)] == ["E1"]
    assert run(app, ["list", "sync", "nope"]).exit_code == 1
    assert run(app, ["list", "members", "nope"]).exit_code == 1
    # manual entry: refused without basis or reason (2), nothing written
    r = run(
        app,
        ["list", "enter", "serious_dishonesty", "--subject", "E2", "--reason", "r", "--start", "2026-07-15"],
    )
    assert r.exit_code == 2 and "legal basis" in r.output and "法律依据" in r.output
    assert run(app, ["list", "enter", "serious_dishonesty", "--subject", "E2", "--basis", "b"]).exit_code == 2
    assert (
        run(
            app,
            [
                "list",
                "enter",
                "serious_dishonesty",
                "--subject",
                "E2",
                "--basis",
                "b",
                "--reason",
                "r",
                "--start",
                "x",
            ],
        ).exit_code
        == 2
    )
    with session_scope(sqlite_engine) as s:
        before = s.scalar(select(func.count()).select_from(ListMembership))
    r = run(
        app,
        [
            "list",
            "enter",
            "serious_dishonesty",
            "--subject",
            "E2",
            "--basis",
            "决定书",
            "--reason",
            "r",
            "--start",
            "2026-07-15",
        ],
    )
    assert r.exit_code == 0, r.output
    with session_scope(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(ListMembership)) == before + 1
    # review queue and decision
    [c] = json.loads(run(app, ["list", "review", "serious_dishonesty", "--json"]).output)
    assert run(app, ["list", "decide", str(c["id"]), "--accept"]).exit_code == 2  # no reason
    assert run(app, ["list", "decide", str(c["id"]), "--reason", "r"]).exit_code == 2  # neither flag
    assert run(app, ["list", "decide", "999", "--reject", "--reason", "r"]).exit_code == 1
    r = run(
        app, ["list", "decide", str(c["id"]), "--accept", "--reason", "依法列入", "--start", "2026-07-20"]
    )
    assert r.exit_code == 0 and "accepted" in r.output
    rows = json.loads(run(app, ["list", "subject", "E4", "--as-of", "2026-07-20", "--json"]).output)
    assert [(m["list_id"], m["status"], m["start_on"]) for m in rows] == [
        ("serious_dishonesty", "active", "2026-07-20")
    ]
    mid = rows[0]["id"]
    assert run(app, ["list", "exit", str(mid), "--reason", ""]).exit_code == 2
    assert run(app, ["list", "exit", "999", "--reason", "r"]).exit_code == 1
    r = run(app, ["list", "exit", str(mid), "--reason", "提前移出", "--on", "2027-08-01"])
    assert r.exit_code == 0, r.output
