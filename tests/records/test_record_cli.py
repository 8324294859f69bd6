"""`xinyong ingest --json` with a correction and `xinyong record history --json`, through the real Typer app."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from ingest_files import penalty_2, write_csv  # noqa: E402

from xinyong.cli import app  # noqa: E402


def test_ingest_reports_the_correction_and_history_lists_both_versions(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("XINYONG_DATABASE_URL", sqlite_url)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    assert run("db", "upgrade")[0] == 0
    first = write_csv(tmp_path / "a.csv", [penalty_2(1), penalty_2(2)])
    code, out, _ = run("ingest", str(first), "--source", "津市监", "--json")
    assert code == 0 and json.loads(out)["accepted"] == 2
    fixed = write_csv(
        tmp_path / "b.csv", [penalty_2(1, **{"罚款金额（万元）": "0.8"}), penalty_2(2), penalty_2(3)]
    )
    code, out, _ = run("ingest", str(fixed), "--source", "津市监", "--json")
    summary = json.loads(out)
    assert {k: summary[k] for k in ("read", "accepted", "corrected", "duplicates", "rejected")} == {
        "read": 3,
        "accepted": 1,
        "corrected": 1,
        "duplicates": 1,
        "rejected": 0,
    }

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from xinyong.records.models import Record
    from xinyong.store.db import make_engine

    engine = make_engine(sqlite_url)
    with Session(engine) as s:
        rid = s.scalars(select(Record.id).where(Record.version == 2)).one()
    engine.dispose()
    code, out, _ = run("record", "history", rid, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["record_id"] == rid
    assert [(v["version"], v["amount"], v["current"]) for v in doc["versions"]] == [
        (1, 5000.0, False),
        (2, 8000.0, True),
    ]
    assert doc["versions"][0]["content_id"] == rid != doc["versions"][1]["content_id"]
    code, out, err = run("record", "history", "0" * 64, "--json")
    assert code == 1 and "no record" in err and "没有" in err
