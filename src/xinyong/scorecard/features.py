"""Feature tables for learned scorecards: a plain CSV (features + a label column), checked for the bad
inputs that would give a crash or a silently useless model, and the fairness guard on protected
attributes.

Shapes: a feature table is a pandas DataFrame (one row per applicant/subject, one column per feature;
numbers as float64, categories as text, missing = NA) and a label vector `y` (numpy int, 1 = bad /
the outcome occurred, 0 = good). Errors are `ScorecardError` with a Chinese and an English message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

log = logging.getLogger("xinyong.scorecard")

# Protected attributes (受保护属性): sex, ethnicity, age of persons, marital status, religion, nationality,
# origin. A column whose name contains one of these words is refused as a feature unless the operator
# allows it by name (`--allow-protected`); it stays available as a group column for per-group metrics.
PROTECTED_WORDS = (
    "sex", "gender", "ethnic", "race", "nation", "religio", "marital", "married", "personal_status",
    "age", "birth", "foreign", "性别", "民族", "种族", "宗教", "婚姻", "年龄", "出生", "国籍", "籍贯",
)  # fmt: skip


class ScorecardError(ValueError):
    """A bad input to training: what is wrong, in Chinese and English (CLI exit 2)."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(f"{zh} / {en}")


def is_protected(column: str) -> bool:
    """True when the column name names a protected attribute (word match, case-insensitive)."""
    name = column.lower()
    for word in PROTECTED_WORDS:
        if word.isascii():
            if re.search(rf"(^|[^a-z]){word}", name):
                return True
        elif word in name:
            return True
    return False


@dataclass(frozen=True)
class Dataset:
    """Features, labels (1 = bad) and the protected columns kept aside as groups (not features)."""

    X: pd.DataFrame
    y: np.ndarray
    groups: pd.DataFrame
    categorical: tuple[str, ...]
    protected_allowed: tuple[str, ...] = ()


def _as_features(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Numeric columns → float64; everything else → text categories (pandas `str`, NA kept)."""
    out, cats = {}, []
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            out[col] = pd.Series([np.nan if pd.isna(v) else str(v) for v in s], index=s.index, dtype=object)
            cats.append(col)
        else:
            out[col] = s.astype("float64")
    return pd.DataFrame(out, index=frame.index), tuple(cats)


def split_protected(
    frame: pd.DataFrame, allow: Iterable[str]
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
    """(features, groups, allowed): protected columns not in `allow` become group columns."""
    allow = tuple(allow)
    unknown = [c for c in allow if c not in frame.columns]
    if unknown:
        raise ScorecardError(
            f"--allow-protected 中的列不存在：{', '.join(unknown)}",
            f"--allow-protected names missing columns: {', '.join(unknown)}",
        )
    protected = [c for c in frame.columns if is_protected(c) and c not in allow]
    for col in allow:
        log.warning(
            "protected attribute used as a feature by explicit override / 受保护属性经明确授权用作特征: %s",
            col,
        )
    return frame.drop(columns=protected), frame[protected].copy(), allow


def check_features(X: pd.DataFrame, y: np.ndarray) -> None:
    """Refuse a one-class target, an empty table and features with every value missing."""
    if len(X.columns) == 0:
        raise ScorecardError("没有可用的特征列", "no feature columns left to train on")
    classes = set(np.unique(y).tolist())
    if len(classes) < 2:
        only = "坏" if classes == {1} else "好"
        raise ScorecardError(
            f"目标只有一类（全部为{only}），无法训练评分卡",
            f"the target has one class only ({'all bad' if classes == {1} else 'all good'}); nothing to learn",
        )
    empty = [c for c in X.columns if X[c].isna().all()]
    if empty:
        raise ScorecardError(
            f"特征列全部缺失：{', '.join(empty)}",
            f"feature columns with every value missing: {', '.join(empty)}",
        )


def load_csv(path: Path, *, target: str, bad: str, allow_protected: Iterable[str] = ()) -> Dataset:
    """Read a CSV of features and a label column; rows whose label equals `bad` (as text) are bad (1).

    Errors: unreadable file, missing label column, empty label values, one class, all-missing features.
    """
    try:
        frame = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ScorecardError(f"无法读取 CSV 文件 {path}：{exc}", f"cannot read CSV {path}: {exc}") from None
    if target not in frame.columns:
        raise ScorecardError(
            f"CSV 中没有标签列 `{target}`（现有列：{', '.join(map(str, frame.columns))}）",
            f"the CSV has no label column `{target}` (columns: {', '.join(map(str, frame.columns))})",
        )
    label = frame.pop(target)
    blank = [int(i) + 2 for i in np.flatnonzero(label.isna().to_numpy())]
    if blank:
        raise ScorecardError(
            f"标签列 `{target}` 有空值（第 {blank[:5]} 行）",
            f"label column `{target}` is empty on line(s) {blank[:5]}",
        )
    y = (label.astype(str).str.strip() == str(bad)).to_numpy().astype(int)
    if bad not in set(label.astype(str).str.strip()):
        raise ScorecardError(
            f"标签列 `{target}` 中没有取值 `{bad}`（坏样本），目标只有一类",
            f"no row has `{target}` = `{bad}` (the bad value): the target has one class only",
        )
    feats, groups, allowed = split_protected(frame, allow_protected)
    X, cats = _as_features(feats)
    check_features(X, y)
    return Dataset(X=X, y=y, groups=groups, categorical=cats, protected_allowed=allowed)


def holdout(data: Dataset, *, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/test row positions (scikit-learn's train_test_split with `stratify=y`)."""
    if not 0 < test_size < 1:
        raise ScorecardError("--test-size 须在 0 与 1 之间", "--test-size must be between 0 and 1")
    idx = np.arange(len(data.y))
    try:
        train, test = train_test_split(idx, test_size=test_size, stratify=data.y, random_state=seed)
    except ValueError as exc:
        raise ScorecardError(
            f"样本太少，无法分层抽取验证集：{exc}", f"too few rows for a stratified holdout: {exc}"
        ) from None
    return np.sort(train), np.sort(test)
