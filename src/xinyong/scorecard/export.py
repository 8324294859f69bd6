"""A fitted card → an ordinary model spec (docs/models.md): one dimension, one indicator per feature
whose points table is the bins → points table, integer points (`decimals: 0`).

Features read from a CSV become `source: attribute` indicators (the column is a subject attribute);
features from the archive keep their record indicator (kind, filters, window, aggregate) and only
get the new points table. Numeric bins become rows `min ≤ value < max`, category groups one
`equals` row per category, the missing bin `missing_points`, unseen categories `else_points`.
Decision bands A/B/C/D are cut at the quartiles of the training scores.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from xinyong.evaluation.schemas import ModelSpec, validate_spec
from xinyong.scorecard.fit import Card

GRADES = (("A", "低风险", "Low risk"), ("B", "较低风险", "Lower risk"), ("C", "较高风险", "Higher risk"),
          ("D", "高风险", "High risk"))  # fmt: skip


def indicator_id(name: str, taken: set[str]) -> str:
    """A column name → a spec id (lower_snake_case, unique)."""
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "feature"
    if not base[0].isalpha():
        base = f"f_{base}"
    out, k = base, 2
    while out in taken:
        out, k = f"{base}_{k}", k + 1
    taken.add(out)
    return out


def attribute_template(column: str, categorical: bool) -> dict[str, Any]:
    return {"source": "attribute", "attribute": column, "aggregate": "category" if categorical else "value"}


def _rows(fp) -> list[dict[str, Any]]:  # noqa: ANN001 - fit.FeaturePoints
    rows: list[dict[str, Any]] = []
    for b, pts in zip(fp.bins.bins, fp.points, strict=True):
        if b.missing:
            continue
        if b.categories:
            rows += [{"equals": c, "points": pts} for c in b.categories]
            continue
        row: dict[str, Any] = {}
        if b.lo is not None:
            row["min"] = b.lo
        if b.hi is not None:
            row["max"] = b.hi
        rows.append({**row, "points": pts})
    return rows


def band_cuts(train_scores: np.ndarray) -> list[int]:
    """Distinct integer lower limits of A, B, C (quartiles of the training scores, best first)."""
    cuts = []
    for q in (75, 50, 25):
        cut = int(np.ceil(np.percentile(train_scores, q)))
        if not cuts or cut < cuts[-1]:
            cuts.append(cut)
    return cuts


def card_spec(
    card: Card,
    *,
    model_id: str,
    name_zh: str,
    name_en: str,
    subject_kinds: list[str],
    templates: dict[str, dict[str, Any]],
    train_scores: np.ndarray,
    description: str = "",
    version: str = "1.0.0",
) -> dict[str, Any]:
    """The model spec as a dict (validate with `validate_spec`)."""
    taken: set[str] = set()
    indicators = []
    for fp in card.features:
        name = fp.bins.name
        tmpl = {
            k: v
            for k, v in templates[name].items()
            if k not in {"points", "formula", "missing_points", "else_points", "dimension", "id"}
        }
        missing = fp.points[-1]
        indicators.append(
            {
                "id": tmpl.pop("id_hint", None) or indicator_id(name, taken),
                "name_zh": tmpl.pop("name_zh", name),
                "name_en": tmpl.pop("name_en", name),
                "dimension": "scorecard",
                **tmpl,
                "points": _rows(fp),
                "missing_points": missing,
                "else_points": fp.else_points,
            }
        )
    top = card.base + sum(max(fp.points + [fp.else_points]) for fp in card.features)
    cuts = band_cuts(train_scores)
    bands = []
    for k, (grade, zh, en) in enumerate(GRADES[: len(cuts) + 1]):
        band: dict[str, Any] = {"grade": grade, "label_zh": zh, "label_en": en}
        if k < len(cuts):
            band["lower"] = cuts[k]
        if k > 0:
            band["upper"] = cuts[k - 1]
        bands.append(band)
    return {
        "id": model_id, "version": version, "name_zh": name_zh, "name_en": name_en, "description": description,
        "subject_kinds": list(subject_kinds), "decimals": 0,
        "dimensions": [{"id": "scorecard", "name_zh": "评分卡", "name_en": "Scorecard", "weight": 100,
                        "base": card.base, "min": 0, "max": max(top, card.base, 1)}],
        "indicators": indicators, "decision_bands": bands, "top_reasons": 3,
    }  # fmt: skip


def write_spec(data: dict[str, Any], path: Path, *, header: str, catalogue: dict | None = None) -> ModelSpec:
    """Validate and write the YAML (with a comment header saying what it measures and how it was made)."""
    spec = validate_spec(data, source=str(path), catalogue=catalogue)
    path.parent.mkdir(parents=True, exist_ok=True)
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    path.write_text(
        comment + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8"
    )
    return spec
