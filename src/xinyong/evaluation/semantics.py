"""The evaluation semantics in plain Python: the reference the compiled engines must match, and the
`python` engine (one subject on demand for the archive page, a district for comparison).

Rows are dicts with the snapshot's column names (see compiler.RECORDS_CORE); dates are integer day
numbers. Every rule here has its twin in compiler.py — change both or the differential test fails.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from xinyong.disclosure.policy import counts_in_evaluation
from xinyong.evaluation.schemas import Indicator, ModelSpec, Tag
from xinyong.status.models import STATUSES

EPOCH = dt.date(1970, 1, 1)
DAY_OFFSET = 1_000_000  # day + offset is always 7 digits for dates 0233..4707, so strings sort as days
DAY_DIGITS = 7
BASIS = 10_000  # weights are percent with two decimals → basis points
HALF = BASIS // 2
# Record statuses that take a record out of evaluation (decided by the disclosure policy).
EXCLUDED_STATUSES = sorted(s for s in STATUSES if not counts_in_evaluation(s))
CORE = {
    "id",
    "kind",
    "subject_id",
    "occurred_day",
    "publicity_until_day",
    "valid_until_day",
    "severity",
    "polarity",
    "disclosure",
    "source",
    "amount",
}


def day(value: dt.date | None) -> int | None:
    return None if value is None else (value - EPOCH).days


def date_of(day_number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=day_number)


def field_column(name: str) -> str:
    return f"f_{name}"


def attribute_column(name: str) -> str:
    return f"sa_{name}"


def subject_selected(spec: ModelSpec, s: dict[str, Any], district: str | None) -> bool:
    if s["kind"] not in spec.subject_kinds or (district and s.get("district_code") != district):
        return False
    return all(s.get(attribute_column(k)) in vals for k, vals in spec.subject_attributes.items())


def column_of(name: str) -> str:
    return name if name in CORE else field_column(name)


def weight_basis_points(weight: float) -> int:
    return int(Decimal(str(weight)) * 100)


def threshold_units(value: float, scale: int) -> int:
    """For integer v: v ≥ x ⇔ v ≥ ceil(x·scale); v < x ⇔ v < ceil(x·scale)."""
    return math.ceil(Decimal(str(value)) * scale)


def threshold_floor(value: float, scale: int) -> int:
    """For integer v: v ≤ x ⇔ v ≤ floor(x·scale)."""
    return math.floor(Decimal(str(value)) * scale)


def per_units(per: float, scale: int) -> int:
    return max(1, int((Decimal(str(per)) * scale).to_integral_value(rounding=ROUND_HALF_UP)))


def value_scale(spec: ModelSpec, ind: Indicator, models: dict[str, ModelSpec]) -> int:
    """Integer units of an indicator's value: money in cents, scores in their model's units."""
    if ind.aggregate in {"sum", "max", "value"}:
        return 100
    if ind.aggregate == "tenant_avg_score":
        return 10 ** models[ind.tenant_model].decimals
    if ind.aggregate == "manual":
        return 10**spec.decimals
    return 1


def round_half_up(x: float) -> int:
    return int(Decimal(x).to_integral_value(rounding=ROUND_HALF_UP))


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _cents(row: dict[str, Any], field: str) -> int | None:
    num = row.get("amount") if field == "amount" else _num(row.get(column_of(field)))
    return None if num is None else round_half_up(num * 100)


def _matches(row: dict[str, Any], ind: Indicator) -> bool:
    """A missing field never matches a filter, not even `not_in` (SQL three-valued logic)."""
    if row["kind"] != ind.kind:
        return False
    for flt in ind.filters:
        val = row.get(column_of(flt.field))
        if flt.present is not None and (val is not None) != flt.present:
            return False
        if val is None:
            if flt.present is False:
                continue
            return False
        if flt.equals is not None and val != flt.equals:
            return False
        if flt.in_ is not None and val not in flt.in_:
            return False
        if flt.not_in is not None and val in flt.not_in:
            return False
        if flt.at_least is not None:
            num = val if flt.field == "amount" else _num(val)
            if num is None or num < flt.at_least:
                return False
    return True


def attribute_value(ind: Indicator, subject: dict[str, Any]) -> Any:
    """Source `attribute`: the text (`category`) or the number in cents (`value`); None when absent."""
    raw = subject.get(attribute_column(ind.attribute))
    if ind.aggregate == "category" or raw is None:
        return raw
    num = _num(raw)
    return None if num is None else round_half_up(num * 100)


def _aggregate(ind: Indicator, recs: list[dict[str, Any]], as_of_day: int) -> Any:
    sel = [r for r in recs if _matches(r, ind)]
    if ind.window is not None:
        sel = [
            r
            for r in sel
            if r["occurred_day"] is not None and r["occurred_day"] > as_of_day - ind.window.days
        ]
    if ind.only_valid:
        sel = [r for r in sel if r["valid_until_day"] is None or r["valid_until_day"] >= as_of_day]
    if ind.aggregate == "count":
        return len(sel)
    if ind.aggregate == "exists":
        return 1 if sel else 0
    if ind.aggregate in {"sum", "max"}:
        cents = [c for c in (_cents(r, ind.field) for r in sel) if c is not None]
        if ind.aggregate == "sum":
            return max(sum(cents), 0)
        return max(cents) if cents else None
    dated = [r for r in sel if r["occurred_day"] is not None]
    if ind.aggregate == "days_since":
        return as_of_day - max(r["occurred_day"] for r in dated) if dated else None
    col = column_of(ind.field)
    keys = [str(r["occurred_day"] + DAY_OFFSET) + r[col] for r in dated if r.get(col) is not None]
    return max(keys)[DAY_DIGITS:] if keys else None


def points_of(spec: ModelSpec, ind: Indicator, value: Any, scale: int) -> int:
    if value is None:
        return spec.units(ind.missing_points)
    if ind.source == "manual":
        return min(max(value, spec.units(ind.manual_min)), spec.units(ind.manual_max))
    if ind.formula is not None:
        f = ind.formula
        pts = spec.units(f.points) * (max(value, 0) // per_units(f.per, scale))
        cap = spec.units(f.cap)
        return max(pts, cap) if f.points < 0 else min(pts, cap)
    for band in ind.points:
        if band.equals is not None:
            if value == band.equals:
                return spec.units(band.points)
            continue
        if band.min is not None and value < threshold_units(band.min, scale):
            continue
        if band.max is not None and value >= threshold_units(band.max, scale):
            continue
        return spec.units(band.points)
    return spec.units(ind.else_points)


def tag_holds(tag: Tag, value: Any, scale: int) -> bool:
    if value is None:
        return False
    if tag.equals is not None and value != tag.equals:
        return False
    if tag.min is not None and value < threshold_units(tag.min, scale):
        return False
    return not (tag.max is not None and value > threshold_floor(tag.max, scale))


def visible(rec: dict[str, Any], as_of_day: int, repaired: set[str]) -> bool:
    """In force as of the date: not in the future, inside its publicity period, not withdrawn."""
    if rec["occurred_day"] is not None and rec["occurred_day"] > as_of_day:
        return False
    if rec["publicity_until_day"] is not None and rec["publicity_until_day"] < as_of_day:
        return False
    return rec["id"] not in repaired


def repaired_ids(status: Iterable[dict[str, Any]], as_of_day: int) -> set[str]:
    """Records withdrawn by the date (repaired, objection upheld, revoked, erased): they no longer
    count. `status` rows are status events (record_id, status after it, effective_day); the
    disclosure policy's `counts_in_evaluation` says which statuses withdraw a record."""
    return {
        s["record_id"] for s in status if s["status"] in EXCLUDED_STATUSES and s["effective_day"] <= as_of_day
    }


def _manual_latest(
    spec: ModelSpec, manual: Iterable[dict[str, Any]], as_of_day: int
) -> dict[tuple[str, str], int]:
    best: dict[tuple[str, str], tuple[int, int, int]] = {}
    for m in manual:
        if m["model_id"] != spec.id or m["effective_day"] > as_of_day:
            continue
        key = (m["subject_id"], m["indicator_id"])
        cand = (m["effective_day"], m["seq"], m["value_milli"])
        if key not in best or cand[:2] > best[key][:2]:
            best[key] = cand
    div = 10 ** (4 - spec.decimals)
    return {k: v[2] // div for k, v in best.items()}


def evaluate_rows(
    spec: ModelSpec,
    as_of_day: int,
    *,
    subjects: list[dict[str, Any]],
    records: list[dict[str, Any]],
    manual: list[dict[str, Any]] = (),
    status: list[dict[str, Any]] = (),
    models: dict[str, ModelSpec] | None = None,
    district: str | None = None,
    exclude: set[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Evaluate every subject of the model's kinds; `exclude` = record ids treated as repaired (what-if)."""
    models = models or {}
    repaired = repaired_ids(status, as_of_day) | set(exclude)
    by_subject: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if visible(r, as_of_day, repaired):
            by_subject[r["subject_id"]].append(r)
    manual_vals = _manual_latest(spec, manual, as_of_day)
    tenant_vals = _tenant_values(spec, as_of_day, subjects, records, manual, status, models, exclude)
    out = []
    for s in subjects:
        if not subject_selected(spec, s, district):
            continue
        values = {}
        for ind in spec.indicators:
            if ind.source == "records":
                values[ind.id] = _aggregate(ind, by_subject.get(s["id"], []), as_of_day)
            elif ind.source == "manual":
                values[ind.id] = manual_vals.get((s["id"], ind.id))
            elif ind.source == "attribute":
                values[ind.id] = attribute_value(ind, s)
            else:
                values[ind.id] = tenant_vals.get(s["id"], {}).get(
                    ind.id, 0 if ind.aggregate == "tenant_count" else None
                )
        out.append(score_row(spec, s, values, models))
    return out


def _tenant_values(
    spec: ModelSpec, as_of_day: int, subjects, records, manual, status, models, exclude
) -> dict[str, dict[str, int]]:  # noqa: ANN001 - same rows as evaluate_rows
    inds = [i for i in spec.indicators if i.source == "tenants"]
    if not inds:
        return {}
    tenant_rows = evaluate_rows(
        models[inds[0].tenant_model],
        as_of_day,
        subjects=subjects,
        records=records,
        manual=manual,
        status=status,
        models=models,
        exclude=exclude,
    )
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in tenant_rows:
        if row["parent_id"] is not None:
            groups[row["parent_id"]].append(row)
    out: dict[str, dict[str, int]] = {}
    for carrier, rows in groups.items():
        vals = {}
        for ind in inds:
            if ind.aggregate == "tenant_count":
                vals[ind.id] = len(rows)
            elif ind.aggregate == "tenant_avg_score":
                vals[ind.id] = sum(r["score_units"] for r in rows) // len(rows)
            else:
                vals[ind.id] = sum(100 for r in rows if r["grade"] in ind.grades) // len(rows)
        out[carrier] = vals
    return out


def score_row(
    spec: ModelSpec, subject: dict[str, Any], values: dict[str, Any], models: dict[str, ModelSpec]
) -> dict[str, Any]:
    points = {i.id: points_of(spec, i, values[i.id], value_scale(spec, i, models)) for i in spec.indicators}
    dims = {}
    for dim in spec.dimensions:
        total = spec.units(dim.base) + sum(points[i.id] for i in spec.indicators if i.dimension == dim.id)
        dims[dim.id] = min(max(total, spec.units(dim.min)), spec.units(dim.max))
    weighted = sum(weight_basis_points(d.weight) * dims[d.id] for d in spec.dimensions)
    score = (weighted + HALF) // BASIS
    rank = next(
        (
            k
            for k, b in enumerate(spec.decision_bands)
            if b.lower is not None and score >= spec.units(b.lower)
        ),
        len(spec.decision_bands) - 1,
    )
    veto_id = None
    for veto in spec.vetoes:
        ind = spec.indicator(veto.indicator)
        v = values[ind.id]
        if v is not None and v >= threshold_units(veto.at_least, value_scale(spec, ind, models)):
            rank = max(rank, spec.grade_rank(veto.grade))
            veto_id = veto_id or veto.id
    row: dict[str, Any] = {
        "subject_id": subject["id"],
        "parent_id": subject.get("parent_id"),
        "district_code": subject.get("district_code"),
    }
    for ind in spec.indicators:
        row[f"v_{ind.id}"] = values[ind.id]
        row[f"p_{ind.id}"] = points[ind.id]
    for dim in spec.dimensions:
        row[f"d_{dim.id}"] = dims[dim.id]
    row.update(score_units=score, grade=spec.decision_bands[rank].grade, veto=veto_id)
    for tag in spec.tags:
        ind = spec.indicator(tag.indicator)
        row[f"t_{tag.id}"] = tag_holds(tag, values[ind.id], value_scale(spec, ind, models))
    return row
