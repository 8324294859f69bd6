"""Dated credit-repair rules (信用修复规则) from `catalogue/repair/*.yaml`: when may a negative record be
repaired? Each regime (e.g. NDRC Order No. 58, then No. 36) is in force for a date range and gives a
minimum publicity period (最短公示期) per kind and severity."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xinyong.evaluation.schemas import SpecError, _loc, read_yaml
from xinyong.settings import get_settings

Severity = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    months: int = Field(default=0, ge=0)
    years: int = Field(default=0, ge=0)


class KindRule(_Strict):
    minimum_publicity: dict[str, Period]


class Regime(_Strict):
    regime: str
    name_zh: str
    name_en: str
    document: str
    effective_from: dt.date
    effective_until: dt.date | None = None
    kinds: dict[str, KindRule]
    not_repairable: dict[str, str] = Field(default_factory=dict)


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=4)
def load_regimes(directory: Path | None = None) -> tuple[Regime, ...]:
    directory = directory or (get_settings().catalogue_dir / "repair")
    out = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            out.append(Regime.model_validate(read_yaml(path)))
        except ValidationError as exc:
            raise SpecError(str(path), [(_loc(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    return tuple(sorted(out, key=lambda r: r.effective_from))


@dataclass(frozen=True)
class Repairability:
    repairable_from: dt.date | None  # None: not repairable by these rules
    regime: str | None
    note_zh: str
    note_en: str


def repairability(
    kind: str,
    severity: str | None,
    occurred_on: dt.date | None,
    as_of: dt.date,
    regimes: tuple[Regime, ...] | None = None,
) -> Repairability:
    """Earliest date ≥ as_of on which the regime then in force allows repair."""
    regimes = regimes if regimes is not None else load_regimes()
    current = [
        r
        for r in regimes
        if r.effective_from <= as_of and (r.effective_until is None or as_of <= r.effective_until)
    ]
    for r in current:
        if kind in r.not_repairable:
            zh, _, en = r.not_repairable[kind].partition(" / ")
            return Repairability(None, r.regime, zh, en or zh)
    if occurred_on is None:
        return Repairability(None, None, "缺少决定日期，无法计算", "no decision date; cannot compute")
    best: tuple[dt.date, Regime] | None = None
    for r in regimes:
        rule = r.kinds.get(kind)
        if rule is None or (r.effective_until is not None and r.effective_until < as_of):
            continue
        period = rule.minimum_publicity.get(severity or "general") or rule.minimum_publicity.get("general")
        if period is None:
            continue
        candidate = max(add_months(occurred_on, period.years * 12 + period.months), r.effective_from, as_of)
        if (r.effective_until is None or candidate <= r.effective_until) and (
            best is None or candidate < best[0]
        ):
            best = (candidate, r)
    if best is None:
        return Repairability(None, None, "修复规则未涵盖此类信息", "no repair rule covers this kind")
    return Repairability(
        best[0],
        best[1].regime,
        f"依据{best[1].document.split(' / ')[0]}",
        f"under {best[1].document.split(' / ')[-1]}",
    )
