"""`xinyong rule …` end to end on a SQLite store: exit codes and JSON as docs/cli.md says."""

from __future__ import annotations

import json

from rules_world import build
from typer.testing import CliRunner

from xinyong.cli import app


def _env(monkeypatch, url: str) -> None:
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)


def test_check_save_eval(monkeypatch, sqlite_url, sqlite_engine, tmp_path):
    build(sqlite_engine)
    _env(monkeypatch, sqlite_url)
    runner = CliRunner()
    good = tmp_path / "rules.yaml"
    good.write_text(
        "rules:\n"
        "  - {id: focus.serious, expression: 'records.negative_serious_3y > 0'}\n"
        '  - {id: red.a, expression: \'grade["city_enterprise"] == "A"\'}\n',
        encoding="utf-8",
    )
    res = runner.invoke(app, ["rule", "check", str(good), "--json"])
    assert res.exit_code == 0, res.output
    assert [r["ok"] for r in json.loads(res.output)] == [True, True]

    bad = tmp_path / "bad.cel"
    bad.write_text("kind == 'a' &&\n  nothing > 1", encoding="utf-8")
    res = runner.invoke(app, ["rule", "check", str(bad)])
    assert res.exit_code == 2
    assert "line 2 col 3" in res.output and "unknown fact 'nothing'" in res.output

    res = runner.invoke(app, ["rule", "save", str(good), "--reason", "试行", "--actor", "officer"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["rule", "eval", "focus.serious", "--subject", "S1", "--as-of", "2026-10-31", "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["result"] is True and out["rule_version"] == 1
    assert out["facts"] == {"records.negative_serious_3y": 2}
    # an ad-hoc rule file evaluates too
    res = runner.invoke(
        app, ["rule", "eval", str(good), "--subject", "S2", "--as-of", "2026-10-31", "--json"]
    )
    assert res.exit_code == 0 and json.loads(res.output)["result"] is False

    assert runner.invoke(app, ["rule", "eval", "nope", "--subject", "S1"]).exit_code == 1
    assert runner.invoke(app, ["rule", "eval", "focus.serious", "--subject", "nobody"]).exit_code == 1
    assert (
        runner.invoke(app, ["rule", "eval", "focus.serious", "--subject", "S1", "--as-of", "31/10"]).exit_code
        == 2
    )
    res = runner.invoke(app, ["rule", "history", "focus.serious", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)[0]["reason"] == "试行"
    res = runner.invoke(app, ["rule", "facts", "--json"])
    assert res.exit_code == 0 and any(
        r["fact"] == "records.penalty_serious_3y" for r in json.loads(res.output)
    )


def test_the_cli_refuses_a_rule_reading_a_persons_score(monkeypatch, sqlite_url, sqlite_engine, tmp_path):
    """The rule CLI acts for officers: check, save and eval refuse a person's score, naming the fact;
    `rule facts` says which facts are personal."""
    build(sqlite_engine)
    _env(monkeypatch, sqlite_url)
    runner = CliRunner()
    rule = tmp_path / "low.yaml"
    rule.write_text("id: focus.low_person\nexpression: 'score[\"person_haihe\"] < 500.0'\n", encoding="utf-8")
    for args in (
        ["check", str(rule)],
        ["save", str(rule), "--reason", "试行"],
        ["eval", str(rule), "--subject", "S3"],
    ):
        res = runner.invoke(app, ["rule", *args])
        assert res.exit_code == 2, (args, res.output)
        assert 'score["person_haihe"]' in res.output and "seen only by the person" in res.output, args
    res = runner.invoke(app, ["rule", "history", "focus.low_person"])
    assert res.exit_code == 1  # nothing was saved
    facts = {r["fact"]: r for r in json.loads(runner.invoke(app, ["rule", "facts", "--json"]).output)}
    assert facts["score"]["personal_keys"] == ["person_haihe"] and facts["grade"]["personal"] is False
    assert facts["person.score"]["personal"] is True and facts["kind"]["personal"] is False
