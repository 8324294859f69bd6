"""Dated credit-repair rules (信用修复规则) from `catalogue/repair/*.yaml`: when may a negative record be
repaired, and when does its publicity end by itself?

Each rule set (the 2019–2023 信用中国 practice, NDRC Order No. 58, then No. 36) is in force for a date
range and gives, per record kind and severity (minor | general | serious), a minimum and a maximum
publicity period (最短 / 最长公示期), optionally a longer minimum for some penalty domains
(Order 58: special-equipment, work-safety, fire-safety → 1 year).

Period arithmetic follows the Civil Code (《民法典》Art. 201–202): a period counts from the day after
the decision (the decision day is not counted); a period in months or years ends on the day of the
last month that corresponds to the decision day, or on that month's last day when it has none
(decided 2023-11-30 + 3 months → ends 2024-02-29; 2024-02-29 + 1 year → 2025-02-28). The first
repairable day is the day after the minimum period ends.

Which rule set applies (docs/repair.md): the one in force on the decision date; when a later rule set
is already in force on the as-of date and gives an earlier (minimum end, maximum end), that later one
applies instead (从旧兼从轻: the new order governs applications made under it, never to the subject's
detriment).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xinyong.evaluation.schemas import SpecError, _loc, read_yaml
from xinyong.settings import get_settings

SEVERITIES = ("minor", "general", "serious")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    months: int = Field(default=0, ge=0)
    years: int = Field(default=0, ge=0)

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months


class Periods(_Strict):
    minimum: Period
    maximum: Period | None = None  # None: no automatic end of publicity under this rule set


class DomainOverride(_Strict):
    minimum: Period


class KindRule(_Strict):
    periods: dict[str, Periods]
    domains: dict[str, DomainOverride] = Field(default_factory=dict)


class RuleSet(_Strict):
    rule_set: str
    name_zh: str
    name_en: str
    document: str
    effective_from: dt.date
    effective_until: dt.date | None = None
    kinds: dict[str, KindRule]
    not_repairable: dict[str, str] = Field(default_factory=dict)

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)

    @property
    def regime(self) -> str:  # the name used before rule sets had a maximum period
        return self.rule_set


Regime = RuleSet


class RepairRuleError(ValueError):
    """Input the rules cannot answer (unknown severity, as-of before the decision, no rule set for the
    date …); the message is Chinese / English."""


def add_months(d: dt.date, months: int) -> dt.date:
    """The day `months` months after `d`: the corresponding day, or the month's last day when the
    target month is shorter (Civil Code Art. 202)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def period_end(decided: dt.date, period: Period) -> dt.date:
    """Last day of a period that starts the day after `decided` (Civil Code Art. 201–202).

    Counting starts on decided + 1 and the period's last day is the day of the final month that
    corresponds to the decision day (clamped to month end). A zero period ends on the decision day
    itself, so the first day after it is decided + 1."""
    return add_months(decided, period.total_months)


@lru_cache(maxsize=4)
def load_regimes(directory: Path | None = None) -> tuple[RuleSet, ...]:
    """Every rule set in `catalogue/repair/*.yaml`, oldest first. SpecError names file and field."""
    directory = directory or (get_settings().catalogue_dir / "repair")
    out = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            out.append(RuleSet.model_validate(read_yaml(path)))
        except ValidationError as exc:
            raise SpecError(str(path), [(_loc(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    return tuple(sorted(out, key=lambda r: r.effective_from))


load_rule_sets = load_regimes


@dataclass(frozen=True)
class PublicityPeriods:
    """The answer of `periods`: which rule set, when the minimum and maximum publicity end."""

    rule_set: str
    document: str
    min_period_end: dt.date
    max_period_end: dt.date | None
    first_repairable_on: dt.date  # min_period_end + 1 day

    def as_json(self) -> dict[str, str | None]:
        return {
            "rule_set": self.rule_set,
            "min_period_end": self.min_period_end.isoformat(),
            "max_period_end": self.max_period_end.isoformat() if self.max_period_end else None,
        }


def _ends(
    rs: RuleSet, kind: str, severity: str, decided: dt.date, domains: Iterable[str]
) -> tuple[dt.date, dt.date | None] | None:
    rule = rs.kinds.get(kind)
    if rule is None:
        return None
    p = rule.periods.get(severity) or rule.periods.get("general")
    if p is None:
        return None
    minimum = max(
        [p.minimum.total_months]
        + [rule.domains[d].minimum.total_months for d in domains if d in rule.domains]
    )
    lo = add_months(decided, minimum)
    hi = period_end(decided, p.maximum) if p.maximum is not None else None
    if hi is not None and hi < lo:  # a domain minimum longer than the maximum: publish the minimum
        hi = lo
    return lo, hi


def periods(
    *,
    kind: str = "penalty",
    severity: str,
    decided: dt.date,
    as_of: dt.date,
    domains: Iterable[str] = (),
    rule_sets: tuple[RuleSet, ...] | None = None,
) -> PublicityPeriods:
    """Minimum and maximum publicity end of a record decided on `decided`, as seen on `as_of`.

    `domains`: penalty domains of the decision (several penalty types → the longest minimum).
    Raises RepairRuleError: unknown severity, as_of before decided, no rule set on the decision date,
    or no rule for the kind."""
    if severity not in SEVERITIES:
        raise RepairRuleError(
            f"未知严重程度 {severity!r}，可选 minor/general/serious / unknown severity {severity!r}"
        )
    if as_of < decided:
        raise RepairRuleError(f"as-of {as_of} 早于决定日期 {decided} / as-of is before the decision date")
    rule_sets = rule_sets if rule_sets is not None else load_regimes()
    domains = tuple(domains)
    base = next((r for r in rule_sets if r.in_force(decided)), None)
    if base is None:
        raise RepairRuleError(f"{decided} 没有适用的修复规则 / no repair rule set in force on {decided}")
    candidates = [base] + [r for r in rule_sets if r.effective_from > decided and r.in_force(as_of)]
    best: tuple[tuple[dt.date, dt.date], RuleSet, tuple[dt.date, dt.date | None]] | None = None
    for rs in candidates:
        ends = _ends(rs, kind, severity, decided, domains)
        if ends is None:
            continue
        key = (ends[0], ends[1] or dt.date.max)
        if best is None or key <= best[0]:
            best = (key, rs, ends)
    if best is None:
        raise RepairRuleError(f"修复规则未涵盖此类信息 {kind} / no repair rule covers kind {kind}")
    _, rs, (lo, hi) = best
    return PublicityPeriods(rs.rule_set, rs.document, lo, hi, lo + dt.timedelta(days=1))


@dataclass(frozen=True)
class Repairability:
    repairable_from: dt.date | None  # None: not repairable by these rules; else max(first day, as_of)
    regime: str | None
    note_zh: str
    note_en: str
    first_repairable_on: dt.date | None = None  # the rule's first repairable day (not moved to as_of)
    max_period_end: dt.date | None = None  # publicity ends by itself after this day


def repairability(
    kind: str,
    severity: str | None,
    occurred_on: dt.date | None,
    as_of: dt.date,
    regimes: tuple[RuleSet, ...] | None = None,
    domains: Iterable[str] = (),
) -> Repairability:
    """Earliest date ≥ as_of on which the record may be repaired, with the rule set and why.

    `repairable_from` is None when the kind is not repairable (e.g. 失信被执行人: removed by the
    court), when the decision date is missing, or when no rule covers the kind."""
    regimes = regimes if regimes is not None else load_regimes()
    for r in regimes:
        if r.in_force(as_of) and kind in r.not_repairable:
            zh, _, en = r.not_repairable[kind].partition(" / ")
            return Repairability(None, r.rule_set, zh, en or zh)
    if occurred_on is None:
        return Repairability(None, None, "缺少决定日期，无法计算", "no decision date; cannot compute")
    try:
        p = periods(
            kind=kind,
            severity=severity if severity in SEVERITIES else "general",
            decided=occurred_on,
            as_of=max(as_of, occurred_on),
            domains=domains,
            rule_sets=regimes,
        )
    except RepairRuleError:
        return Repairability(None, None, "修复规则未涵盖此类信息", "no repair rule covers this kind")
    zh_doc, _, en_doc = p.document.partition(" / ")
    return Repairability(
        max(p.first_repairable_on, as_of),
        p.rule_set,
        f"依据{zh_doc}，最短公示期至 {p.min_period_end} 届满，自 {p.first_repairable_on} 起可申请修复",
        f"under {en_doc or zh_doc}: the minimum publicity ends on {p.min_period_end}; "
        f"repairable from {p.first_repairable_on}",
        p.first_repairable_on,
        p.max_period_end,
    )
