"""The credit-model spec (信用评价模型) as Pydantic shapes, and its validation against the catalogue.

A model is a YAML file under `models/`. Arithmetic is done in integers so every engine agrees to the
last digit: points, dimension bounds and decision bands may carry at most `decimals` decimal places
and are scaled to integer *units* (1 unit = 10^-decimals points); dimension weights are percentages
with at most two decimals that add up to exactly 100. See docs/models.md for the full reference.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

NAME = r"^[a-z][a-z0-9_]*$"
# Record columns a filter or a value may use besides the catalogue fields of the kind.
RECORD_COLUMNS = {"severity", "polarity", "disclosure", "source", "amount"}
MAX_WINDOW_DAYS = 20 * 366  # a look-back longer than 20 years is a typo, not a policy

Aggregate = Literal[
    "count",
    "sum",
    "max",
    "latest",
    "exists",
    "days_since",
    "tenant_count",
    "tenant_avg_score",
    "tenant_share",
    "manual",
    "value",
    "category",
]
RECORD_AGGREGATES = {"count", "sum", "max", "latest", "exists", "days_since"}
TENANT_AGGREGATES = {"tenant_count", "tenant_avg_score", "tenant_share"}
# A subject attribute read as a number (value, scaled to cents like money) or as a category.
ATTRIBUTE_AGGREGATES = {"value", "category"}


class _Strict(BaseModel):
    # .inf / .nan in YAML are floats: refused here, or the compiler meets them as int(Decimal('Infinity'))
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


def decimal_places(value: float) -> int:
    exp = Decimal(str(value)).normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def to_units(value: float, decimals: int) -> int:
    """Points → integer units; exact because values were validated to have ≤ `decimals` places."""
    return int(Decimal(str(value)) * (10**decimals))


class Filter(_Strict):
    """Keep a record when `field` (a record column or catalogue field) satisfies every given test."""

    field: str
    equals: str | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    not_in: tuple[str, ...] | None = None
    at_least: float | None = None  # numeric fields only (amount, decimal/integer catalogue fields)
    present: bool | None = None  # true: the field has a value; false: it is empty (e.g. removed_on)

    @model_validator(mode="after")
    def _one_test(self) -> Filter:
        tests = (self.equals, self.in_, self.not_in, self.at_least)
        if self.present is None and all(t is None for t in tests):
            raise ValueError("a filter needs one of equals / in / not_in / at_least / present")
        if self.present is False and any(t is not None for t in tests):
            raise ValueError("`present: false` cannot be combined with a value test")
        return self


class Window(_Strict):
    """Look-back window relative to the as-of date: occurred_on in (as_of − days, as_of]."""

    days: int


class PointsBand(_Strict):
    """One row of a points table: numeric `min` ≤ value < `max` (either end open), or `equals` a value."""

    min: float | None = None
    max: float | None = None
    equals: str | None = None
    points: float


class Formula(_Strict):
    """points = `points` × floor(value / `per`), capped at `cap` (the bound in the direction of `points`)."""

    per: float = Field(gt=0)
    points: float
    cap: float


class Indicator(_Strict):
    id: str = Field(pattern=NAME)
    name_zh: str
    name_en: str
    dimension: str
    source: Literal["records", "manual", "tenants", "attribute"] = "records"
    kind: str | None = None
    filters: tuple[Filter, ...] = ()
    window: Window | None = None
    only_valid: bool = False  # also require valid_until null or ≥ as_of (licences, honours)
    aggregate: Aggregate = "count"
    field: str | None = None  # the value summed / maxed / taken latest
    points: tuple[PointsBand, ...] = ()
    formula: Formula | None = None
    missing_points: float = 0  # points when the value is missing (no record, no manual score)
    else_points: float = 0  # points when no band matches
    manual_min: float | None = None  # manual indicators: the officer's score is clamped to [min, max]
    manual_max: float | None = None
    tenant_model: str | None = None
    attribute: str | None = None  # source `attribute`: the subject attribute read (subjects.attributes[key])
    grades: tuple[str, ...] = ()  # tenant_share: the tenant grades counted
    hint_zh: str | None = None  # what the subject can do to gain points (explanations)
    hint_en: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Indicator:
        if self.points and self.formula:
            raise ValueError("give a points table or a formula, not both")
        if self.source == "records":
            if not self.kind:
                raise ValueError("a records indicator needs `kind`")
            if self.aggregate not in RECORD_AGGREGATES:
                raise ValueError(
                    f"aggregate `{self.aggregate}` is not for records; use one of {sorted(RECORD_AGGREGATES)}"
                )
            if self.aggregate in {"sum", "max", "latest"} and not self.field:
                raise ValueError(f"aggregate `{self.aggregate}` needs `field`")
            if not self.points and not self.formula:
                raise ValueError("a records indicator needs a points table or a formula")
        elif self.source == "manual":
            if self.aggregate != "manual":
                raise ValueError("a manual indicator has aggregate `manual`")
            if (
                self.manual_min is None
                or self.manual_max is None
                or not 0 <= self.manual_min <= self.manual_max
            ):
                raise ValueError("a manual indicator needs 0 ≤ manual_min ≤ manual_max")
            if self.points or self.formula:
                raise ValueError("a manual indicator's points are the officer's score: no table or formula")
        elif self.source == "attribute":
            if self.aggregate not in ATTRIBUTE_AGGREGATES or not self.attribute:
                raise ValueError(
                    f"an attribute indicator needs `attribute` and an aggregate in {sorted(ATTRIBUTE_AGGREGATES)}"
                )
            if not self.points and not self.formula:
                raise ValueError("an attribute indicator needs a points table or a formula")
        else:
            if self.aggregate not in TENANT_AGGREGATES or not self.tenant_model:
                raise ValueError(
                    f"a tenants indicator needs `tenant_model` and an aggregate in {sorted(TENANT_AGGREGATES)}"
                )
            if self.aggregate == "tenant_share" and not self.grades:
                raise ValueError("tenant_share needs `grades`")
            if not self.points and not self.formula:
                raise ValueError("a tenants indicator needs a points table or a formula")
        if self.window is not None and self.source != "records":
            raise ValueError("only records indicators have a window")
        if self.categorical and self.formula:
            raise ValueError(f"`{self.aggregate}` gives a category: use a points table with `equals`")
        return self

    @property
    def categorical(self) -> bool:
        return self.aggregate in {"latest", "category"}


class Dimension(_Strict):
    """A dimension group (维度): score = clamp(base + Σ indicator points, min, max); weight in percent."""

    id: str = Field(pattern=NAME)
    name_zh: str
    name_en: str
    weight: float = Field(gt=0)
    base: float = 0
    min: float = Field(default=0, ge=0)
    max: float = 100


class Band(_Strict):
    """A decision band (决策分档): lower ≤ score < upper (null = open). Decides the grade; display filters
    elsewhere are called `view_min_score` and never change a grade."""

    grade: str
    label_zh: str
    label_en: str
    lower: float | None = None
    upper: float | None = None


class Veto(_Strict):
    """一票否决: when the indicator's value ≥ `at_least`, the grade is at most `grade`."""

    id: str = Field(pattern=NAME)
    indicator: str
    at_least: float = 1
    grade: str
    reason_zh: str
    reason_en: str


class Tag(_Strict):
    """A label (标签) set when min ≤ indicator value ≤ max (or value equals `equals`)."""

    id: str = Field(pattern=NAME)
    label_zh: str
    label_en: str
    indicator: str
    min: float | None = None
    max: float | None = None
    equals: str | None = None


class ModelSpec(_Strict):
    id: str = Field(pattern=NAME)
    version: str
    name_zh: str
    name_en: str
    district: str | None = None  # district code when the model is a district's own; None = city-wide
    description: str = ""
    subject_kinds: tuple[str, ...] = Field(min_length=1)
    # only subjects whose attributes[key] is one of the values (e.g. venue_type for 武清's four venues)
    subject_attributes: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    decimals: int = Field(default=2, ge=0, le=4)
    dimensions: tuple[Dimension, ...] = Field(min_length=1)
    indicators: tuple[Indicator, ...] = Field(min_length=1)
    decision_bands: tuple[Band, ...] = Field(min_length=1)
    vetoes: tuple[Veto, ...] = ()
    tags: tuple[Tag, ...] = ()
    top_reasons: int = Field(default=3, ge=1, le=10)

    def indicator(self, ind_id: str) -> Indicator:
        return next(i for i in self.indicators if i.id == ind_id)

    def grade_rank(self, grade: str) -> int:
        return [b.grade for b in self.decision_bands].index(grade)

    def units(self, value: float) -> int:
        return to_units(value, self.decimals)


class SpecError(ValueError):
    """Every problem of a model file, each as (path, message)."""

    def __init__(self, source: str, errors: list[tuple[str, str]]):
        self.source = source
        self.errors = errors
        lines = "\n".join(f"  {p}: {m}" for p, m in errors)
        super().__init__(f"{source}: {len(errors)} error(s) / 模型错误\n{lines}")


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(root)"


def _check_places(spec: ModelSpec) -> list[tuple[str, str]]:
    d, errs = spec.decimals, []

    def check(path: str, value: float | None) -> None:
        if value is not None and decimal_places(value) > d:
            errs.append((path, f"{value} has more than decimals={d} places / 小数位超过 decimals"))

    for i, ind in enumerate(spec.indicators):
        for j, band in enumerate(ind.points):
            check(f"indicators[{i}].points[{j}].points", band.points)
        if ind.formula:
            check(f"indicators[{i}].formula.points", ind.formula.points)
            check(f"indicators[{i}].formula.cap", ind.formula.cap)
        check(f"indicators[{i}].missing_points", ind.missing_points)
        check(f"indicators[{i}].else_points", ind.else_points)
    for i, dim in enumerate(spec.dimensions):
        for name in ("base", "min", "max"):
            check(f"dimensions[{i}].{name}", getattr(dim, name))
        if decimal_places(dim.weight) > 2:
            errs.append((f"dimensions[{i}].weight", "weights have at most 2 decimals / 权重最多两位小数"))
    for i, band in enumerate(spec.decision_bands):
        check(f"decision_bands[{i}].lower", band.lower)
        check(f"decision_bands[{i}].upper", band.upper)
    return errs


# Every number of a model is compiled into 64-bit integer units (money in cents, points in 10^-decimals):
# 10^12 (1 万亿) is beyond any threshold, amount or points a plan needs and far inside int64 once scaled.
# (Window lengths have their own, tighter bound: MAX_WINDOW_DAYS in _check_structure.)
MAX_NUMBER = 10**12


def _check_magnitudes(spec: ModelSpec) -> list[tuple[str, str]]:
    errs: list[tuple[str, str]] = []

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                walk(item, (*path, i))
        elif isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            errs.append((_loc(path), f"数值超出范围（绝对值不超过 10^12）/ {value} is beyond ±10^12"))

    walk(spec.model_dump(exclude_none=True), ())
    return errs


def _check_structure(spec: ModelSpec) -> list[tuple[str, str]]:
    errs: list[tuple[str, str]] = []
    dims = [d.id for d in spec.dimensions]
    inds = [i.id for i in spec.indicators]
    grades = [b.grade for b in spec.decision_bands]
    for name, ids in (("dimensions", dims), ("indicators", inds), ("decision_bands", grades)):
        for k, x in enumerate(ids):
            if ids.index(x) != k:
                errs.append((f"{name}[{k}]", f"duplicate id `{x}` / 重复"))
    total = sum(Decimal(str(d.weight)) for d in spec.dimensions)
    if total != 100:
        errs.append(("dimensions", f"weights add up to {total}, not 100 / 维度权重之和须为 100"))
    for i, dim in enumerate(spec.dimensions):
        if dim.min > dim.max:
            errs.append((f"dimensions[{i}]", "min > max / 下限大于上限"))
    for i, ind in enumerate(spec.indicators):
        if ind.dimension not in dims:
            errs.append((f"indicators[{i}].dimension", f"unknown dimension `{ind.dimension}` / 未知维度"))
        if ind.window is not None and not (1 <= ind.window.days <= MAX_WINDOW_DAYS):
            errs.append((f"indicators[{i}].window", f"days must be 1..{MAX_WINDOW_DAYS} / 回溯期无效"))
        for j, band in enumerate(ind.points):
            if ind.categorical and band.equals is None:
                errs.append(
                    (
                        f"indicators[{i}].points[{j}]",
                        "a `latest`/`category` indicator's bands use `equals` / 分类指标须用 equals",
                    )
                )
            if not ind.categorical and band.equals is not None:
                errs.append(
                    (
                        f"indicators[{i}].points[{j}]",
                        "`equals` is only for `latest`/`category` indicators / equals 仅用于分类指标",
                    )
                )
            if band.min is not None and band.max is not None and band.min >= band.max:
                errs.append((f"indicators[{i}].points[{j}]", "min must be < max / 下限须小于上限"))
        if ind.aggregate == "tenant_share":
            errs += [(f"indicators[{i}].grades", f"unknown grade `{g}`") for g in ind.grades if not g]
    tenant_models = {i.tenant_model for i in spec.indicators if i.source == "tenants"}
    if len(tenant_models) > 1:
        errs.append(("indicators", "tenant indicators must all use one tenant_model / 只能引用一个租户模型"))
    if spec.id in tenant_models:
        errs.append(("indicators", "a model cannot grade its own tenants with itself / 模型不能引用自身"))
    errs += _check_bands(spec)
    categorical = {i.id for i in spec.indicators if i.categorical}
    for i, veto in enumerate(spec.vetoes):
        if veto.indicator in categorical:
            errs.append(
                (
                    f"vetoes[{i}].indicator",
                    "a veto needs a numeric indicator (not `latest`) / 否决须基于数值指标",
                )
            )
        if veto.indicator not in inds:
            errs.append((f"vetoes[{i}].indicator", f"unknown indicator `{veto.indicator}` / 未知指标"))
        if veto.grade not in grades:
            errs.append((f"vetoes[{i}].grade", f"unknown grade `{veto.grade}` / 未知等级"))
    for i, tag in enumerate(spec.tags):
        if tag.indicator not in inds:
            errs.append((f"tags[{i}].indicator", f"unknown indicator `{tag.indicator}` / 未知指标"))
        elif (tag.indicator in categorical) != (tag.equals is not None) or (
            tag.equals and (tag.min or tag.max)
        ):
            errs.append(
                (
                    f"tags[{i}]",
                    "use `equals` for a `latest` indicator, min/max otherwise / 分类指标用 equals，数值指标用 min/max",
                )
            )
    return errs


def score_range(spec: ModelSpec) -> tuple[Decimal, Decimal]:
    lo = sum(Decimal(str(d.weight)) * Decimal(str(d.min)) for d in spec.dimensions) / 100
    hi = sum(Decimal(str(d.weight)) * Decimal(str(d.max)) for d in spec.dimensions) / 100
    return lo, hi


def _check_bands(spec: ModelSpec) -> list[tuple[str, str]]:
    """Bands are listed best first and must tile the score range: no overlap, no gap."""
    errs: list[tuple[str, str]] = []
    bands = spec.decision_bands
    if bands[0].upper is not None:
        errs.append(
            ("decision_bands[0].upper", "the best band must be open above (upper: null) / 最高档不应有上限")
        )
    if bands[-1].lower is not None and Decimal(str(bands[-1].lower)) > score_range(spec)[0]:
        errs.append(
            (
                f"decision_bands[{len(bands) - 1}].lower",
                "the worst band must reach the lowest possible score (lower: null) / 最低档须覆盖最低分",
            )
        )
    for k in range(len(bands) - 1):
        above, below = bands[k], bands[k + 1]
        if above.lower is None or below.upper is None:
            errs.append(
                (
                    f"decision_bands[{k}]",
                    "only the best band has no upper and the worst no lower / 仅最高档无上限、最低档无下限",
                )
            )
            continue
        if below.upper > above.lower:
            errs.append(
                (
                    f"decision_bands[{k + 1}]",
                    f"overlaps `{above.grade}`: upper {below.upper} > {above.lower} / 分档重叠",
                )
            )
        elif below.upper < above.lower:
            errs.append(
                (
                    f"decision_bands[{k + 1}]",
                    f"gap below `{above.grade}`: {below.upper} < {above.lower} / 分档有空缺",
                )
            )
        if below.lower is not None and below.lower >= below.upper:
            errs.append((f"decision_bands[{k + 1}]", "lower must be < upper / 下限须小于上限"))
    return errs


def _check_catalogue(
    spec: ModelSpec, catalogue: dict[str, dict[str, dict[str, Any]]], known_models: set[str] | None
) -> list[tuple[str, str]]:
    """Kinds and fields must exist in the catalogue; numeric aggregations need numeric fields."""
    errs: list[tuple[str, str]] = []
    for i, ind in enumerate(spec.indicators):
        if ind.source == "tenants":
            if known_models is not None and ind.tenant_model not in known_models:
                errs.append(
                    (f"indicators[{i}].tenant_model", f"unknown model `{ind.tenant_model}` / 未知模型")
                )
            continue
        if ind.source != "records":
            continue
        if ind.kind not in catalogue:
            errs.append((f"indicators[{i}].kind", f"unknown record kind `{ind.kind}` / 目录中无此信息类别"))
            continue
        fields = catalogue[ind.kind]
        for j, flt in enumerate(ind.filters):
            if flt.field not in RECORD_COLUMNS and flt.field not in fields:
                errs.append(
                    (
                        f"indicators[{i}].filters[{j}].field",
                        f"kind `{ind.kind}` has no field `{flt.field}` / 该类别无此字段",
                    )
                )
            elif flt.at_least is not None and not _numeric(flt.field, fields):
                errs.append(
                    (f"indicators[{i}].filters[{j}].at_least", f"`{flt.field}` is not numeric / 非数值字段")
                )
        if ind.field:
            if ind.field not in RECORD_COLUMNS and ind.field not in fields:
                errs.append(
                    (
                        f"indicators[{i}].field",
                        f"kind `{ind.kind}` has no field `{ind.field}` / 该类别无此字段",
                    )
                )
            elif ind.aggregate in {"sum", "max"} and not _numeric(ind.field, fields):
                errs.append((f"indicators[{i}].field", f"`{ind.field}` is not numeric / 非数值字段"))
    return errs


def _numeric(name: str, fields: dict[str, dict[str, Any]]) -> bool:
    return name == "amount" or fields.get(name, {}).get("type") in {"decimal", "integer"}


def validate_spec(
    data: Any,
    *,
    source: str = "<model>",
    catalogue: dict[str, dict[str, dict[str, Any]]] | None = None,
    known_models: set[str] | None = None,
) -> ModelSpec:
    """Parse and check a model; raise SpecError listing every problem with its path."""
    try:
        spec = ModelSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(
            source, [(_loc(e["loc"]), f"{_zh(e['type'])} / {e['msg']}") for e in exc.errors()]
        ) from None
    errs = _check_structure(spec) + _check_places(spec) + _check_magnitudes(spec)
    if catalogue is not None:
        errs += _check_catalogue(spec, catalogue, known_models)
    if errs:
        raise SpecError(source, errs)
    return spec


_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的字段",
    "literal_error": "取值不在允许范围内",
    "string_pattern_mismatch": "格式不符（小写字母、数字、下划线）",
    "value_error": "取值错误",
    "greater_than": "取值过小",
    "greater_than_equal": "取值过小",
    "less_than_equal": "取值过大",
    "too_short": "至少需要一项",
    "finite_number": "须为有限数值（不能是 .inf 或 .nan）",
}


def _zh(error_type: str) -> str:
    if error_type in _ZH:
        return _ZH[error_type]
    return "类型错误" if error_type.endswith(("_type", "_parsing")) else "无效"


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(str(path), [("(yaml)", str(exc))]) from None
