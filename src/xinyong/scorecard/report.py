"""Holdout metrics of the deployed card, per-group metrics, PSI, and the report saved beside the model.

All metrics take integer scores where higher = safer and labels with 1 = bad:
- AUC: probability that a random good outscores a random bad (ties count half) — scikit-learn's
  roc_auc_score on (bad, −score);
- KS: the largest gap between the cumulative score distributions of bads and goods (max |TPR − FPR|);
- Gini = 2·AUC − 1;
- PSI (population stability index) = Σ (a − e)·ln(a / e) over score bins cut at the expected
  (training) deciles; shares below 0.0001 are floored there. < 0.1 stable, 0.1–0.25 watch, > 0.25 shifted.

The report is `<models_dir>/<model id>.report/`: report.json, roc.png and calibration.png.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score, roc_curve

from xinyong.scorecard.fit import Card


def metrics(y: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """{"auc", "ks", "gini"} of integer scores (higher = safer) against labels (1 = bad)."""
    y, s = np.asarray(y), -np.asarray(scores, dtype=float)
    if len(set(y.tolist())) < 2:
        return {"auc": float("nan"), "ks": float("nan"), "gini": float("nan")}
    auc = float(roc_auc_score(y, s))
    fpr, tpr, _ = roc_curve(y, s)
    return {
        "auc": round(auc, 4),
        "ks": round(float(np.max(np.abs(tpr - fpr))), 4),
        "gini": round(2 * auc - 1, 4),
    }


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """Population stability index of `actual` scores against `expected` (training) scores."""
    cuts = np.unique(np.percentile(expected, np.linspace(0, 100, bins + 1)[1:-1]))
    e = np.bincount(np.searchsorted(cuts, expected, side="right"), minlength=len(cuts) + 1) / len(expected)
    a = np.bincount(np.searchsorted(cuts, actual, side="right"), minlength=len(cuts) + 1) / max(
        len(actual), 1
    )
    e, a = np.maximum(e, 1e-4), np.maximum(a, 1e-4)
    return round(float(np.sum((a - e) * np.log(a / e))), 4)


def group_metrics(groups: pd.DataFrame, y: np.ndarray, scores: np.ndarray) -> dict[str, list[dict[str, Any]]]:
    """Per value of each group column: count, bad rate, mean score, AUC (when both classes occur)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for col in groups.columns:
        vals = groups[col].astype("string").fillna("(缺失 missing)").to_numpy()
        rows = []
        for v in sorted(set(vals.tolist())):
            sel = vals == v
            m = metrics(y[sel], scores[sel])
            rows.append(
                {
                    "group": v,
                    "count": int(sel.sum()),
                    "bad_rate": round(float(y[sel].mean()), 4),
                    "mean_score": round(float(scores[sel].mean()), 1),
                    "auc": None if np.isnan(m["auc"]) else m["auc"],
                }
            )
        out[col] = rows
    return out


def bins_table(card: Card) -> list[dict[str, Any]]:
    """Per feature: IV, trend, monotone flag and each bin's count, bad rate, WoE and points."""
    out = []
    for fp in card.features:
        fb = fp.bins
        out.append(
            {
                "feature": fb.name,
                "iv": round(fb.iv, 4),
                "trend": fb.trend,
                "monotone": fb.monotone(),
                "coef": round(fp.coef, 4),
                "bins": [
                    {
                        "bin": b.label(),
                        "count": b.count,
                        "bad": b.bad,
                        "bad_rate": round(b.event_rate, 4),
                        "woe": round(b.woe, 4),
                        "iv": round(b.iv, 4),
                        "points": p,
                    }
                    for b, p in zip(fb.bins, fp.points, strict=True)
                ],
            }
        )
    return sorted(out, key=lambda f: -f["iv"])


def plots(card: Card, y: np.ndarray, scores: np.ndarray, folder: Path) -> list[str]:
    """ROC curve and calibration (predicted vs observed bad rate per score decile) as PNG files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    fpr, tpr, _ = roc_curve(y, -scores)
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=100)
    ax.plot(fpr, tpr, label=f"AUC {roc_auc_score(y, -scores):.3f}")
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey")
    ax.set(xlabel="False positive rate", ylabel="True positive rate", title="ROC (holdout)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(folder / "roc.png")
    plt.close(fig)
    order = np.argsort(scores)
    groups = [g for g in np.array_split(order, min(10, len(order))) if len(g)]
    pred = [float(card.bad_probability(scores[g]).mean()) for g in groups]
    obs = [float(y[g].mean()) for g in groups]
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=100)
    top = max([*pred, *obs, 0.01]) * 1.05
    ax.plot([0, top], [0, top], linestyle=":", color="grey")
    ax.plot(pred, obs, marker="o")
    ax.set(
        xlabel="Predicted bad rate", ylabel="Observed bad rate", title="Calibration by score decile (holdout)"
    )
    fig.tight_layout()
    fig.savefig(folder / "calibration.png")
    plt.close(fig)
    return ["roc.png", "calibration.png"]


def report_dir(models_dir: Path, model_id: str) -> Path:
    return models_dir / f"{model_id}.report"


def save_report(folder: Path, report: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
