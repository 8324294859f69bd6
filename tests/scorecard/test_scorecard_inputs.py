"""Bad input is a clear bilingual error with exit 2 and nothing written; the fairness guard."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.scorecard.features import is_protected

DATA = Path(__file__).with_name("data") / "germancredit.csv"
SMALL = ["status_of_existing_checking_account", "duration_in_month", "credit_history", "age_in_years",
         "personal_status_and_sex", "creditability"]  # fmt: skip


def _csv(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    return path


def _train(path: Path, out: Path, *extra: str):
    args = ["scorecard", "train", "--csv", str(path), "--target", "creditability", "--bad", "bad", "--json",
            "--out", str(out), *extra]  # fmt: skip
    return CliRunner().invoke(app, args)


def _error(result) -> dict:
    assert result.exit_code == 2, result.output
    err = json.loads(result.output.strip().splitlines()[-1])["error"]
    assert err["zh"] and err["en"] and err["zh"] != err["en"]
    return err


@pytest.fixture
def german() -> pd.DataFrame:
    return pd.read_csv(DATA)


def test_missing_label_column(tmp_path, german):
    out = tmp_path / "models"
    err = _error(_train(_csv(tmp_path, german.drop(columns=["creditability"])), out))
    assert "creditability" in err["en"] and "label" in err["en"] and "标签列" in err["zh"]
    assert not out.exists()


def test_one_class_target(tmp_path, german):
    out = tmp_path / "models"
    err = _error(_train(_csv(tmp_path, german[german.creditability == "good"]), out))
    assert "one class" in err["en"] and "一类" in err["zh"]
    assert not out.exists()


def test_all_missing_feature(tmp_path, german):
    frame = german[SMALL].assign(empty_column=None)
    err = _error(_train(_csv(tmp_path, frame), tmp_path / "models"))
    assert "empty_column" in err["en"] and "全部缺失" in err["zh"]


def test_unknown_protected_override_and_bad_trend(tmp_path, german):
    path = _csv(tmp_path, german[SMALL])
    assert "no_such" in _error(_train(path, tmp_path / "m", "--allow-protected", "no_such"))["en"]
    assert "trend" in _error(_train(path, tmp_path / "m", "--trend", "duration_in_month=zigzag"))["en"]


def test_protected_attributes_are_refused_unless_allowed_and_logged(tmp_path, german, caplog):
    path = _csv(tmp_path, german[SMALL])
    assert _train(path, tmp_path / "a", "--id", "plain").exit_code == 0
    rep = json.loads((tmp_path / "a" / "plain.report" / "report.json").read_text(encoding="utf-8"))
    assert {f["feature"] for f in rep["features"]} <= {
        "status_of_existing_checking_account",
        "duration_in_month",
        "credit_history",
    }
    assert rep["protected_excluded"] == ["age_in_years", "personal_status_and_sex"]
    by_sex = {g["group"]: g for g in rep["groups"]["personal_status_and_sex"]}
    assert (
        sum(g["count"] for g in by_sex.values()) == rep["source"]["test"] == 300
    )  # groups cover the holdout
    with caplog.at_level(logging.WARNING, logger="xinyong.scorecard"):
        result = _train(path, tmp_path / "b", "--id", "with_age", "--allow-protected", "age_in_years")
    assert result.exit_code == 0, result.output
    assert any("age_in_years" in r.getMessage() for r in caplog.records)
    rep = json.loads((tmp_path / "b" / "with_age.report" / "report.json").read_text(encoding="utf-8"))
    assert "age_in_years" in {f["feature"] for f in rep["features"]}
    assert rep["protected_allowed"] == ["age_in_years"] and rep["protected_excluded"] == [
        "personal_status_and_sex"
    ]


@pytest.mark.parametrize("name, protected", [
    ("age_in_years", True), ("Gender", True), ("性别", True), ("民族", True), ("marital_status", True),
    ("foreign_worker", True), ("duration_in_month", False), ("credit_amount", False), ("package", False),
    ("storage_days", False),
])  # fmt: skip
def test_protected_names(name, protected):
    assert is_protected(name) is protected
