"""Logistic regression on the weights of evidence, and the points scaled the usual way.

Scaling (points to double the odds, PDO): with odds = good : bad,

    score = offset + factor × ln(odds),   factor = PDO / ln 2,   offset = BASE − factor × ln(ODDS)

so a subject with odds ODDS : 1 scores BASE, and every PDO points double the odds. Defaults: BASE 600,
ODDS 50 (50 goods per bad at 600 points), PDO 20. The model is P(bad) = σ(b₀ + Σ bᵢ·WoEᵢ), so
ln(odds) = −b₀ − Σ bᵢ·WoEᵢ and the bin j of feature i is worth −factor·bᵢ·WoEᵢⱼ points, rounded to
an integer (the deployed card is integer; metrics are measured on it). Each feature's points are then
shifted so its lowest bin is worth 0 and the shifts go into the base: the total is unchanged and every
table row is ≥ 0, as a model spec's dimension (min 0) needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from xinyong.scorecard.binning import FeatureBins

BASE, ODDS, PDO = 600, 50, 20


@dataclass
class FeaturePoints:
    bins: FeatureBins
    coef: float
    points: list[int]  # per bin, in the order of bins.bins (missing last)
    else_points: int  # an unseen category (neutral WoE)


@dataclass
class Card:
    features: list[FeaturePoints]
    base: int
    intercept: float
    base_score: int = BASE
    odds: float = ODDS
    pdo: float = PDO
    dropped: list[str] = field(default_factory=list)  # features the fit gave no weight

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_score - self.factor * math.log(self.odds)

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """Integer scores of the rounded card (the Python rendering of the exported spec)."""
        total = np.full(len(X), self.base, dtype=np.int64)
        for fp in self.features:
            idx = fp.bins.index(X[fp.bins.name])
            table = np.array([*fp.points, fp.else_points], dtype=np.int64)
            total += table[idx]
        return total

    def bad_probability(self, scores: np.ndarray) -> np.ndarray:
        """P(bad) implied by a score: 1 / (1 + odds), odds = exp((score − offset) / factor)."""
        return 1.0 / (1.0 + np.exp((np.asarray(scores, dtype=float) - self.offset) / self.factor))


def woe_matrix(bins: list[FeatureBins], X: pd.DataFrame) -> np.ndarray:
    return np.column_stack([fb.woe(X[fb.name]) for fb in bins]) if bins else np.zeros((len(X), 0))


def fit_card(
    bins: list[FeatureBins],
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    base_score: int = BASE,
    odds: float = ODDS,
    pdo: float = PDO,
    c: float = 1.0,
) -> Card:
    """Fit P(bad) on the WoE of each feature and turn it into integer points per bin."""
    model = LogisticRegression(C=c, max_iter=1000)
    model.fit(woe_matrix(bins, X), y)
    coefs, intercept = model.coef_[0], float(model.intercept_[0])
    card = Card(features=[], base=0, intercept=intercept, base_score=base_score, odds=odds, pdo=pdo)
    base = card.offset - card.factor * intercept
    shift_total = 0
    for fb, b in zip(bins, coefs, strict=True):
        if fb.iv == 0 or abs(b) < 1e-9:
            card.dropped.append(fb.name)
            continue
        raw = [int(round(-card.factor * b * bn.woe)) for bn in fb.bins]
        neutral = 0  # WoE 0 → 0 points
        low = min([*raw, neutral])
        card.features.append(
            FeaturePoints(bins=fb, coef=float(b), points=[p - low for p in raw], else_points=neutral - low)
        )
        shift_total += low
    card.base = int(round(base)) + shift_total
    return card
