"""Monotonic optimal binning with optbinning (BinningProcess, solver OR-Tools CP-SAT).

Each numeric feature gets `monotonic_trend="auto_asc_desc"` unless the caller sets its trend: the
event rate must rise or fall across the bins, never zig-zag, so every bin explains itself ("longer
loans are riskier"). optbinning's `auto` trend "is not infallible" (optbinning issue #311): it may pick
a peak or valley; `auto_asc_desc` only chooses between ascending and descending. Categorical features
are grouped and their groups ordered by event rate, so they are monotone by construction.

A bin is described by `Bin`: numeric `lo` ≤ x < `hi` (None = open) or a set of categories, with its
count, event (bad) rate and weight of evidence. optbinning's WoE is ln(share of goods / share of bads)
for the bin: positive = safer than average. Missing values have their own bin.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xinyong.scorecard.features import ScorecardError

TRENDS = ("auto_asc_desc", "ascending", "descending", "auto", "peak", "valley", "convex", "concave")


@dataclass
class Bin:
    lo: float | None = None
    hi: float | None = None
    categories: tuple[str, ...] = ()
    count: int = 0
    bad: int = 0
    woe: float = 0.0
    iv: float = 0.0
    missing: bool = False  # the bin of missing values

    @property
    def event_rate(self) -> float:
        return self.bad / self.count if self.count else 0.0

    def label(self) -> str:
        if self.missing:
            return "缺失 Missing"
        if self.categories:
            return ", ".join(self.categories)
        lo = "-∞" if self.lo is None else f"{self.lo:g}"
        hi = "+∞" if self.hi is None else f"{self.hi:g}"
        return f"[{lo}, {hi})"


@dataclass
class FeatureBins:
    name: str
    categorical: bool
    trend: str
    bins: list[Bin] = field(default_factory=list)  # value bins in order, then the missing bin last

    @property
    def iv(self) -> float:
        return float(sum(b.iv for b in self.bins))

    def value_bins(self) -> list[Bin]:
        return [b for b in self.bins if not b.missing]

    def monotone(self) -> bool:
        """Event rates of the (non-empty) value bins never change direction."""
        rates = [b.event_rate for b in self.value_bins() if b.count]
        ups = any(b > a for a, b in zip(rates, rates[1:], strict=False))
        downs = any(b < a for a, b in zip(rates, rates[1:], strict=False))
        return not (ups and downs)

    def index(self, values: pd.Series) -> np.ndarray:
        """Bin position of each value (len(bins)−1 = missing; −1 = an unseen category)."""
        out = np.full(len(values), len(self.bins) - 1, dtype=int)
        vals = values.to_numpy()
        if self.categorical:
            lookup = {c: k for k, b in enumerate(self.value_bins()) for c in b.categories}
            for i, v in enumerate(vals):
                if not (v is None or (isinstance(v, float) and math.isnan(v))):
                    out[i] = lookup.get(str(v), -1)
            return out
        num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        for k, b in enumerate(self.value_bins()):
            sel = ~np.isnan(num)
            if b.lo is not None:
                sel &= num >= b.lo
            if b.hi is not None:
                sel &= num < b.hi
            out[sel] = k
        return out

    def woe(self, values: pd.Series) -> np.ndarray:
        idx = self.index(values)
        table = np.array([b.woe for b in self.bins] + [0.0])  # unseen category → neutral WoE
        return table[idx]


def fit_bins(
    X: pd.DataFrame, y: np.ndarray, categorical: tuple[str, ...], *, trends: dict[str, str] | None = None
) -> list[FeatureBins]:
    """Bin every column of X against y (1 = bad); raises ScorecardError for an unknown trend."""
    from optbinning import OptimalBinning

    trends = dict(trends or {})
    bad_trend = {c: t for c, t in trends.items() if t not in TRENDS or c not in X.columns}
    if bad_trend:
        raise ScorecardError(
            f"单调趋势设置无效：{bad_trend}（可选：{', '.join(TRENDS)}）",
            f"invalid monotonic trend(s) {bad_trend}; use a feature column and one of {', '.join(TRENDS)}",
        )
    out = []
    for col in X.columns:
        cat = col in categorical
        trend = trends.get(col, "auto_asc_desc")
        kw = {} if cat else {"monotonic_trend": trend}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ob = OptimalBinning(name=col, dtype="categorical" if cat else "numerical", solver="cp", **kw)
            ob.fit(X[col].to_numpy(), y)
            table = ob.binning_table.build()
        fb = FeatureBins(name=col, categorical=cat, trend="by event rate" if cat else trend)
        splits = list(ob.splits)
        n_value_bins = len(splits) + (0 if cat else 1)
        edges = (
            [None, *[round(float(s), 2) for s in splits], None] if not cat else []
        )  # cents, as the spec compares
        for k in range(n_value_bins):
            row = table.iloc[k]
            b = Bin(
                count=int(row["Count"]), bad=int(row["Event"]), woe=float(row["WoE"]), iv=float(row["IV"])
            )
            if cat:
                b.categories = tuple(sorted(str(c) for c in splits[k]))
            else:
                b.lo, b.hi = edges[k], edges[k + 1]
            fb.bins.append(b)
        miss = table.iloc[n_value_bins + 1]  # rows: value bins, Special, Missing, Totals
        fb.bins.append(
            Bin(
                count=int(miss["Count"]),
                bad=int(miss["Event"]),
                woe=float(miss["WoE"]),
                iv=float(miss["IV"]),
                missing=True,
            )
        )
        out.append(fb)
    return out
