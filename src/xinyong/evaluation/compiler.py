"""Spec → one Ibis expression over the logical tables `subjects`, `records`, `manual_scores` and
`record_status` (never a backend's catalog names, so the same expression runs on DuckDB and Spark).

Engine-agreement rules (DESIGN §7) are enforced here, not hoped for:
- dates are integer day numbers (`*_day` = days since 1970-01-01) in the snapshot, so no backend
  ever casts a date or calls now(); the as-of date is a literal integer;
- all arithmetic is integer (points in units of 10^-decimals, money in cents), rounding is explicit
  (half up) and divisions are floor divisions of non-negative integers;
- every record indicator is one conditional aggregate of a single GROUP BY over the records, and
  "latest" picks max(zero-padded day ‖ value), so ties break on the value, never on row order;
- nulls are coalesced where the spec defines a value (count → 0) and never sorted;
- the as-of day may be an Ibis scalar (plan.py compiles with a placeholder literal and substitutes the
  date in the SQL text), so one compilation serves every date;
- grade bands, vetoes and the top reason codes are columns of the query, not Python post-processing.

`semantics.py`'s pure-Python evaluator implements the same rules record by record; the
differential test keeps the two in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from xinyong.evaluation import semantics as sem
from xinyong.evaluation.schemas import Indicator, ModelSpec

SUBJECTS_SCHEMA = {"id": "string", "kind": "string", "district_code": "string", "parent_id": "string"}
RECORDS_CORE = {
    "id": "string",
    "kind": "string",
    "subject_id": "string",
    "occurred_day": "int32",
    "publicity_until_day": "int32",
    "valid_until_day": "int32",
    "severity": "string",
    "polarity": "string",
    "disclosure": "string",
    "source": "string",
    "amount": "float64",
}
MANUAL_SCHEMA = {
    "subject_id": "string",
    "model_id": "string",
    "indicator_id": "string",
    "value_milli": "int64",
    "effective_day": "int32",
    "seq": "int64",
}
STATUS_SCHEMA = {"record_id": "string", "status": "string", "effective_day": "int32"}


def subjects_schema(attributes: set[str]) -> dict[str, str]:
    return {**SUBJECTS_SCHEMA, **{sem.attribute_column(a): "string" for a in sorted(attributes)}}


def attributes_used(specs: list[ModelSpec]) -> set[str]:
    """Subject attributes the models filter on or read as indicators (source `attribute`)."""
    out = {k for spec in specs for k in spec.subject_attributes}
    return out | {i.attribute for spec in specs for i in spec.indicators if i.source == "attribute"}


def records_schema(fields: set[str]) -> dict[str, str]:
    return {**RECORDS_CORE, **{sem.field_column(f): "string" for f in sorted(fields)}}


def fields_used(specs: list[ModelSpec]) -> set[str]:
    """Catalogue fields (stored as f_<name> string columns) that the models read."""
    out: set[str] = set()
    for spec in specs:
        for ind in spec.indicators:
            out |= {f.field for f in ind.filters if f.field not in RECORDS_CORE}
            if ind.field and ind.field not in RECORDS_CORE:
                out.add(ind.field)
    return out


AsOf = int | ir.IntegerValue  # a day number, or an Ibis scalar standing for one


@dataclass(frozen=True)
class Tables:
    """Unbound logical tables; engines resolve them by name."""

    subjects: ir.Table
    records: ir.Table
    manual_scores: ir.Table
    record_status: ir.Table | None  # None when the snapshot has no record_status part

    @classmethod
    def logical(
        cls, fields: set[str], *, attributes: set[str] = frozenset(), with_status: bool = False
    ) -> Tables:
        return cls(
            subjects=ibis.table(subjects_schema(attributes), name="subjects"),
            records=ibis.table(records_schema(fields), name="records"),
            manual_scores=ibis.table(MANUAL_SCHEMA, name="manual_scores"),
            record_status=ibis.table(STATUS_SCHEMA, name="record_status") if with_status else None,
        )


def _filter_expr(rec: ir.Table, ind: Indicator) -> ir.BooleanValue:
    cond = rec.kind == ind.kind
    for flt in ind.filters:
        col = rec[sem.column_of(flt.field)]
        if flt.present is not None:
            cond &= col.notnull() if flt.present else col.isnull()
        if flt.equals is not None:
            cond &= col == flt.equals
        if flt.in_ is not None:
            cond &= col.isin(list(flt.in_))
        if flt.not_in is not None:
            cond &= col.notin(list(flt.not_in))
        if flt.at_least is not None:
            num = col if flt.field == "amount" else col.try_cast("float64")
            cond &= num >= flt.at_least
    return cond


def _cents(col: ir.Value, field: str) -> ir.IntegerValue:
    num = col if field == "amount" else col.try_cast("float64")
    return (num * 100).round().cast("int64")


def _when(cond: ir.BooleanValue, value: ir.Value | int) -> ir.Value:
    """`value` where `cond` holds, else NULL (what a conditional aggregate reads)."""
    return ibis.cases((cond, value), else_=ibis.null())


def _record_aggregates(rec: ir.Table, spec: ModelSpec, as_of_day: AsOf) -> dict[str, ir.Value]:
    aggs: dict[str, ir.Value] = {}
    for ind in spec.indicators:
        if ind.source != "records":
            continue
        cond = _filter_expr(rec, ind)
        if ind.window is not None:
            cond &= rec.occurred_day.notnull() & (rec.occurred_day > as_of_day - ind.window.days)
        if ind.only_valid:
            cond &= rec.valid_until_day.isnull() | (rec.valid_until_day >= as_of_day)
        name = f"a_{ind.id}"
        # Conditional aggregates as AGG(CASE WHEN cond THEN x END), not AGG(x) FILTER (WHERE cond):
        # the CASE computes x only on the rows that match (the `latest` key is a string built per
        # row) and DuckDB aggregates it faster (bench/RESULTS.md, issue #16). NULLs are skipped by
        # every aggregate, so the two forms agree on every engine.
        if ind.aggregate in {"count", "exists"}:
            aggs[name] = _when(cond, 1).count()
        elif ind.aggregate == "sum":
            aggs[name] = _when(cond, _cents(rec[sem.column_of(ind.field)], ind.field)).sum().cast("int64")
        elif ind.aggregate == "max":
            aggs[name] = _when(cond, _cents(rec[sem.column_of(ind.field)], ind.field)).max()
        elif ind.aggregate == "days_since":
            aggs[name] = _when(cond & rec.occurred_day.notnull(), rec.occurred_day).max()
        else:  # latest: max of (padded day ‖ value); the day is offset so it is always 7 digits
            col = rec[sem.column_of(ind.field)]
            key = (rec.occurred_day + sem.DAY_OFFSET).cast("string") + col
            aggs[name] = _when(cond & rec.occurred_day.notnull() & col.notnull(), key).max()
    return aggs


def _attribute_value(subj: ir.Table, ind: Indicator) -> ir.Value:
    """A subject attribute as the indicator's value: the text (`category`) or cents (`value`)."""
    col = subj[sem.attribute_column(ind.attribute)]
    if ind.aggregate == "category":
        return col
    return (col.try_cast("float64") * 100).round().cast("int64")


def _value(ind: Indicator, raw: ir.Value, as_of_day: AsOf) -> ir.Value:
    """Aggregate → the indicator's value (null where the spec says 'missing')."""
    if ind.aggregate in {"count", "tenant_count"}:
        return raw.coalesce(0)
    if ind.aggregate == "exists":
        return ibis.cases((raw.coalesce(0) > 0, 1), else_=0).cast("int64")
    if ind.aggregate == "sum":
        return ibis.greatest(raw.coalesce(0), 0).cast("int64")  # DuckDB sums int64 into HUGEINT
    if ind.aggregate == "days_since":
        return (as_of_day - raw).cast("int64")
    if ind.aggregate == "latest":
        return raw.substr(sem.DAY_DIGITS)
    return raw


def _points(spec: ModelSpec, ind: Indicator, value: ir.Value, scale: int) -> ir.IntegerValue:
    missing = spec.units(ind.missing_points)
    if ind.source == "manual":
        lo, hi = spec.units(ind.manual_min), spec.units(ind.manual_max)
        # GREATEST/LEAST skip NULLs on DuckDB and Spark, so the missing case must be explicit
        return ibis.cases((value.isnull(), missing), else_=ibis.least(ibis.greatest(value, lo), hi)).cast(
            "int64"
        )
    if ind.formula is not None:
        f = ind.formula
        step = sem.per_units(f.per, scale)
        pts = spec.units(f.points) * (ibis.greatest(value, 0) // step)
        cap = spec.units(f.cap)
        capped = ibis.greatest(pts, cap) if f.points < 0 else ibis.least(pts, cap)
        return ibis.cases((value.isnull(), missing), else_=capped).cast("int64")
    branches = [(value.isnull(), missing)]
    for band in ind.points:
        if band.equals is not None:
            branches.append((value == band.equals, spec.units(band.points)))
            continue
        cond = ibis.literal(True)
        if band.min is not None:
            cond &= value >= sem.threshold_units(band.min, scale)
        if band.max is not None:
            cond &= value < sem.threshold_units(band.max, scale)
        branches.append((cond, spec.units(band.points)))
    return ibis.cases(*branches, else_=spec.units(ind.else_points)).cast("int64")


def _tenant_values(
    tables: Tables, spec: ModelSpec, as_of_day: AsOf, models: dict[str, ModelSpec], depth: int
) -> ir.Table | None:
    tenant_inds = [i for i in spec.indicators if i.source == "tenants"]
    if not tenant_inds:
        return None
    tm = tenant_inds[0].tenant_model  # schemas allow one tenant model per spec
    tenants = compile_model(models[tm], as_of_day, tables=tables, models=models, depth=depth + 1)
    tenants = tenants.filter(tenants.parent_id.notnull())
    aggs = {}
    for ind in tenant_inds:
        n = tenants.subject_id.count()
        if ind.aggregate == "tenant_count":
            aggs[f"a_{ind.id}"] = n
        elif ind.aggregate == "tenant_avg_score":
            aggs[f"a_{ind.id}"] = tenants.score_units.sum() // n
        else:
            aggs[f"a_{ind.id}"] = (
                tenants.subject_id.count(where=tenants.grade.isin(list(ind.grades))) * 100
            ) // n
    return tenants.group_by(carrier_id=tenants.parent_id).aggregate(**aggs)


def _manual_values(tables: Tables, spec: ModelSpec, as_of_day: AsOf) -> ir.Table | None:
    manual = [i for i in spec.indicators if i.source == "manual"]
    if not manual:
        return None
    ms = tables.manual_scores
    ms = ms.filter((ms.model_id == spec.id) & (ms.effective_day <= as_of_day))
    win = ibis.window(
        group_by=[ms.subject_id, ms.indicator_id], order_by=[ibis.desc(ms.effective_day), ibis.desc(ms.seq)]
    )
    latest = ms.mutate(rn=ibis.row_number().over(win)).filter(lambda t: t.rn == 0)
    # milli-points → model units, rounded down (values were entered with ≤ decimals places)
    div = 10 ** (4 - spec.decimals)
    aggs = {f"a_{i.id}": (latest.value_milli // div).max(where=latest.indicator_id == i.id) for i in manual}
    return latest.group_by(latest.subject_id).aggregate(**aggs)


def compile_model(
    spec: ModelSpec,
    as_of_day: AsOf,
    *,
    tables: Tables,
    models: dict[str, ModelSpec] | None = None,
    district: str | None = None,
    depth: int = 0,
) -> ir.Table:
    """The whole evaluation as one expression: one row per subject of the model's kinds."""
    if depth > 3:
        raise ValueError(f"model `{spec.id}`: tenant models nest too deep (a cycle?)")
    subj = tables.subjects
    subj = subj.filter(subj.kind.isin(list(spec.subject_kinds)))
    if district:
        subj = subj.filter(subj.district_code == district)
    for key, vals in spec.subject_attributes.items():
        subj = subj.filter(subj[sem.attribute_column(key)].isin(list(vals)))
    rec = tables.records
    kinds = sorted({i.kind for i in spec.indicators if i.source == "records"})
    base = rec.kind.isin(kinds) & (rec.occurred_day.isnull() | (rec.occurred_day <= as_of_day))
    base &= rec.publicity_until_day.isnull() | (rec.publicity_until_day >= as_of_day)
    rec = rec.filter(base)
    if tables.record_status is not None:
        st = tables.record_status
        # Withdrawn statuses (repaired, upheld, revoked, erased) are absorbing, so "one such event
        # effective by the date" is "withdrawn as of the date" (xinyong.disclosure.policy decides which).
        withdrawn = st.filter(st.status.isin(sem.EXCLUDED_STATUSES) & (st.effective_day <= as_of_day))
        rec = rec.anti_join(withdrawn, rec.id == withdrawn.record_id)
    wide = subj.select(
        "id",
        "parent_id",
        "district_code",
        **{f"a_{i.id}": _attribute_value(subj, i) for i in spec.indicators if i.source == "attribute"},
    )
    aggs = _record_aggregates(rec, spec, as_of_day)
    if aggs:
        grouped = rec.group_by(rec.subject_id).aggregate(**aggs)
        wide = wide.left_join(grouped, wide.id == grouped.subject_id).drop("subject_id")
    for extra, key in (
        (_manual_values(tables, spec, as_of_day), "subject_id"),
        (_tenant_values(tables, spec, as_of_day, models or {}, depth), "carrier_id"),
    ):
        if extra is not None:
            wide = wide.left_join(extra, wide.id == extra[key]).drop(key)
    return _score(spec, wide, as_of_day, models or {})


def _score(spec: ModelSpec, wide: ir.Table, as_of_day: AsOf, models: dict[str, ModelSpec]) -> ir.Table:
    """Staged selects: each stage refers to the previous stage's columns, so no expression is
    inlined twice (a single select would repeat the score inside every band and veto branch)."""
    scales = {i.id: sem.value_scale(spec, i, models) for i in spec.indicators}
    t = wide.select(
        subject_id=wide.id,
        parent_id=wide.parent_id,
        district_code=wide.district_code,
        **{f"v_{i.id}": _value(i, wide[f"a_{i.id}"], as_of_day) for i in spec.indicators},
    )
    t = t.mutate(**{f"p_{i.id}": _points(spec, i, t[f"v_{i.id}"], scales[i.id]) for i in spec.indicators})
    dims = {}
    for dim in spec.dimensions:
        total = ibis.literal(spec.units(dim.base), type="int64")
        for ind in spec.indicators:
            if ind.dimension == dim.id:
                total = total + t[f"p_{ind.id}"]
        dims[f"d_{dim.id}"] = ibis.least(ibis.greatest(total, spec.units(dim.min)), spec.units(dim.max)).cast(
            "int64"
        )
    t = t.mutate(**dims)
    weighted = sum(
        (sem.weight_basis_points(d.weight) * t[f"d_{d.id}"] for d in spec.dimensions),
        ibis.literal(0, "int64"),
    )
    t = t.mutate(score_units=((weighted + sem.HALF) // sem.BASIS).cast("int64"))
    band_rank = ibis.cases(
        *[
            (t.score_units >= spec.units(b.lower), k)
            for k, b in enumerate(spec.decision_bands)
            if b.lower is not None
        ],
        else_=len(spec.decision_bands) - 1,
    )
    fired = {}
    for k, veto in enumerate(spec.vetoes):
        ind = spec.indicator(veto.indicator)
        fired[f"_veto{k}"] = (
            t[f"v_{ind.id}"] >= sem.threshold_units(veto.at_least, scales[ind.id])
        ).coalesce(False)
    tags = {f"t_{tag.id}": sem_tag(tag, t[f"v_{tag.indicator}"], scales[tag.indicator]) for tag in spec.tags}
    t = t.mutate(_band_rank=band_rank, **fired, **tags)
    rank = t._band_rank
    for k, veto in enumerate(spec.vetoes):
        rank = ibis.greatest(rank, ibis.cases((t[f"_veto{k}"], spec.grade_rank(veto.grade)), else_=0))
    veto_id = (
        ibis.cases(*[(t[f"_veto{k}"], v.id) for k, v in enumerate(spec.vetoes)], else_=ibis.null("string"))
        if spec.vetoes
        else ibis.null("string")
    )
    t = t.mutate(_rank=rank, veto=veto_id)
    t = t.mutate(
        grade=ibis.cases(
            *[(t._rank == k, b.grade) for k, b in enumerate(spec.decision_bands)], else_=ibis.null("string")
        )
    )
    t, reasons = _reasons(spec, t)
    order = [
        "subject_id",
        "parent_id",
        "district_code",
        *[c for i in spec.indicators for c in (f"v_{i.id}", f"p_{i.id}")],
        *[f"d_{d.id}" for d in spec.dimensions],
        "score_units",
        "grade",
        "veto",
        *tags,
        *reasons,
    ]
    return t.select(*order)


def best_units(spec: ModelSpec, ind: Indicator) -> int:
    """The most points (model units) an indicator can give: the reference for 'points lost'."""
    cands = [spec.units(ind.missing_points)]
    if ind.source == "manual":
        cands.append(spec.units(ind.manual_max))
    elif ind.formula is not None:
        cands += [0, spec.units(ind.formula.cap)]
    else:
        cands += [spec.units(b.points) for b in ind.points] + [spec.units(ind.else_points)]
    return max(cands)


def reason_count(spec: ModelSpec) -> int:
    return min(spec.top_reasons, len(spec.indicators))


def _reasons(spec: ModelSpec, t: ir.Table) -> tuple[ir.Table, list[str]]:
    """reason_1..reason_k: codes (`model.indicator`) of the indicators that cost the most weighted points
    (best points − points) × dimension weight, largest first, ties to the earlier indicator in the spec,
    null where fewer than k indicators cost anything.

    Each indicator gets one integer key, cost × n + (n − 1 − position), so keys are distinct within a
    row and order by cost, then spec order; the r-th reason is the greatest key below the (r−1)-th.
    That is k GREATESTs over n columns — plain integer SQL on every engine, no sort, no arrays."""
    weights = {d.id: sem.weight_basis_points(d.weight) for d in spec.dimensions}
    inds = spec.indicators
    n = len(inds)
    t = t.mutate(
        **{
            f"_k{k}": (
                ((best_units(spec, i) - t[f"p_{i.id}"]) * weights[i.dimension]) * n + (n - 1 - k)
            ).cast("int64")
            for k, i in enumerate(inds)
        }
    )
    keys = [t[f"_k{k}"] for k in range(n)]
    names = []
    for r in range(reason_count(spec)):
        if r == 0:
            top = ibis.greatest(*keys) if n > 1 else keys[0]
        else:
            below = [ibis.cases((key < t[names[-1]], key), else_=-1) for key in keys]
            top = ibis.greatest(*below) if n > 1 else below[0]
        names.append(f"_top{r}")
        t = t.mutate(**{names[-1]: top})
        keys = [t[f"_k{k}"] for k in range(n)]
    # key % n = n − 1 − position, so the code is one array lookup (DuckDB list_extract, Spark
    # element_at), not an n-branch CASE per reason; keys below n cost nothing: no reason
    lookup = ibis.literal([f"{spec.id}.{i.id}" for i in reversed(inds)], type="array<string>")
    codes = {
        f"reason_{r + 1}": ibis.cases(
            (t[top] >= n, lookup[(t[top] % n).cast("int32")]), else_=ibis.null("string")
        )
        for r, top in enumerate(names)
    }
    return t.mutate(**codes), list(codes)


def sem_tag(tag, value: ir.Value, scale: int) -> ir.BooleanValue:  # noqa: ANN001 - schemas.Tag
    cond = ibis.literal(True)
    if tag.equals is not None:
        cond &= value == tag.equals
    if tag.min is not None:
        cond &= value >= sem.threshold_units(tag.min, scale)
    if tag.max is not None:
        cond &= value <= sem.threshold_floor(tag.max, scale)
    return cond.coalesce(False)
