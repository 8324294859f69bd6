"""`xinyong model …`, `xinyong evaluate`, `xinyong explain`, `xinyong snapshot export`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xinyong.dates import DateError, parse_date
from xinyong.evaluation.schemas import SpecError

model_app = typer.Typer(help="Credit models / 信用评价模型", no_args_is_help=True)
snapshot_app = typer.Typer(help="Analytical Parquet snapshot / 分析快照", no_args_is_help=True)
console = Console()


def _date(value: str) -> dt.date:
    try:
        return parse_date(value, field="date")
    except DateError as exc:
        raise typer.BadParameter(str(exc)) from None


def _engine():  # noqa: ANN202 - SQLAlchemy engine
    from xinyong.store.db import make_engine

    return make_engine()


@model_app.command("list")
def model_list(as_json: bool = typer.Option(False, "--json", help="Machine-readable output")) -> None:
    """List the installed models / 列出已安装的模型."""
    from xinyong.evaluation.service import load_models

    models = load_models()
    rows = [
        {
            "id": m.id,
            "version": m.version,
            "name_zh": m.name_zh,
            "name_en": m.name_en,
            "district": m.district,
            "subject_kinds": list(m.subject_kinds),
            "grades": [b.grade for b in m.decision_bands],
            "indicators": len(m.indicators),
            "dimensions": len(m.dimensions),
        }
        for m in models.values()
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table("id", "version", "名称 / name", "district", "grades")
    for r in rows:
        table.add_row(
            r["id"],
            r["version"],
            f"{r['name_zh']} / {r['name_en']}",
            r["district"] or "city",
            "/".join(r["grades"]),
        )
    console.print(table)


@model_app.command("check")
def model_check(files: list[Path] = typer.Argument(..., help="Model YAML files")) -> None:
    """Validate model files; every error with its path / 校验模型文件，逐条报错."""
    from xinyong.evaluation.service import check_model_file

    failed = False
    for path in files:
        try:
            spec = check_model_file(path)
        except SpecError as exc:
            failed = True
            for loc, msg in exc.errors:
                typer.echo(f"{path}: {loc}: {msg}")
            continue
        typer.echo(f"{path}: ok ({spec.id} {spec.version}) / 校验通过")
    raise typer.Exit(1 if failed else 0)


@model_app.command("score")
def model_score(
    model: str = typer.Option(..., help="Model id"),
    indicator: str = typer.Option(..., help="Manual indicator id"),
    subject: str = typer.Option(..., help="Subject id"),
    value: float = typer.Option(..., help="Expert score"),
    effective_on: str = typer.Option(..., help="Date the score applies from (YYYY-MM-DD)"),
    by: str = typer.Option(..., help="Who enters it (officer)"),
    reason: str = typer.Option(..., help="Why (kept with the score)"),
) -> None:
    """Enter an officer's expert score for a manual indicator / 录入人工评分."""
    from xinyong.evaluation.service import record_manual_score
    from xinyong.store.db import session_scope

    try:
        with session_scope(_engine()) as session:
            row = record_manual_score(
                session,
                model_id=model,
                indicator_id=indicator,
                subject_id=subject,
                value=value,
                effective_on=_date(effective_on),
                entered_by=by,
                reason=reason,
            )
            typer.echo(f"manual score #{row.id} recorded / 已录入")
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def evaluate_cmd(
    model: str = typer.Option(..., "--model", help="Model id (see `xinyong model list`)"),
    as_of: str = typer.Option(..., "--as-of", help="Evaluation date YYYY-MM-DD"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb | spark | python"),
    district: str = typer.Option(None, "--district", help="District code, e.g. 120103"),
    out: Path = typer.Option(None, "--out", help="Also write one row per subject to this Parquet file"),
    snapshot: Path = typer.Option(
        None, "--snapshot", help="Snapshot directory (default <data_dir>/snapshot)"
    ),
    changed: bool = typer.Option(
        False,
        "--changed",
        help="Re-grade only subjects whose records changed since "
        "their last grade by this model (评价后有新记录)",
    ),
) -> None:
    """Evaluate a model for the whole population / 批量信用评价."""
    from xinyong.evaluation.service import evaluate

    day = _date(as_of)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done if total else 1, total=max(total, 1))
            for other, tid in tasks.items():
                if other != stage:
                    bar.update(tid, completed=bar.tasks[tid].total)

        try:
            res = evaluate(
                _engine(),
                model_id=model,
                as_of=day,
                engine_name=engine,
                district=district,
                out=out,
                snapshot_dir=snapshot,
                progress=progress,
                changed=changed,
            )
        except (KeyError, ValueError, SpecError, PermissionError) as exc:  # PermissionError: privacy.Withheld
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        for tid in tasks.values():
            bar.update(tid, completed=bar.tasks[tid].total)
    grades = ", ".join(f"{g}: {n}" for g, n in sorted(res.grades.items()))
    console.print(
        f"run {res.run_id}: {res.model_id} {res.model_version} as of {res.as_of} on {res.engine}; "
        f"{res.subjects} subjects ({grades}) in {res.seconds:.2f}s"
        + (f"; wrote {res.out}" if res.out else "")
    )


def explain_cmd(
    subject: str = typer.Argument(..., help="Subject id"),
    model: str = typer.Option(..., "--model", help="Model id"),
    as_of: str = typer.Option(..., "--as-of", help="Date YYYY-MM-DD"),
    grant: int = typer.Option(
        None,
        "--grant",
        help="Read a person's score as the holder of this live grant (the read is logged) / 以授权持有人身份读取",
    ),
    user: str = typer.Option(
        None,
        "--user",
        help="Read as this login: the person's own account, or a grant holder's / 以该账户身份读取",
    ),
) -> None:
    """Explain one subject's grade and what would change it (JSON) / 评价解释.

    A personal model's result (a person's score, person_haihe) is shown only to the person or a holder
    of the person's live grant (evaluation/privacy.py): give --user (the person's login) or --grant;
    without them it is refused (exit 2). Other models run with the operator's rights."""
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.evaluation import privacy
    from xinyong.evaluation.service import explain_for
    from xinyong.store.db import session_scope

    if grant is not None and user is not None:
        typer.echo("--grant 与 --user 只能给出其一 / give at most one of --grant and --user", err=True)
        raise typer.Exit(2)
    day = _date(as_of)
    viewer = OPERATOR
    try:
        with session_scope(_engine()) as session:
            if grant is not None:
                viewer = privacy.viewer_for_grant(session, grant_id=grant, subject_id=subject)
                if viewer is None:
                    typer.echo(
                        f"授权 {grant} 不存在、不是对 {subject} 的授权或持有人账户已停用 / "
                        f"grant {grant} does not exist, is not on {subject} or its holder is inactive",
                        err=True,
                    )
                    raise typer.Exit(1)
            elif user is not None:
                viewer = privacy.viewer_for_user(session, username=user)
                if viewer is None:
                    typer.echo(f"账户 {user} 不存在或已停用 / no active login {user}", err=True)
                    raise typer.Exit(1)
            out = explain_for(
                session, viewer=viewer, subject_id=subject, model_id=model, as_of=day, surface="cli:explain"
            )
    except privacy.Withheld as exc:
        hint_zh = "（本人请用 --user 本人账户，获授权者请用 --grant 授权编号）" if viewer is OPERATOR else ""
        hint_en = (
            " (the person: --user with their own login; a grant holder: --grant GRANT_ID)"
            if viewer is OPERATOR
            else ""
        )
        typer.echo(f"拒绝：{exc.zh}{hint_zh} / refused: {exc.en}{hint_en}", err=True)
        raise typer.Exit(2) from None
    except (KeyError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(out, ensure_ascii=False, indent=1))


@snapshot_app.command("export")
def snapshot_export(
    directory: Path = typer.Option(None, "--dir", help="Snapshot directory (default <data_dir>/snapshot)"),
    full: bool = typer.Option(False, "--full", help="Rewrite everything as one compact part"),
) -> None:
    """Export new/changed records to the Parquet snapshot / 增量导出分析快照."""
    from xinyong.evaluation.snapshot import export_snapshot
    from xinyong.settings import get_settings

    stats = export_snapshot(_engine(), directory or get_settings().data_dir / "snapshot", full=full)
    typer.echo(
        f"records: {stats.records} (part {stats.part}), subjects: {stats.subjects}, "
        f"manual scores: {stats.manual_scores}, superseded: {stats.superseded}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
    app.add_typer(snapshot_app, name="snapshot")
    app.command("evaluate")(evaluate_cmd)
    app.command("explain")(explain_cmd)
