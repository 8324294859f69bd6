"""`xinyong draw list --json` and `xinyong draw replay` (exit 0 on a match, 1 on any mismatch)."""

from __future__ import annotations

import json

from draw_world import AS_OF, DEPT, NOW
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.draws import service

runner = CliRunner()


def test_list_and_replay(world, db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("XINYONG_DATABASE_URL", db_url)
    with Session(world.engine) as s, s.begin():
        service.create_plan(
            s,
            plan_id="hp-cli",
            district_code="120101",
            department=DEPT,
            name="计划",
            items="明码标价",
            scheme_id="heping_mall",
            inspectors_per_target=2,
            actor="t",
            ratios_bp={"good": 1000},
            now=NOW,
        )
        draw_id = service.commit_draw(s, plan_id="hp-cli", as_of=AS_OF, actor="t", now=NOW).id
    # before the draw: replay refuses (nothing revealed yet)
    assert runner.invoke(app, ["draw", "replay", draw_id]).exit_code == 1
    ran = runner.invoke(app, ["draw", "run", draw_id, "--outside", "NIST pulse 42", "--json"])
    assert ran.exit_code == 0, ran.output
    listed = runner.invoke(app, ["draw", "list", "--json"])
    assert listed.exit_code == 0
    rows = json.loads(listed.output)
    assert [(r["draw_id"], r["status"], r["targets"]) for r in rows] == [
        (draw_id, "drawn", 4)
    ]  # ceil(40 × 10 %)
    ok = runner.invoke(app, ["draw", "replay", draw_id])
    assert ok.exit_code == 0, ok.output
    # an outsider replays the published document from a file; a changed target is caught
    shown = runner.invoke(app, ["draw", "show", draw_id])
    doc = json.loads(shown.output)
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(app, ["draw", "replay", str(good), "--json"]).exit_code == 0
    others = [line.split("\t")[2] for line in doc["pool"].splitlines() if line.startswith("T")]
    drawn = {t["subject_id"] for t in doc["targets"]}
    doc["targets"][0]["subject_id"] = next(o for o in others if o not in drawn)
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    res = runner.invoke(app, ["draw", "replay", str(bad)])
    assert res.exit_code == 1 and "MISMATCH" in res.output
    assert runner.invoke(app, ["draw", "replay", "no-such-draw"]).exit_code == 1


def test_commit_of_an_unsatisfiable_plan_exits_2_and_writes_nothing(world, db_url, monkeypatch):
    from sqlalchemy import func, select

    from xinyong.draws.models import Draw
    from xinyong.ledger.service import tree_size

    monkeypatch.setenv("XINYONG_DATABASE_URL", db_url)
    with Session(world.engine) as s, s.begin():
        service.create_plan(
            s,
            plan_id="hp-empty",
            district_code="120101",
            department="和平区卫生健康委",  # no inspector of this department in the roster
            name="计划",
            items="卫生许可",
            scheme_id="heping_mall",
            inspectors_per_target=2,
            actor="t",
            ratios_bp={"good": 1000},
            now=NOW,
        )
    with Session(world.engine) as s:
        size = tree_size(s)
    res = runner.invoke(app, ["draw", "commit", "hp-empty", "--as-of", AS_OF.isoformat()])
    assert res.exit_code == 2
    assert "检查人员名录只有 0 名" in res.output and "the inspector pool has 0" in res.output
    with Session(world.engine) as s:
        assert s.scalar(select(func.count()).select_from(Draw)) == 0 and tree_size(s) == size
