"""Evaluation operations (no HTTP): load/check models, evaluate a population on an engine, keep the
results per run, explain a grade, answer history and distribution queries.

`latest_grades(session, subject_id, as_of)` is the function the archive / public card calls; its
return shape is documented in docs/evaluation.md.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import Engine, and_, func, insert, or_, select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.disclosure.policy import OPERATOR, Viewer
from xinyong.evaluation import hooks, privacy
from xinyong.evaluation import semantics as sem
from xinyong.evaluation.compiler import attributes_used, best_units, fields_used, reason_count
from xinyong.evaluation.engines import (
    ENGINES,
    DuckLimits,
    copy_duckdb,
    has_status,
    read_rows,
    run_duckdb,
    run_spark,
)
from xinyong.evaluation.models import EvaluationResult, EvaluationRun, ManualScore
from xinyong.evaluation.plan import Plan, compile_plan, needed_models, output_sql, spec_sha256
from xinyong.evaluation.repair import repairability
from xinyong.evaluation.schemas import ModelSpec, SpecError, decimal_places, read_yaml, validate_spec
from xinyong.evaluation.snapshot import export_snapshot, record_row, status_rows, subject_row
from xinyong.records.models import Record, RecordVersion
from xinyong.settings import get_settings
from xinyong.subjects.models import Subject

Progress = Callable[[str, int, int], None]


# ---------------------------------------------------------------- catalogue and models


@dataclass(frozen=True)
class CatalogueView:
    """What the evaluation needs from the catalogue: fields (with type) and polarity per kind."""

    fields: dict[str, dict[str, dict[str, Any]]]
    polarity: dict[str, str]
    names: dict[str, tuple[str, str]]


def catalogue_view(directory: Path | None = None) -> CatalogueView:
    from xinyong.catalogue.service import load_catalogue

    cat = load_catalogue(directory or get_settings().catalogue_dir)
    return CatalogueView(
        fields={k: {f.name: {"type": f.type} for f in spec.fields} for k, spec in cat.kinds.items()},
        polarity={k: spec.polarity for k, spec in cat.kinds.items()},
        names={k: (spec.name_zh, spec.name_en) for k, spec in cat.kinds.items()},
    )


def _model_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def load_models(
    directory: Path | None = None, *, catalogue: CatalogueView | None = None
) -> dict[str, ModelSpec]:
    """Every model under models/, validated against the catalogue; SpecError lists all problems.

    With the default catalogue the parsed models are cached per directory and the files' (name, mtime,
    size): benefits, facts and cards read them on every request, and parsing the YAML cost ~0.1 s a file.
    An edited file is re-read on the next call. Callers get a new dict of the (immutable) specs."""
    directory = directory or get_settings().models_dir
    if catalogue is not None:
        return _parse_models(directory, catalogue)
    cat_dir = Path(get_settings().catalogue_dir)
    return dict(_cached_models(Path(directory), _stamp(Path(directory)), cat_dir))


def _stamp(directory: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in _model_files(directory))


@lru_cache(maxsize=16)
def _cached_models(
    directory: Path, stamp: tuple[tuple[str, int, int], ...], catalogue_dir: Path
) -> dict[str, ModelSpec]:
    return _parse_models(directory, catalogue_view(catalogue_dir))


def _parse_models(directory: Path, catalogue: CatalogueView) -> dict[str, ModelSpec]:
    raw = {p: read_yaml(p) for p in _model_files(directory)}
    known = {d.get("id") for d in raw.values() if isinstance(d, dict)}
    models: dict[str, ModelSpec] = {}
    errors: list[tuple[str, str]] = []
    for path, data in raw.items():
        try:
            spec = validate_spec(data, source=path.name, catalogue=catalogue.fields, known_models=known)
        except SpecError as exc:
            errors += [(f"{path.name}: {p}", m) for p, m in exc.errors]
            continue
        if spec.id in models:
            errors.append((path.name, f"duplicate model id `{spec.id}`"))
        models[spec.id] = spec
    if errors:
        raise SpecError(str(directory), errors)
    return models


def check_model_file(
    path: Path, *, models_dir: Path | None = None, catalogue: CatalogueView | None = None
) -> ModelSpec:
    """Validate one file (tenant models may refer to any installed model)."""
    catalogue = catalogue or catalogue_view()
    models_dir = models_dir or get_settings().models_dir
    known = {d.get("id") for d in (read_yaml(p) for p in _model_files(models_dir)) if isinstance(d, dict)}
    data = read_yaml(path)
    if isinstance(data, dict):
        known.add(data.get("id"))
    return validate_spec(data, source=str(path), catalogue=catalogue.fields, known_models=known)


# ---------------------------------------------------------------- computing


def model_plan(
    spec: ModelSpec,
    models: dict[str, ModelSpec],
    snapshot: Path,
    *,
    district: str | None = None,
    cache_dir: Path | None = None,
) -> Plan:
    """The compiled plan for `spec` on this snapshot's layout, compiled once per spec hash and kept in
    `cache_dir`, by default `plans/` beside the snapshot (`<data_dir>/plans` for the store's own
    snapshot): a run against another store, e.g. `xinyong demo --url …`, never writes into the
    working directory's data folder."""
    return compile_plan(
        spec,
        models,
        district=district or spec.district,
        with_status=has_status(snapshot),
        cache_dir=cache_dir or snapshot.parent / "plans",
    )


def _project(sql: str, columns: list[str] | None, ordered: bool) -> str:
    if columns is None and not ordered:
        return sql
    cols = ", ".join(columns) if columns else "*"
    return f"SELECT {cols} FROM ({sql}) AS plan" + (" ORDER BY subject_id" if ordered else "")


def compute(
    spec: ModelSpec,
    models: dict[str, ModelSpec],
    snapshot: Path,
    as_of: dt.date,
    *,
    engine: str = "duckdb",
    district: str | None = None,
    spark_session: Any = None,
    threads: int | None = None,
    ordered: bool = True,
    columns: list[str] | None = None,
    limits: DuckLimits | None = None,
    cache_dir: Path | None = None,
) -> pa.Table:
    """Evaluate on one engine; one row per subject with the columns of `result_schema(spec)` (or only
    `columns`, in that order), sorted by subject_id by the engine itself unless `ordered=False` (the
    store and the Parquet output need no order). DuckDB and Spark run the same compiled plan."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine `{engine}`; use one of {', '.join(ENGINES)}")
    schema = result_schema(spec)
    unknown = sorted(set(columns or ()) - set(schema.names))
    if unknown:
        raise ValueError(f"unknown result columns / 未知结果列: {', '.join(unknown)}")
    district = district or spec.district  # a district's own model grades that district only
    used = needed_models(spec, models)
    fields, attrs = fields_used(used), attributes_used(used)
    as_of_day = sem.day(as_of)
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns])
    if engine == "python":
        rows = read_rows(snapshot, fields, attrs, district=district)
        out = sem.evaluate_rows(
            spec,
            as_of_day,
            subjects=rows["subjects"],
            records=rows["records"],
            manual=rows["manual_scores"],
            status=rows.get("record_status", []),
            models=models,
            district=district,
        )
        for row, codes in zip(out, reason_codes(spec, out), strict=True):
            row.update(codes)
        table = pa.Table.from_pylist(out, schema=result_schema(spec)).select(schema.names)
        return table.sort_by("subject_id") if ordered else table
    plan = model_plan(spec, models, snapshot, district=district, cache_dir=cache_dir)
    sql = _project(plan.sql(engine, as_of_day), columns, ordered)
    if engine == "duckdb":
        limits = limits or DuckLimits(threads=threads)
        table = run_duckdb(sql, snapshot, fields, attrs, limits=limits)
    else:
        table = run_spark(sql, snapshot, fields, attrs, session=spark_session)
    return table.cast(schema)


def export_results(
    spec: ModelSpec,
    models: dict[str, ModelSpec],
    snapshot: Path,
    as_of: dt.date,
    out: Path,
    *,
    run_id: str,
    district: str | None = None,
    limits: DuckLimits = DuckLimits(),
    cache_dir: Path | None = None,
) -> int:
    """Evaluate on DuckDB and stream the result file (`output_sql` columns) to `out` with COPY … TO:
    the bulk path, no row passes through Python. Returns the number of subjects written."""
    district = district or spec.district
    used = needed_models(spec, models)
    plan = model_plan(spec, models, snapshot, district=district, cache_dir=cache_dir)
    select_sql = output_sql(
        spec, f"({plan.sql('duckdb', sem.day(as_of))})", run_id=run_id, engine="duckdb", as_of=as_of
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    return copy_duckdb(select_sql, out, snapshot, fields_used(used), attributes_used(used), limits=limits)


def write_result_table(
    spec: ModelSpec, table: pa.Table, out: Path, *, run_id: str, engine: str, as_of: dt.date
) -> None:
    """The same result file from a result table already in memory (the store path), through DuckDB's
    COPY over the Arrow table, so both paths share one definition of the file."""
    import duckdb

    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.register("result_table", table)
        target = out.as_posix().replace("'", "''")
        con.execute(
            f"COPY ({output_sql(spec, 'result_table', run_id=run_id, engine=engine, as_of=as_of)}) "
            f"TO '{target}' (FORMAT parquet)"
        )
    finally:
        con.close()


def result_schema(spec: ModelSpec) -> pa.Schema:
    """The one result schema every engine's output is cast to."""
    cols = [("subject_id", pa.string()), ("parent_id", pa.string()), ("district_code", pa.string())]
    for ind in spec.indicators:
        cols += [(f"v_{ind.id}", pa.string() if ind.categorical else pa.int64()), (f"p_{ind.id}", pa.int64())]
    cols += [(f"d_{d.id}", pa.int64()) for d in spec.dimensions]
    cols += [("score_units", pa.int64()), ("grade", pa.string()), ("veto", pa.string())]
    cols += [(f"t_{t.id}", pa.bool_()) for t in spec.tags]
    cols += [(f"reason_{n + 1}", pa.string()) for n in range(reason_count(spec))]
    return pa.schema(cols)


def best_points(spec: ModelSpec, ind_id: str) -> int:
    """The most points an indicator can give: the reference for 'points lost'."""
    return best_units(spec, spec.indicator(ind_id))


def reason_matrix(spec: ModelSpec, table: pa.Table) -> tuple[np.ndarray, list[str]]:
    """Weighted points lost per indicator (score units × 10 000), one row per subject."""
    weights = {d.id: sem.weight_basis_points(d.weight) for d in spec.dimensions}
    ids = [i.id for i in spec.indicators]
    cols = []
    for ind in spec.indicators:
        pts = table.column(f"p_{ind.id}").to_numpy(zero_copy_only=False).astype(np.int64)
        cols.append((best_points(spec, ind.id) - pts) * weights[ind.dimension])
    return (np.stack(cols, axis=1) if cols else np.zeros((table.num_rows, 0), dtype=np.int64)), ids


def top_k(lost: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k largest values per row, largest first, ties to the earlier indicator
    (argmax returns the first maximum). k passes of argmax beat a full row sort by an order of magnitude."""
    work = lost.copy()
    out = np.empty((lost.shape[0], k), dtype=np.int64)
    rows = np.arange(lost.shape[0])
    for j in range(k):
        out[:, j] = work.argmax(axis=1)
        work[rows, out[:, j]] = np.iinfo(np.int64).min
    return out


def top_reasons(spec: ModelSpec, table: pa.Table) -> list[list[dict[str, Any]]]:
    """Top reason codes per subject: the indicators that cost the most (weighted) points; ties → spec order.
    This numpy ranking is the python engine's; DuckDB and Spark rank in SQL (compiler._reasons)."""
    lost, ids = reason_matrix(spec, table)
    order = top_k(lost, reason_count(spec))
    scale = sem.BASIS * 10**spec.decimals
    out = []
    for row, idx in zip(lost, order, strict=True):
        out.append(
            [
                {
                    "code": f"{spec.id}.{ids[j]}",
                    "indicator": ids[j],
                    "cost": round(int(row[j]) / scale, spec.decimals),
                }
                for j in idx
                if row[j] > 0
            ]
        )
    return out


def reason_codes(spec: ModelSpec, rows: list[dict[str, Any]]) -> list[dict[str, str | None]]:
    """reason_1..reason_k per row of python-engine output (None where fewer indicators cost points)."""
    if not rows:
        return []
    table = pa.table({f"p_{i.id}": [r[f"p_{i.id}"] for r in rows] for i in spec.indicators})
    names = [f"reason_{n + 1}" for n in range(reason_count(spec))]
    return [
        {**dict.fromkeys(names), **{names[n]: r["code"] for n, r in enumerate(reasons)}}
        for reasons in top_reasons(spec, table)
    ]


def _stored_reasons(spec: ModelSpec, row: dict[str, Any]) -> list[dict[str, Any]]:
    """The reason codes of a result row with the weighted points each one costs (as top_reasons gives)."""
    weights = {d.id: sem.weight_basis_points(d.weight) for d in spec.dimensions}
    scale = sem.BASIS * 10**spec.decimals
    out = []
    for n in range(reason_count(spec)):
        code = row[f"reason_{n + 1}"]
        if code is None:
            break
        ind = spec.indicator(code.split(".", 1)[1])
        lost = (best_points(spec, ind.id) - row[f"p_{ind.id}"]) * weights[ind.dimension]
        out.append({"code": code, "indicator": ind.id, "cost": round(lost / scale, spec.decimals)})
    return out


# ---------------------------------------------------------------- runs


@dataclass
class RunSummary:
    run_id: str
    model_id: str
    model_version: str
    as_of: dt.date
    engine: str
    district: str | None
    subjects: int
    grades: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    out: str | None = None


def _db_rows(spec: ModelSpec, table: pa.Table, run_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    div = 10**spec.decimals
    rows = []
    for r in table.to_pylist():
        rows.append(
            {
                "run_id": run_id,
                "subject_id": r["subject_id"],
                "model_id": spec.id,
                "as_of": as_of,
                "district_code": r["district_code"],
                "score": r["score_units"] / div,
                "grade": r["grade"],
                "veto": r["veto"],
                "points": {i.id: r[f"p_{i.id}"] / div for i in spec.indicators},
                "values": {i.id: r[f"v_{i.id}"] for i in spec.indicators},
                "dimensions": {d.id: r[f"d_{d.id}"] / div for d in spec.dimensions},
                "reasons": _stored_reasons(spec, r),
                "tags": [t.id for t in spec.tags if r[f"t_{t.id}"]],
            }
        )
    return rows


def evaluate(
    engine: Engine,
    *,
    model_id: str,
    as_of: dt.date,
    engine_name: str = "duckdb",
    district: str | None = None,
    out: Path | None = None,
    snapshot_dir: Path | None = None,
    models: dict[str, ModelSpec] | None = None,
    spark_session: Any = None,
    progress: Progress | None = None,
    changed: bool = False,
) -> RunSummary:
    """Export the snapshot incrementally, evaluate, append the run's results to the store (and Parquet).

    With `changed`, store results only for the subjects `changed_subjects` names (grades that are
    stale, subjects never graded by the model): the others keep their current grade.

    In the same transaction the GRADE_LISTENERS of `xinyong.evaluation.hooks` react to the stored
    grades (credit lists re-checked for the graded subjects as of `as_of`).

    `out` (a Parquet file of every subject's score) is refused for a personal model (privacy.Withheld):
    it would hand every person's score to whoever runs it; the stored results go through privacy."""
    step = progress or (lambda *_: None)
    models = models or load_models()
    if model_id not in models:
        raise KeyError(f"unknown model `{model_id}` / 未知模型; installed: {', '.join(sorted(models))}")
    spec = models[model_id]
    if out is not None and model_id in privacy.personal_models():
        raise privacy.Withheld(
            f"{model_id} 是个人信用积分：不能导出到文件（--out），仅本人或获授权者可见",
            f"{model_id} is a person's credit score: it may not be written to a file (--out); only the "
            "person or a grant holder sees it",
        )
    district = district or spec.district
    snapshot_dir = snapshot_dir or get_settings().data_dir / "snapshot"
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    t0 = time.perf_counter()
    step("snapshot / 导出快照", 0, 1)
    export_snapshot(engine, snapshot_dir)
    step(f"evaluate on {engine_name} / 计算", 0, 1)
    table = compute(
        spec,
        models,
        snapshot_dir,
        as_of,
        engine=engine_name,
        district=district,
        spark_session=spark_session,
        ordered=False,
    )
    if changed:
        with Session(engine) as session:
            only = changed_subjects(session, model_id=spec.id)
        if only is not None:
            import pyarrow.compute as pc

            table = table.filter(pc.is_in(table["subject_id"], value_set=pa.array(sorted(only), pa.string())))
    run_id = uuid.uuid4().hex
    rows = _db_rows(spec, table, run_id, as_of)
    with Session(engine) as session, session.begin():
        session.add(
            EvaluationRun(
                id=run_id,
                model_id=spec.id,
                model_version=spec.version,
                model_sha256=spec_sha256(spec),
                spec=spec.model_dump(mode="json", by_alias=True),
                as_of=as_of,
                engine=engine_name,
                district_code=district,
                subjects=len(rows),
                started_at=started,
                finished_at=started,
                seconds=0.0,
            )
        )
        session.flush()
        chunk = 2000
        for k in range(0, len(rows), chunk):
            session.execute(insert(EvaluationResult), rows[k : k + chunk])
            step("store results / 写入结果", min(k + chunk, len(rows)), len(rows))
        seconds = time.perf_counter() - t0
        run = session.get(EvaluationRun, run_id)
        run.finished_at = started + dt.timedelta(seconds=seconds)
        run.seconds = seconds
        session.flush()
        # what follows from the new grades (list memberships …) commits with them: evaluation.hooks
        hooks.grades_written(
            session, model_id=spec.id, as_of=as_of, subject_ids=[r["subject_id"] for r in rows]
        )
    if out is not None:
        write_result_table(spec, table, out, run_id=run_id, engine=engine_name, as_of=as_of)
    return RunSummary(
        run_id=run_id,
        model_id=spec.id,
        model_version=spec.version,
        as_of=as_of,
        engine=engine_name,
        district=district,
        subjects=len(rows),
        grades=dict(Counter(r["grade"] for r in rows)),
        seconds=seconds,
        out=str(out) if out else None,
    )


def evaluate_all(
    engine: Engine,
    *,
    as_of: dt.date,
    engine_name: str = "duckdb",
    snapshot_dir: Path | None = None,
    models: dict[str, ModelSpec] | None = None,
    progress: Progress | None = None,
) -> list[RunSummary]:
    """Every installed model, city-wide (the demo build calls this at its end)."""
    models = models or load_models()
    return [
        evaluate(
            engine,
            model_id=m,
            as_of=as_of,
            engine_name=engine_name,
            snapshot_dir=snapshot_dir,
            models=models,
            progress=progress,
        )
        for m in sorted(models)
    ]


def record_manual_score(
    session: Session,
    *,
    model_id: str,
    indicator_id: str,
    subject_id: str,
    value: float,
    effective_on: dt.date,
    entered_by: str,
    reason: str,
    models: dict[str, ModelSpec] | None = None,
    now: dt.datetime | None = None,
) -> ManualScore:
    """An officer's expert score (人工评分), kept with who/when/why; validated against the model."""
    models = models or load_models()
    spec = models.get(model_id)
    ind = next((i for i in spec.indicators if i.id == indicator_id), None) if spec else None
    if ind is None or ind.source != "manual":
        raise ValueError(f"`{model_id}.{indicator_id}` is not a manual indicator / 不是人工评分指标")
    if not (ind.manual_min <= value <= ind.manual_max) or decimal_places(value) > spec.decimals:
        raise ValueError(
            f"value {value} outside {ind.manual_min}..{ind.manual_max} or more than {spec.decimals} "
            f"decimals / 分值超出范围"
        )
    if not reason.strip() or not entered_by.strip():
        raise ValueError("who and why are required / 须填写评分人和理由")
    if session.get(Subject, subject_id) is None:
        raise ValueError(f"unknown subject `{subject_id}` / 主体不存在")
    row = ManualScore(
        model_id=model_id,
        indicator_id=indicator_id,
        subject_id=subject_id,
        value_milli=spec.units(value) * 10 ** (4 - spec.decimals),
        effective_on=effective_on,
        entered_by=entered_by,
        entered_at=now or dt.datetime.now(dt.UTC).replace(tzinfo=None),
        reason=reason,
    )
    session.add(row)
    session.flush()
    return row


# ---------------------------------------------------------------- queries


def _spec_of(run: EvaluationRun) -> ModelSpec:
    return ModelSpec.model_validate(run.spec)


def _band(spec: ModelSpec, grade: str) -> tuple[str, str]:
    b = next((b for b in spec.decision_bands if b.grade == grade), None)
    return (b.label_zh, b.label_en) if b else (grade, grade)


def _num(x: float) -> str:
    return f"{x:g}"


def reason_sentence(
    name_zh: str, name_en: str, points: float | None, best: float | None, cost: float | None
) -> tuple[str, str]:
    """A reason code as a sentence (zh, en), e.g. "表彰荣誉（3年内）：本项 0/50 分，综合得分因此少 10 分".

    `points` are the indicator's own points, `best` the most it can give, `cost` the weighted score
    points lost against that best (evaluation reasons, docs/evaluation.md)."""
    lost_zh = f"，综合得分因此少 {_num(cost)} 分" if cost else ""
    lost_en = f"; the score is {_num(cost)} points lower for it" if cost else ""
    if points is None:
        return f"{name_zh}：无数据{lost_zh}", f"{name_en}: no data{lost_en}"
    if points < 0:
        return (
            f"{name_zh}：本项扣 {_num(-points)} 分{lost_zh}",
            f"{name_en}: {_num(-points)} points deducted{lost_en}",
        )
    if best is not None and best > 0:
        return (
            f"{name_zh}：本项 {_num(points)}/{_num(best)} 分{lost_zh}",
            f"{name_en}: {_num(points)} of {_num(best)} points{lost_en}",
        )
    return f"{name_zh}：本项 {_num(points)} 分{lost_zh}", f"{name_en}: {_num(points)} points{lost_en}"


def _reason(spec: ModelSpec, r: dict[str, Any], points: float | None) -> dict[str, Any]:
    """A stored reason `{code, indicator, cost}` with its indicator's names, points and sentence."""
    ind = next((i for i in spec.indicators if i.id == r.get("indicator")), None)
    name_zh, name_en = (ind.name_zh, ind.name_en) if ind is not None else ("", "")
    best = best_points(spec, ind.id) / 10**spec.decimals if ind is not None else None
    zh, en = reason_sentence(
        name_zh or r.get("code", ""), name_en or r.get("code", ""), points, best, r.get("cost")
    )
    return {
        **r,
        "name_zh": name_zh,
        "name_en": name_en,
        "points": points,
        "best": best,
        "sentence_zh": zh,
        "sentence_en": en,
    }


def present_result(run: EvaluationRun, res: EvaluationResult) -> dict[str, Any]:
    spec = _spec_of(run)
    label_zh, label_en = _band(spec, res.grade)
    veto = next((v for v in spec.vetoes if v.id == res.veto), None)
    tags = {t.id: t for t in spec.tags}
    return {
        "model_id": spec.id,
        "model_version": spec.version,
        "model_name_zh": spec.name_zh,
        "model_name_en": spec.name_en,
        "run_id": run.id,
        "as_of": res.as_of.isoformat(),
        "engine": run.engine,
        "score": res.score,
        "grade": res.grade,
        "grade_label_zh": label_zh,
        "grade_label_en": label_en,
        "veto": {"id": veto.id, "reason_zh": veto.reason_zh, "reason_en": veto.reason_en} if veto else None,
        "reasons": [_reason(spec, r, res.points.get(r["indicator"])) for r in res.reasons],
        "tags": [
            {"id": t, "label_zh": tags[t].label_zh, "label_en": tags[t].label_en}
            for t in res.tags
            if t in tags
        ],
    }


def explain_for(
    session: Session,
    *,
    viewer: Viewer,
    subject_id: str,
    model_id: str,
    as_of: dt.date,
    surface: str = "explain",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """`explain` as the viewer may see it: a personal model's explanation (a person's score) only for
    the person or a holder of the person's live grant — evaluation.privacy.result_access, the one
    decision; a read under a grant is logged (surface `surface`). privacy.Withheld otherwise."""
    access = privacy.result_access(session, viewer=viewer, subject_id=subject_id, model_id=model_id, now=now)
    if not access.allowed:
        raise privacy.withheld(model_id, subject_id)
    out = explain(session, subject_id=subject_id, model_id=model_id, as_of=as_of)
    privacy.log_grant_read(
        session,
        viewer=viewer,
        subject_id=subject_id,
        access=access,
        surface=surface,
        what=f"explain:{model_id}",
        as_of=as_of,
        now=now,
    )
    return out


def latest_grades(
    session: Session,
    subject_id: str,
    as_of: dt.date,
    viewer: Viewer | None = None,
    *,
    surface: str = "grades",
) -> list[dict[str, Any]]:
    """The newest result per model for the subject with run as_of ≤ as_of (shape: docs/evaluation.md),
    each with `stale_since`: the day the subject's records (as `viewer` may see them; default the
    operator) first changed after the run started, or None (see `stale_since`).

    With a `viewer`, results of a personal model (a person's score) are left out unless the viewer is
    the person or holds the person's live grant (evaluation.privacy; a read under a grant is logged,
    surface `surface`). `viewer=None` is for internal computation only (nothing is shown)."""
    stmt = (
        select(EvaluationRun, EvaluationResult)
        .join(EvaluationResult, EvaluationResult.run_id == EvaluationRun.id)
        .where(EvaluationResult.subject_id == subject_id, EvaluationRun.as_of <= as_of)
        .order_by(EvaluationRun.as_of.desc(), EvaluationRun.finished_at.desc(), EvaluationRun.id)
    )
    if viewer is not None:
        stmt = stmt.where(
            privacy.result_filter(
                viewer, model_id=EvaluationRun.model_id, subject_id=EvaluationResult.subject_id
            )
        )
    seen: dict[str, dict[str, Any]] = {}
    for run, res in session.execute(stmt):
        if run.model_id not in seen:
            seen[run.model_id] = present_result(run, res)
            day = stale_since(session, subject_id=subject_id, since=run.started_at, viewer=viewer or OPERATOR)
            seen[run.model_id]["stale_since"] = day.isoformat() if day else None
    if viewer is not None:
        personal = privacy.personal_models()
        for model_id in sorted(set(seen) & personal):
            access = privacy.result_access(
                session, viewer=viewer, subject_id=subject_id, model_id=model_id, personal=personal
            )
            privacy.log_grant_read(
                session,
                viewer=viewer,
                subject_id=subject_id,
                access=access,
                surface=surface,
                what=f"grade:{model_id}",
                as_of=as_of,
            )
    return [seen[m] for m in sorted(seen)]


def stale_since(
    session: Session,
    *,
    subject_id: str,
    since: dt.datetime,
    viewer: Viewer = OPERATOR,
    as_of: dt.date | None = None,
) -> dt.date | None:
    """评价后有新记录: the day (UTC) the subject's records first changed at or after `since` (a grade's
    run start: its snapshot was taken then), as far as `viewer` may tell; None when nothing changed.

    A change is a record first collected since then that the viewer may see as of `as_of` (default
    today), or a status event (xinyong.status) recorded since then on a record the viewer may see
    ignoring its status, or on a public-level record (its repair or revocation is a public change), or
    a correction (a record version after the first, docs/ingest.md) of a record the viewer may see.
    Works on a Session or a Connection."""
    from xinyong.disclosure.policy import PUBLIC_LEVEL, record_filter, subject_filter
    from xinyong.status.models import StatusEvent

    as_of = as_of or clock.today()
    seen = and_(Record.subject_id == subject_id, subject_filter(viewer))
    new = session.execute(
        select(func.min(Record.first_seen))
        .join(Subject, Subject.id == Record.subject_id)
        .where(seen, Record.first_seen >= since, record_filter(viewer, as_of))
    ).scalar()
    status = session.execute(
        select(func.min(StatusEvent.recorded_at))
        .join(Record, Record.id == StatusEvent.record_id)
        .join(Subject, Subject.id == Record.subject_id)
        .where(
            seen,
            StatusEvent.recorded_at >= since,
            or_(Record.disclosure == PUBLIC_LEVEL, record_filter(viewer, as_of)),
        )
    ).scalar()
    # A correction (更正, a version after the first) of a record the viewer may see changes it too.
    corrected = session.execute(
        select(func.min(RecordVersion.recorded_at))
        .join(Record, Record.id == RecordVersion.record_id)
        .join(Subject, Subject.id == Record.subject_id)
        .where(
            seen, RecordVersion.version > 1, RecordVersion.recorded_at >= since, record_filter(viewer, as_of)
        )
    ).scalar()
    times = [t for t in (new, status, corrected) if t is not None]
    return min(times).date() if times else None


def changed_subjects(session: Session, *, model_id: str) -> set[str] | None:
    """Subjects whose latest grade by `model_id` is stale (records collected, corrected or status events
    recorded at or after that run's start), plus subjects with records never graded by it; None when the model
    has never run (everything is to be graded). What `xinyong evaluate --changed` re-grades."""
    from xinyong.status.models import StatusEvent

    graded = dict(
        session.execute(
            select(EvaluationResult.subject_id, func.max(EvaluationRun.started_at))
            .join(EvaluationRun, EvaluationRun.id == EvaluationResult.run_id)
            .where(EvaluationRun.model_id == model_id)
            .group_by(EvaluationResult.subject_id)
        ).all()
    )
    if not graded:
        return None
    changed: dict[str, dt.datetime] = {}
    for stmt in (
        select(Record.subject_id, func.max(Record.first_seen)).group_by(Record.subject_id),
        select(Record.subject_id, func.max(StatusEvent.recorded_at))
        .join(Record, Record.id == StatusEvent.record_id)
        .group_by(Record.subject_id),
        select(Record.subject_id, func.max(RecordVersion.recorded_at))
        .join(Record, Record.id == RecordVersion.record_id)
        .where(RecordVersion.version > 1)
        .group_by(Record.subject_id),
    ):
        for sid, at in session.execute(stmt):
            if at is not None and (sid not in changed or at > changed[sid]):
                changed[sid] = at
    # A subject merge (or its undoing) changes both subjects' records (xinyong.subjects.merge).
    from xinyong.subjects.models import SubjectMerge

    for column in (SubjectMerge.kept_id, SubjectMerge.merged_id):
        for sid, at in session.execute(select(column, func.max(SubjectMerge.decided_at)).group_by(column)):
            if at is not None and (sid not in changed or at > changed[sid]):
                changed[sid] = at
    out = {sid for sid, at in changed.items() if sid not in graded or at >= graded[sid]}
    # Carriers are graded from their tenants' records: a changed tenant makes its carrier stale.
    parents = dict(
        session.execute(select(Subject.id, Subject.parent_id).where(Subject.parent_id.is_not(None))).all()
    )
    return out | {parents[s] for s in out if s in parents}


def grade_history(
    session: Session, subject_id: str, model_id: str | None = None, viewer: Viewer | None = None
) -> list[dict[str, Any]]:
    """Every stored result of the subject, oldest first; with a `viewer`, personal models' results only
    for the person or a grant holder (evaluation.privacy)."""
    stmt = (
        select(EvaluationRun, EvaluationResult)
        .join(EvaluationResult, EvaluationResult.run_id == EvaluationRun.id)
        .where(EvaluationResult.subject_id == subject_id)
        .order_by(EvaluationRun.as_of, EvaluationRun.finished_at)
    )
    if viewer is not None:
        stmt = stmt.where(
            privacy.result_filter(
                viewer, model_id=EvaluationRun.model_id, subject_id=EvaluationResult.subject_id
            )
        )
    if model_id:
        stmt = stmt.where(EvaluationRun.model_id == model_id)
    return [
        {
            "model_id": run.model_id,
            "model_version": run.model_version,
            "run_id": run.id,
            "as_of": run.as_of.isoformat(),
            "score": res.score,
            "grade": res.grade,
        }
        for run, res in session.execute(stmt)
    ]


def list_runs(session: Session, *, model_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    stmt = select(EvaluationRun).order_by(EvaluationRun.finished_at.desc()).limit(limit)
    if model_id:
        stmt = stmt.where(EvaluationRun.model_id == model_id)
    return [
        {
            "run_id": r.id,
            "model_id": r.model_id,
            "model_version": r.model_version,
            "as_of": r.as_of.isoformat(),
            "engine": r.engine,
            "district": r.district_code,
            "subjects": r.subjects,
            "finished_at": r.finished_at.isoformat(timespec="seconds"),
            "seconds": round(r.seconds, 3),
        }
        for r in session.scalars(stmt)
    ]


def distribution(
    session: Session, *, model_id: str, district: str | None = None, view_min_score: float | None = None
) -> list[dict[str, Any]]:
    """Grade counts per run over time (latest run per as_of date), optionally for one district.
    `view_min_score` only narrows what is counted in the view; it never changes a grade. For a personal
    model (a person's score, evaluation.privacy) it is refused (privacy.Withheld): counts above moving
    thresholds in a small district would tell each person's score."""
    if view_min_score is not None and model_id in privacy.personal_models():
        raise privacy.Withheld(
            f"{model_id} 是个人信用积分：不能按分数（view_min_score）统计，否则可推知个人分数",
            f"{model_id} is a person's credit score: counts by a score threshold (view_min_score) would "
            "tell persons' scores",
        )
    runs = session.scalars(
        select(EvaluationRun)
        .where(EvaluationRun.model_id == model_id)
        .order_by(EvaluationRun.as_of, EvaluationRun.finished_at)
    ).all()
    latest: dict[dt.date, EvaluationRun] = {}
    for r in runs:
        if r.district_code is None or district is None or r.district_code == district:
            latest[r.as_of] = r  # later runs on the same date replace earlier ones in the view
    out = []
    for as_of, run in sorted(latest.items()):
        stmt = select(EvaluationResult.grade).where(EvaluationResult.run_id == run.id)
        if district:
            stmt = stmt.where(EvaluationResult.district_code == district)
        if view_min_score is not None:
            stmt = stmt.where(EvaluationResult.score >= view_min_score)
        counts = Counter(session.scalars(stmt))
        spec = _spec_of(run)
        out.append(
            {
                "as_of": as_of.isoformat(),
                "run_id": run.id,
                "model_version": run.model_version,
                "total": sum(counts.values()),
                "grades": {b.grade: counts.get(b.grade, 0) for b in spec.decision_bands},
            }
        )
    return out


# ---------------------------------------------------------------- explanation (python engine, on demand)


def _subject_rows(session: Session, subject_id: str) -> tuple[list[dict[str, Any]], ...]:
    subj = session.get(Subject, subject_id)
    if subj is None:
        raise KeyError(f"unknown subject `{subject_id}` / 主体不存在")
    subjects = [subj, *session.scalars(select(Subject).where(Subject.parent_id == subject_id))]
    ids = [s.id for s in subjects]
    records = [record_row(r) for r in session.scalars(select(Record).where(Record.subject_id.in_(ids)))]
    manual = [
        {
            "subject_id": m.subject_id,
            "model_id": m.model_id,
            "indicator_id": m.indicator_id,
            "value_milli": m.value_milli,
            "effective_day": sem.day(m.effective_on),
            "seq": m.id,
        }
        for m in session.scalars(select(ManualScore).where(ManualScore.subject_id.in_(ids)))
    ]
    status = status_rows(session, [r["id"] for r in records]) if records else []
    return [subject_row(s) for s in subjects], records, manual, status


def evaluate_subject(
    session: Session,
    *,
    subject_id: str,
    model_id: str,
    as_of: dt.date,
    models: dict[str, ModelSpec] | None = None,
    exclude: set[str] = frozenset(),
    extra_records: list[dict[str, Any]] = (),
) -> dict[str, Any] | None:
    """The python engine on one subject straight from the store (archive page, what-if)."""
    models = models or load_models()
    spec = models[model_id]
    subjects, records, manual, status = _subject_rows(session, subject_id)
    rows = sem.evaluate_rows(
        spec,
        sem.day(as_of),
        subjects=subjects,
        records=[*records, *extra_records],
        manual=manual,
        status=status,
        models=models,
        exclude=exclude,
    )
    return next((r for r in rows if r["subject_id"] == subject_id), None)


def _synthetic(ind: Any, subject_id: str, as_of_day: int) -> dict[str, Any]:
    """A record that satisfies an indicator's filters, dated as_of (what a new positive record would do)."""
    row = {
        "id": f"what-if-{ind.id}",
        "kind": ind.kind,
        "subject_id": subject_id,
        "occurred_day": as_of_day,
        "publicity_until_day": None,
        "valid_until_day": None,
        "severity": None,
        "polarity": "positive",
        "disclosure": "public",
        "source": "what-if",
        "amount": None,
    }
    for flt in ind.filters:
        col = sem.column_of(flt.field)
        if flt.equals is not None:
            row[col] = flt.equals
        elif flt.in_:
            row[col] = flt.in_[0]
        elif flt.present:
            row[col] = "what-if"
    if ind.aggregate == "latest":
        best = max((b for b in ind.points if b.equals is not None), key=lambda b: b.points, default=None)
        row[sem.column_of(ind.field)] = best.equals if best else None
    return row


def explain(
    session: Session,
    *,
    subject_id: str,
    model_id: str,
    as_of: dt.date,
    models: dict[str, ModelSpec] | None = None,
    catalogue: CatalogueView | None = None,
) -> dict[str, Any]:
    """Score, grade, reasons and "what would change it": repairable negative records (when, and the
    grade once repaired) and missing positive records that would add points."""
    models = models or load_models()
    catalogue = catalogue or catalogue_view()
    spec = models[model_id]
    as_of_day = sem.day(as_of)
    base = evaluate_subject(session, subject_id=subject_id, model_id=model_id, as_of=as_of, models=models)
    if base is None:
        raise ValueError(f"subject `{subject_id}` is not graded by `{model_id}` / 该主体不适用此模型")
    div = 10**spec.decimals
    table = pa.Table.from_pylist([base])
    reasons = top_reasons(spec, table)[0]
    _, records, _, status = _subject_rows(session, subject_id)
    withdrawn = sem.repaired_ids(status, as_of_day)  # already repaired / revoked: nothing left to repair
    neg_kinds = {
        i.kind
        for i in spec.indicators
        if i.source == "records" and catalogue.polarity.get(i.kind) == "negative"
    }
    repairs = []
    for rec in records:
        if (
            rec["subject_id"] != subject_id
            or rec["kind"] not in neg_kinds
            or not sem.visible(rec, as_of_day, withdrawn)
        ):
            continue
        occurred = sem.date_of(rec["occurred_day"]) if rec["occurred_day"] is not None else None
        rep = repairability(rec["kind"], rec["severity"], occurred, as_of)
        after = (
            evaluate_subject(
                session,
                subject_id=subject_id,
                model_id=model_id,
                as_of=as_of,
                models=models,
                exclude={rec["id"]},
            )
            if rep.repairable_from
            else None
        )
        repairs.append(
            {
                "record_id": rec["id"],
                "kind": rec["kind"],
                "kind_zh": catalogue.names.get(rec["kind"], ("", ""))[0],
                "occurred_on": occurred.isoformat() if occurred else None,
                "severity": rec["severity"],
                "repairable_from": rep.repairable_from.isoformat() if rep.repairable_from else None,
                "regime": rep.regime,
                "note_zh": rep.note_zh,
                "note_en": rep.note_en,
                "score_after": after["score_units"] / div if after else None,
                "grade_after": after["grade"] if after else None,
            }
        )
    repairable = {r["record_id"] for r in repairs if r["repairable_from"]}
    all_repaired = (
        evaluate_subject(
            session, subject_id=subject_id, model_id=model_id, as_of=as_of, models=models, exclude=repairable
        )
        if repairable
        else None
    )
    gains = []
    for ind in spec.indicators:
        if ind.source != "records" or catalogue.polarity.get(ind.kind) != "positive":
            continue
        if base[f"p_{ind.id}"] >= best_points(spec, ind.id):
            continue
        after = evaluate_subject(
            session,
            subject_id=subject_id,
            model_id=model_id,
            as_of=as_of,
            models=models,
            extra_records=[_synthetic(ind, subject_id, as_of_day)],
        )
        if after and after["score_units"] > base["score_units"]:
            gains.append(
                {
                    "indicator": ind.id,
                    "name_zh": ind.name_zh,
                    "name_en": ind.name_en,
                    "kind": ind.kind,
                    "hint_zh": ind.hint_zh,
                    "hint_en": ind.hint_en,
                    "gain": (after["score_units"] - base["score_units"]) / div,
                    "grade_after": after["grade"],
                }
            )
    veto = next((v for v in spec.vetoes if v.id == base["veto"]), None)
    label_zh, label_en = _band(spec, base["grade"])
    return {
        "subject_id": subject_id,
        "model_id": spec.id,
        "model_version": spec.version,
        "as_of": as_of.isoformat(),
        "engine": "python",
        "score": base["score_units"] / div,
        "grade": base["grade"],
        "grade_label_zh": label_zh,
        "grade_label_en": label_en,
        "veto": {"id": veto.id, "reason_zh": veto.reason_zh, "reason_en": veto.reason_en} if veto else None,
        "reasons": [_reason(spec, r, base[f"p_{r['indicator']}"] / div) for r in reasons],
        "repairs": sorted(repairs, key=lambda r: (r["repairable_from"] or "9999", r["record_id"])),
        "once_repaired": (
            {"score": all_repaired["score_units"] / div, "grade": all_repaired["grade"]}
            if all_repaired
            else None
        ),
        "positive_gains": sorted(gains, key=lambda g: -g["gain"]),
    }


def district_breakdown(session: Session, *, model_id: str) -> dict[str, Any] | None:
    """The newest run of a model: grade counts per district (the console's distribution chart)."""
    run = session.scalars(
        select(EvaluationRun)
        .where(EvaluationRun.model_id == model_id)
        .order_by(EvaluationRun.as_of.desc(), EvaluationRun.finished_at.desc())
        .limit(1)
    ).first()
    if run is None:
        return None
    spec = _spec_of(run)
    rows = session.execute(
        select(EvaluationResult.district_code, EvaluationResult.grade, func.count())
        .where(EvaluationResult.run_id == run.id)
        .group_by(EvaluationResult.district_code, EvaluationResult.grade)
    ).all()
    districts = sorted({d or "" for d, _, _ in rows})
    counts = {(d or "", g): n for d, g, n in rows}
    return {
        "run_id": run.id,
        "as_of": run.as_of.isoformat(),
        "model_version": run.model_version,
        "grades": [
            {"grade": b.grade, "label_zh": b.label_zh, "label_en": b.label_en} for b in spec.decision_bands
        ],
        "districts": districts,
        "counts": {b.grade: [counts.get((d, b.grade), 0) for d in districts] for b in spec.decision_bands},
    }
