"""Training a scorecard end to end: features → bins → fit → model spec + report (docs/scorecard.md).

`train_csv` works on any plain CSV of features and a label; `archive.train_archive` builds the feature
table from the archive. Both measure AUC/KS/Gini on the deployed card: the exported spec evaluated by
the Python evaluator (evaluation/semantics.py), integer points and all.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from xinyong.evaluation import semantics as sem
from xinyong.evaluation.schemas import ModelSpec
from xinyong.scorecard import export, report
from xinyong.scorecard.binning import fit_bins
from xinyong.scorecard.features import Dataset, holdout, load_csv
from xinyong.scorecard.fit import Card, fit_card


@dataclass
class TrainResult:
    spec: ModelSpec
    spec_path: Path | None
    card: Card
    metrics: dict[str, float]
    report: dict[str, Any]
    report_dir: Path | None
    extra: dict[str, Any] = field(default_factory=dict)


def attribute_text(value: Any) -> str | None:
    """A CSV cell as the subject attribute text the engines read (None = missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def subject_rows(X: pd.DataFrame, *, kind: str, ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Feature rows → subject rows with `sa_<column>` attributes (what the snapshot holds)."""
    ids = ids or [f"R{k:06d}" for k in range(len(X))]
    cols = list(X.columns)
    out = []
    for sid, values in zip(ids, X.itertuples(index=False, name=None), strict=True):
        row = {"id": sid, "kind": kind, "district_code": None, "parent_id": None}
        for col, v in zip(cols, values, strict=True):
            text = attribute_text(v)
            if text is not None:
                row[sem.attribute_column(col)] = text
        out.append(row)
    return out


def deployed_scores(
    spec: ModelSpec, subjects: list[dict[str, Any]], records: list[dict[str, Any]] = (), as_of_day: int = 0
) -> np.ndarray:
    """Scores of the exported spec by the Python evaluator, in the order of `subjects`."""
    rows = sem.evaluate_rows(
        spec, as_of_day, subjects=subjects, records=list(records), models={spec.id: spec}
    )
    by_id = {r["subject_id"]: r["score_units"] for r in rows}
    return np.array([by_id[s["id"]] for s in subjects], dtype=np.int64)


def fit_dataset(data: Dataset, train: np.ndarray, *, trends: dict[str, str] | None = None) -> Card:
    Xtr, ytr = data.X.iloc[train], data.y[train]
    return fit_card(fit_bins(Xtr, ytr, data.categorical, trends=trends), Xtr, ytr)


def train_csv(
    path: Path,
    *,
    target: str,
    bad: str,
    test_size: float = 0.3,
    seed: int = 0,
    allow_protected: tuple[str, ...] = (),
    trends: dict[str, str] | None = None,
    out_dir: Path | None = None,
    model_id: str | None = None,
    subject_kind: str = "person",
    plots: bool = True,
) -> TrainResult:
    """Train on a CSV with a stratified holdout; write `<out_dir>/<id>.yaml` and its report when out_dir."""
    data = load_csv(path, target=target, bad=bad, allow_protected=allow_protected)
    train, test = holdout(data, test_size=test_size, seed=seed)
    card = fit_dataset(data, train, trends=trends)
    model_id = model_id or export.indicator_id(f"scorecard_{path.stem}", set())
    templates = {c: export.attribute_template(c, c in data.categorical) for c in data.X.columns}
    train_scores = card.score(data.X.iloc[train])
    header = (
        f"Learned scorecard (学习型评分卡) from {path.name}: label `{target}` = `{bad}` is bad.\n"
        f"Trained by `xinyong scorecard train` on {len(train)} rows (seed {seed}); holdout {len(test)} rows.\n"
        f"Points: {card.base_score} at odds {card.odds:g}:1, {card.pdo:g} points to double the odds."
    )
    data_spec = export.card_spec(
        card,
        model_id=model_id,
        name_zh=f"{path.stem} 评分卡",
        name_en=f"{path.stem} scorecard",
        subject_kinds=[subject_kind],
        templates=templates,
        train_scores=train_scores,
        description=header.replace("\n", " "),
    )
    spec_path = out_dir / f"{model_id}.yaml" if out_dir else None
    if spec_path:
        spec = export.write_spec(data_spec, spec_path, header=header)
    else:
        from xinyong.evaluation.schemas import validate_spec

        spec = validate_spec(data_spec, source=model_id)
    test_scores = deployed_scores(spec, subject_rows(data.X.iloc[test], kind=subject_kind))
    m = report.metrics(data.y[test], test_scores)
    rep = build_report(
        spec,
        card,
        m,
        y_test=data.y[test],
        test_scores=test_scores,
        train_scores=train_scores,
        groups=data.groups.iloc[test],
        source={
            "csv": str(path),
            "target": target,
            "bad": bad,
            "test_size": test_size,
            "seed": seed,
            "rows": len(data.y),
            "train": len(train),
            "test": len(test),
        },
        protected_allowed=data.protected_allowed,
    )
    folder = report.report_dir(out_dir, model_id) if out_dir else None
    if folder:
        rep["plots"] = report.plots(card, data.y[test], test_scores, folder) if plots else []
        report.save_report(folder, rep)
    return TrainResult(spec=spec, spec_path=spec_path, card=card, metrics=m, report=rep, report_dir=folder)


def build_report(
    spec: ModelSpec,
    card: Card,
    m: dict[str, float],
    *,
    y_test: np.ndarray,
    test_scores: np.ndarray,
    train_scores: np.ndarray,
    groups: pd.DataFrame,
    source: dict[str, Any],
    protected_allowed: tuple[str, ...] = (),
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "model_id": spec.id, "model_version": spec.version, "name_zh": spec.name_zh, "name_en": spec.name_en,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "metrics": m, "measured_on": "deployed rounded card (Python evaluator of the exported spec), holdout",
        "scaling": {"base_score": card.base_score, "odds": card.odds, "pdo": card.pdo, "base_points": card.base,
                    "intercept": round(card.intercept, 4)},
        "psi_train_vs_holdout": report.psi(train_scores, test_scores),
        "bands": [{"grade": b.grade, "label_zh": b.label_zh, "label_en": b.label_en, "lower": b.lower, "upper": b.upper}
                  for b in spec.decision_bands],
        "features": report.bins_table(card), "dropped_features": card.dropped,
        "protected_excluded": list(groups.columns), "protected_allowed": list(protected_allowed),
        "groups": report.group_metrics(groups, y_test, test_scores),
        "source": source, **(extra or {}),
    }  # fmt: skip
