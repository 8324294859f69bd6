"""`xinyong scorecard train …`: learn a scorecard from a CSV or from the archive (docs/scorecard.md)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from xinyong.dates import DateError, parse_date
from xinyong.scorecard.features import ScorecardError

scorecard_app = typer.Typer(help="Learned scorecards / 学习型评分卡", no_args_is_help=True)


def _fail(exc: ScorecardError, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"error": {"zh": exc.zh, "en": exc.en}}, ensure_ascii=False))
    else:
        typer.echo(f"错误：{exc.zh}\nerror: {exc.en}", err=True)
    raise typer.Exit(2)


def _pairs(text: str | None) -> dict[str, str]:
    out = {}
    for part in filter(None, (text or "").split(",")):
        if "=" not in part:
            raise ScorecardError(f"--trend 应为 列=趋势：{part}", f"--trend expects COLUMN=TREND: {part}")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _window_days(text: str) -> int:
    units = {"d": 1, "m": 30, "y": 365}
    try:
        n, unit = int(text[:-1]), text[-1].lower()
        days = n * units[unit] if unit != "m" else None
        if n <= 0:
            raise ValueError(text)
    except (ValueError, KeyError, IndexError):
        raise ScorecardError(
            f"窗口格式应为 12m / 365d / 1y：{text}", f"window must look like 12m, 365d or 1y: {text}"
        ) from None
    return days if days is not None else -n  # months are counted on the calendar (negative = months)


@scorecard_app.command("train")
def train(
    csv: Path = typer.Option(None, "--csv", help="CSV of features and a label column"),
    target: str = typer.Option(..., "--target", help="Label column (CSV) or outcome record kind (archive)"),
    bad: str = typer.Option("1", "--bad", help="CSV: the label value that means bad"),
    test_size: float = typer.Option(0.3, "--test-size", help="CSV: share of rows in the stratified holdout"),
    seed: int = typer.Option(0, "--seed", help="CSV: random seed of the holdout split"),
    window: str = typer.Option(
        "12m", "--window", help="Archive: outcome window after the as-of date (12m, 365d, 1y)"
    ),
    as_of: str = typer.Option(
        None, "--as-of", help="Archive: holdout snapshot date YYYY-MM-DD (training: one window earlier)"
    ),
    features_from: str = typer.Option(
        "city_enterprise",
        "--features-from",
        help="Archive: model whose record indicators are the candidate features",
    ),
    allow_protected: str = typer.Option(
        "", "--allow-protected", help="Protected columns allowed as features (COL,COL); logged"
    ),
    trend: str = typer.Option(
        "", "--trend", help="Monotonic trend per feature, COL=ascending|descending|auto_asc_desc,…"
    ),
    model_id: str = typer.Option(None, "--id", help="Model id of the exported spec"),
    subject_kind: str = typer.Option(
        "person", "--subject-kind", help="CSV: subject kind the exported spec grades"
    ),
    out: Path = typer.Option(
        None, "--out", help="Directory for the spec and its report (default XINYONG_MODELS_DIR)"
    ),
    as_json: bool = typer.Option(False, "--json", help='Print {"auc", "ks", "gini"} (archive: also "psi")'),
) -> None:
    """Train a scorecard and export it as a model spec / 训练评分卡并导出为评价模型."""
    from xinyong.settings import get_settings

    out = out or get_settings().models_dir
    allowed = tuple(c.strip() for c in allow_protected.split(",") if c.strip())
    try:
        trends = _pairs(trend)
        if csv is not None:
            from xinyong.scorecard.service import train_csv

            res = train_csv(
                csv,
                target=target,
                bad=bad,
                test_size=test_size,
                seed=seed,
                allow_protected=allowed,
                trends=trends,
                out_dir=out,
                model_id=model_id,
                subject_kind=subject_kind,
            )
            figures = res.metrics
        else:
            if not as_of:
                raise ScorecardError(
                    "从档案训练需要 --as-of 日期（或用 --csv 指定文件）",
                    "training from the archive needs --as-of DATE (or give --csv PATH)",
                )
            try:
                day = parse_date(as_of, field="--as-of")
            except DateError as exc:
                raise ScorecardError(exc.zh, exc.en) from None
            from xinyong.scorecard.archive import train_archive
            from xinyong.store.db import make_engine

            res = train_archive(
                make_engine(),
                outcome=target,
                window=_window_days(window),
                as_of=day,
                features_from=features_from,
                allow_protected=allowed,
                trends=trends,
                out_dir=out,
                model_id=model_id,
            )
            figures = {**res.metrics, "psi": res.report["psi_train_vs_holdout"]}
    except ScorecardError as exc:
        _fail(exc, as_json)
        return
    if as_json:
        typer.echo(json.dumps(figures))
        return
    typer.echo(
        f"AUC {figures['auc']:.4f} · KS {figures['ks']:.4f} · Gini {figures['gini']:.4f} "
        "(留出集，已取整的评分卡 / holdout, deployed rounded card)"
    )
    typer.echo(f"模型 model: {res.spec_path}\n报告 report: {res.report_dir}")


def register(app: typer.Typer) -> None:
    app.add_typer(scorecard_app, name="scorecard")
