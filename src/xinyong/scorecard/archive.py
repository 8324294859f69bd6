"""Training from the archive: features = a model's record indicators as of a date, label = an outcome
record in the window after it, time-based holdout (docs/scorecard.md "From the archive").

Records are read through the disclosure policy (`record_filter(viewer, date)`, joined to Subject), as
the viewer sees them on each date; features are computed by the Python evaluator (the same indicator
vocabulary as model specs), so the exported spec reproduces them on every engine.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from xinyong.disclosure.policy import OPERATOR, Viewer, record_filter
from xinyong.evaluation import semantics as sem
from xinyong.evaluation.schemas import Indicator, ModelSpec
from xinyong.evaluation.snapshot import record_row, subject_row
from xinyong.records.models import Record
from xinyong.scorecard import export, report
from xinyong.scorecard.binning import fit_bins
from xinyong.scorecard.features import ScorecardError, check_features
from xinyong.scorecard.fit import fit_card
from xinyong.scorecard.service import TrainResult, build_report, deployed_scores
from xinyong.subjects.models import Subject


def shift(day: dt.date, window: int, sign: int = 1) -> dt.date:
    """`window` > 0: days; < 0: calendar months (the 31st clamps to the month's last day)."""
    if window > 0:
        return day + dt.timedelta(days=sign * window)
    months = day.year * 12 + day.month - 1 + sign * (-window)
    year, month = divmod(months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _records(
    session: Session, viewer: Viewer, as_of: dt.date, kinds: list[str], subject_ids: set[str]
) -> list[dict[str, Any]]:
    stmt = (
        select(Record)
        .join(Subject, Subject.id == Record.subject_id)
        .where(
            record_filter(viewer, as_of),
            Record.kind.in_(kinds),
            or_(Record.occurred_on.is_(None), Record.occurred_on <= as_of),
        )
    )
    return [record_row(r) for r in session.scalars(stmt) if r.subject_id in subject_ids]


def _outcomes(session: Session, viewer: Viewer, outcome: str, start: dt.date, end: dt.date) -> set[str]:
    stmt = (
        select(Record.subject_id)
        .join(Subject, Subject.id == Record.subject_id)
        .where(
            record_filter(viewer, end),
            Record.kind == outcome,
            Record.occurred_on > start,
            Record.occurred_on <= end,
        )
    )
    return set(session.scalars(stmt))


def feature_table(
    session: Session, spec: ModelSpec, viewer: Viewer, as_of: dt.date, outcome: str, window: int
) -> tuple[pd.DataFrame, np.ndarray, list[dict[str, Any]], list[dict[str, Any]]]:
    """(X in natural units, y, subject rows, record rows) as of the date."""
    subjects = [
        subject_row(s)
        for s in session.scalars(
            select(Subject).where(Subject.kind.in_(spec.subject_kinds)).order_by(Subject.id)
        )
    ]
    subjects = [s for s in subjects if sem.subject_selected(spec, s, None)]
    ids = {s["id"] for s in subjects}
    kinds = sorted({i.kind for i in spec.indicators})
    records = _records(session, viewer, as_of, kinds, ids)
    rows = sem.evaluate_rows(spec, sem.day(as_of), subjects=subjects, records=records, models={spec.id: spec})
    cols = {}
    for ind in spec.indicators:
        scale = sem.value_scale(spec, ind, {})
        vals = [r[f"v_{ind.id}"] for r in rows]
        cols[ind.id] = (
            pd.Series([np.nan if v is None else v for v in vals], dtype=object)
            if ind.categorical
            else pd.Series([np.nan if v is None else v / scale for v in vals], dtype="float64")
        )
    bad = _outcomes(session, viewer, outcome, as_of, shift(as_of, window))
    y = np.array([1 if r["subject_id"] in bad else 0 for r in rows], dtype=int)
    return pd.DataFrame(cols), y, subjects, records


def train_archive(
    engine: Engine,
    *,
    outcome: str,
    window: int,
    as_of: dt.date,
    features_from: str = "city_enterprise",
    viewer: Viewer = OPERATOR,
    allow_protected: tuple[str, ...] = (),
    trends: dict[str, str] | None = None,
    out_dir: Path | None = None,
    model_id: str | None = None,
    models: dict[str, ModelSpec] | None = None,
    plots: bool = True,
) -> TrainResult:
    """Train at `as_of − window`, hold out at `as_of`; errors are ScorecardError (bilingual)."""
    from xinyong.evaluation.service import catalogue_view, load_models

    models = models if models is not None else load_models()
    if features_from not in models:
        raise ScorecardError(
            f"没有模型 `{features_from}`（特征来源）", f"no model `{features_from}` to take features from"
        )
    base = models[features_from]
    inds: list[Indicator] = [i for i in base.indicators if i.source == "records"]
    if not inds:
        raise ScorecardError(
            f"模型 `{features_from}` 没有基于记录的指标", f"model `{features_from}` has no record indicators"
        )
    if outcome not in catalogue_view().fields:
        raise ScorecardError(
            f"目标结果 `{outcome}` 不是目录中的信息类别",
            f"outcome `{outcome}` is not a catalogue record kind",
        )
    spec = base.model_copy(update={"indicators": tuple(inds), "vetoes": (), "tags": ()})
    train_day, end = shift(as_of, window, -1), shift(as_of, window)
    with Session(engine) as session:
        last = session.scalar(select(func.max(Record.occurred_on)))
        if last is None or end > last:
            raise ScorecardError(
                f"结果窗口 {as_of}～{end} 超出数据截止日 {last}",
                f"the outcome window {as_of}..{end} runs past the data's end ({last})",
            )
        Xtr, ytr, _, _ = feature_table(session, spec, viewer, train_day, outcome, window)
        Xte, yte, s_te, r_te = feature_table(session, spec, viewer, as_of, outcome, window)
    if len(ytr) == 0:
        raise ScorecardError(
            f"{train_day} 没有 {features_from} 的评价对象", f"no subjects of {features_from} on {train_day}"
        )
    # an indicator nobody has a value of yet (e.g. no honour ever recorded) cannot be binned: left out, reported
    empty = [c for c in Xtr.columns if Xtr[c].isna().all()]
    Xtr, Xte = Xtr.drop(columns=empty), Xte.drop(columns=empty)
    inds = [i for i in inds if i.id not in empty]
    check_features(Xtr, ytr)
    categorical = tuple(i.id for i in inds if i.categorical)
    card = fit_card(fit_bins(Xtr, ytr, categorical, trends=trends), Xtr, ytr)
    model_id = model_id or f"scorecard_{outcome}"
    templates = {
        i.id: {
            **i.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"hint_zh", "hint_en"}),
            "id_hint": i.id,
        }
        for i in inds
    }
    train_scores = card.score(Xtr)
    header = (
        f"Learned scorecard (学习型评分卡): P(a `{outcome}` record within {_wtext(window)}), features = the record\n"
        f"indicators of `{features_from}`. Trained as of {train_day}, held out as of {as_of}.\n"
        f"Points: {card.base_score} at odds {card.odds:g}:1, {card.pdo:g} points to double the odds."
    )
    data = export.card_spec(
        card,
        model_id=model_id,
        name_zh=f"{outcome} 风险评分卡",
        name_en=f"{outcome} risk scorecard",
        subject_kinds=list(base.subject_kinds),
        templates=templates,
        train_scores=train_scores,
        description=header.replace("\n", " "),
    )
    data["subject_attributes"] = {k: list(v) for k, v in base.subject_attributes.items()}
    catalogue = catalogue_view().fields
    if out_dir:
        exported = export.write_spec(data, out_dir / f"{model_id}.yaml", header=header, catalogue=catalogue)
    else:
        from xinyong.evaluation.schemas import validate_spec

        exported = validate_spec(data, source=model_id, catalogue=catalogue)
    test_scores = deployed_scores(exported, s_te, r_te, sem.day(as_of))
    m = report.metrics(yte, test_scores)
    groups = pd.DataFrame({"district_code": [s.get("district_code") for s in s_te]})
    rep = build_report(
        exported,
        card,
        m,
        y_test=yte,
        test_scores=test_scores,
        train_scores=train_scores,
        groups=groups,
        source={
            "archive": True,
            "outcome": outcome,
            "window": _wtext(window),
            "train_as_of": train_day.isoformat(),
            "as_of": as_of.isoformat(),
            "features_from": features_from,
            "viewer": viewer.label,
            "train": len(ytr),
            "test": len(yte),
            "train_bad": int(ytr.sum()),
            "test_bad": int(yte.sum()),
        },
        protected_allowed=allow_protected,
    )
    rep["dropped_features"] = [*empty, *rep["dropped_features"]]
    rep["protected_excluded"] = []  # record indicators carry no protected attribute; districts are groups
    folder = report.report_dir(out_dir, model_id) if out_dir else None
    if folder:
        rep["plots"] = (
            report.plots(card, yte, test_scores, folder) if plots and len(set(yte.tolist())) > 1 else []
        )
        report.save_report(folder, rep)
    return TrainResult(
        spec=exported,
        spec_path=out_dir / f"{model_id}.yaml" if out_dir else None,
        card=card,
        metrics=m,
        report=rep,
        report_dir=folder,
    )


def _wtext(window: int) -> str:
    return f"{window}d" if window > 0 else f"{-window}m"
