"""Training from the demo history: time-based holdout, PSI, the exported spec runs on DuckDB and Python
with identical grades, and the bad inputs of the archive path (one class, window past the data's end)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.demo.generator import DemoConfig
from xinyong.demo.service import build_demo
from xinyong.evaluation.schemas import validate_spec
from xinyong.evaluation.service import compute, load_models
from xinyong.evaluation.snapshot import export_snapshot
from xinyong.records.models import Record
from xinyong.scorecard.archive import shift, train_archive
from xinyong.store.db import make_engine

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    build_demo(url=url, config=DemoConfig(seed=2023, scale=0.1), evaluate=False)
    engine = make_engine(url)
    yield url, engine, folder
    engine.dispose()


@pytest.fixture(scope="module")
def trained(demo):
    url, engine, folder = demo
    out = folder / "models"
    result = CliRunner().invoke(app, ["scorecard", "train", "--target", "penalty", "--window", "12m", "--as-of",
                                      AS_OF.isoformat(), "--json", "--id", "penalty_card", "--out", str(out)],
                                env={"XINYONG_DATABASE_URL": url})  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, json.loads(result.output.strip().splitlines()[-1])


def test_time_based_holdout_labels_and_report(demo, trained):
    url, engine, _ = demo
    out, figures = trained
    assert set(figures) == {"auc", "ks", "gini", "psi"} and figures["psi"] >= 0
    rep = json.loads((out / "penalty_card.report" / "report.json").read_text(encoding="utf-8"))
    src = rep["source"]
    assert (src["train_as_of"], src["as_of"]) == ("2024-06-30", "2025-06-30")
    # the holdout labels counted straight from the store: enterprises with a penalty in (as_of, as_of + 12 months]
    kinds = load_models()["city_enterprise"].subject_kinds
    from xinyong.subjects.models import Subject

    with Session(engine) as s:
        bad = s.scalar(
            select(func.count(func.distinct(Record.subject_id)))
            .join(Subject, Subject.id == Record.subject_id)
            .where(
                Record.kind == "penalty",
                Record.occurred_on > AS_OF,
                Record.occurred_on <= dt.date(2026, 6, 30),
                Subject.kind.in_(kinds),
            )
        )
    assert src["test_bad"] == bad > 0
    assert rep["groups"]["district_code"] and all(f["monotone"] for f in rep["features"])


def test_archive_scorecard_runs_on_duckdb_and_python_with_identical_grades(demo, trained, catalogue):
    url, engine, folder = demo
    out, _ = trained
    spec = validate_spec(
        yaml.safe_load((out / "penalty_card.yaml").read_text(encoding="utf-8")), catalogue=catalogue.fields
    )
    assert all(i.source == "records" for i in spec.indicators)
    snap = folder / "snapshot"
    export_snapshot(engine, snap, full=True)
    duck = compute(spec, {spec.id: spec}, snap, AS_OF, engine="duckdb").to_pylist()
    py = compute(spec, {spec.id: spec}, snap, AS_OF, engine="python").to_pylist()
    assert len(duck) > 100 and duck == py


def test_window_past_the_data_end_and_one_class(demo):
    url, engine, _ = demo
    env = {"XINYONG_DATABASE_URL": url}
    late = CliRunner().invoke(app, ["scorecard", "train", "--target", "penalty", "--window", "12m", "--as-of",
                                    "2026-06-30", "--json"], env=env)  # fmt: skip
    assert late.exit_code == 2
    err = json.loads(late.output.strip().splitlines()[-1])["error"]
    assert "past the data's end" in err["en"] and "超出数据截止日" in err["zh"]
    with pytest.raises(Exception, match="one class"):
        train_archive(engine, outcome="judgment_debtor", window=-12, as_of=AS_OF)


def test_calendar_month_shift():
    assert shift(dt.date(2025, 6, 30), -12) == dt.date(2026, 6, 30)
    assert shift(dt.date(2024, 2, 29), -12) == dt.date(2025, 2, 28)
    assert shift(dt.date(2025, 3, 31), -1, -1) == dt.date(2025, 2, 28)
    assert shift(dt.date(2025, 1, 1), 365) == dt.date(2026, 1, 1)
