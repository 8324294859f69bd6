"""`xinyong draw …` and `xinyong inspector add`: random inspections (双随机、一公开) from the command line.

Runs with the operator's rights. Exit codes: 0 success; 1 unknown draw / plan, or a replay that does not
match, or a draw that failed for a shortfall; 2 malformed input (messages in Chinese and English).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from xinyong.dates import cli_day
from xinyong.numbers import whole_number

draw_app = typer.Typer(help="Random inspections (双随机、一公开) / 随机抽查", no_args_is_help=True)
inspector_app = typer.Typer(help="Inspector roster / 执法检查人员名录库", no_args_is_help=True)


def _engine():  # noqa: ANN202
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine

    return make_engine(get_settings().database_url)


def _session():  # noqa: ANN202 - context manager
    from xinyong.store.db import session_scope

    return session_scope(_engine())


def _fail(exc: Exception, code: int) -> typer.Exit:
    typer.echo(f"错误 error: {exc}", err=True)
    return typer.Exit(code)


def _out(value: object) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=1, default=str))


@draw_app.command("list")
def draw_list(
    district: str = typer.Option(None, "--district", help="division code, e.g. 120101"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """List draws, newest first / 抽查列表."""
    from xinyong.draws.service import list_draws

    with _session() as s:
        rows = list_draws(s, district_code=district)
    if as_json:
        _out(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['draw_id']}  {r['status']:<9}  {r['department']}  targets {r['targets']}  results {r['results']}"
        )


@draw_app.command("plan")
def draw_plan(
    plan_id: str = typer.Argument(..., help="new plan id ([a-z0-9_-])"),
    district: str = typer.Option(..., "--district", help="division code"),
    department: str = typer.Option(..., "--department", help="inspecting department"),
    name: str = typer.Option(..., "--name", help="plan name / 计划名称"),
    items: str = typer.Option(..., "--items", help="items inspected / 抽查事项"),
    scheme: str = typer.Option(..., "--scheme", help="supervision scheme id (tiers and ratios)"),
    per_target: int = typer.Option(2, "--inspectors-per-target", help="inspectors per target"),
    population: str = typer.Option(None, "--population", help="CEL rule choosing the population"),
    ratio: list[str] = typer.Option([], "--ratio", help="TIER=BASIS_POINTS override, repeatable"),
    cap: int = typer.Option(None, "--max-per-inspector", help="at most N targets per inspector"),
    actor: str = typer.Option("cli", "--actor", help="who defines the plan"),
) -> None:
    """Define an inspection plan / 新建抽查计划."""
    from xinyong.draws.service import DrawError, create_plan

    ratios = {}
    for item in ratio:
        tier, _, bp = item.partition("=")
        basis_points = whole_number(bp)
        if basis_points is None or basis_points < 0:
            raise _fail(ValueError(f"--ratio {item}: 应为 TIER=整数 / expected TIER=INTEGER"), 2)
        ratios[tier] = basis_points
    try:
        with _session() as s:
            create_plan(
                s,
                plan_id=plan_id,
                district_code=district,
                department=department,
                name=name,
                items=items,
                scheme_id=scheme,
                inspectors_per_target=per_target,
                population=population,
                ratios_bp=ratios,
                max_targets_per_inspector=cap,
                actor=actor,
            )
    except DrawError as exc:
        raise _fail(exc, 2) from exc
    typer.echo(f"已创建抽查计划 plan created: {plan_id}")


@draw_app.command("commit")
def draw_commit(
    plan_id: str = typer.Argument(..., help="plan id"),
    as_of: str = typer.Option(None, "--as-of", help="grades and population as of (YYYY-MM-DD)"),
    actor: str = typer.Option("cli", "--actor"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Freeze the pool and publish the commitment (before the draw) / 冻结名录并公布承诺值."""
    from xinyong.draws.service import DrawError, commit_draw

    try:
        with _session() as s:
            d = commit_draw(s, plan_id=plan_id, as_of=cli_day(as_of, "--as-of"), actor=actor)
            out = {
                "draw_id": d.id,
                "pool_digest": d.pool_digest,
                "plan_digest": d.plan_digest,
                "commitment": d.commitment,
                "pool_targets": d.pool_targets,
                "pool_inspectors": d.pool_inspectors,
            }
    except DrawError as exc:
        raise _fail(exc, 1 if "not found" in str(exc) else 2) from exc
    _out(out) if as_json else typer.echo(f"{out['draw_id']}  commitment {out['commitment']}")


@draw_app.command("run")
def draw_run(
    draw_id: str = typer.Argument(..., help="a committed draw"),
    outside: str = typer.Option(
        "", "--outside", help="outside random value (lottery number, beacon) / 外部随机值"
    ),
    actor: str = typer.Option("cli", "--actor"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Draw targets and inspectors and reveal the secret / 执行抽取并公开种子. Exit 1 on a shortfall."""
    from dataclasses import asdict

    from xinyong.draws.service import DrawError, run_draw

    try:
        with _session() as s:
            outcome = run_draw(s, draw_id=draw_id, actor=actor, outside_value=outside)
    except DrawError as exc:
        raise _fail(exc, 1 if "not found" in str(exc) else 2) from exc
    if as_json:
        _out(asdict(outcome))
    else:
        typer.echo(outcome.failure or f"{draw_id}: {len(outcome.targets)} targets drawn / 已抽取")
    if outcome.status != "drawn":
        raise typer.Exit(1)


@draw_app.command("show")
def draw_show(draw_id: str = typer.Argument(...)) -> None:
    """Print the published document of a draw (JSON; input of `draw replay FILE`) / 公开的抽查文档."""
    from xinyong.draws.service import DrawError, published_document

    try:
        with _session() as s:
            _out(published_document(s, draw_id))
    except DrawError as exc:
        raise _fail(exc, 1) from exc


@draw_app.command("replay")
def draw_replay(
    draw: str = typer.Argument(
        ..., help="DRAW_ID in the store, or a JSON file from `draw show` / the public page"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Recompute a draw from its published inputs; exit 0 only when targets and inspectors match / 复核抽查."""
    from xinyong.draws.service import DrawError, published_document, replay

    path = Path(draw)
    if path.suffix == ".json" and path.exists():
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise _fail(ValueError(f"{path}: JSON 无法解析 / not JSON: {exc}"), 2) from exc
    else:
        try:
            with _session() as s:
                doc = published_document(s, draw)
        except DrawError as exc:
            raise _fail(exc, 1) from exc
    try:
        report = replay(doc)
    except (KeyError, ValueError, TypeError) as exc:
        raise _fail(ValueError(f"文档不完整 / malformed document: {exc}"), 2) from exc
    if as_json:
        _out(report)
    else:
        for name, ok in report["checks"].items():
            typer.echo(f"{'✓' if ok else '✗'} {name}")
        for p in report["problems"]:
            typer.echo(p)
        typer.echo("一致 / match" if report["ok"] else "不一致 / MISMATCH")
    if not report["ok"]:
        raise typer.Exit(1)


@draw_app.command("result")
def draw_result(
    draw_id: str = typer.Argument(...),
    subject_id: str = typer.Argument(...),
    result: str = typer.Option(..., "--result", help="passed / rectify / failed / not_found"),
    date: str = typer.Option(None, "--date", help="inspection date (YYYY-MM-DD, default today)"),
    findings: str = typer.Option(None, "--findings", help="findings / 检查发现问题"),
    actor: str = typer.Option("cli", "--actor"),
) -> None:
    """Enter a target's result; it is published as an inspection record / 录入并公示检查结果."""
    from xinyong.draws.service import DrawError, enter_result

    try:
        row = enter_result(
            _engine(),
            draw_id=draw_id,
            subject_id=subject_id,
            result=result,
            inspection_date=cli_day(date, "--date"),
            findings=findings,
            actor=actor,
        )
    except DrawError as exc:
        raise _fail(exc, 2) from exc
    typer.echo(f"已录入 entered: {row.inspection_no} → record {row.record_id}")


@inspector_app.command("add")
def inspector_add(
    inspector_id: str = typer.Argument(..., help="执法证号 / roster code"),
    name: str = typer.Option(..., "--name"),
    department: str = typer.Option(..., "--department"),
    district: str = typer.Option(..., "--district"),
    unit: str = typer.Option(..., "--unit", help="the office the inspector works in"),
    affiliation: list[str] = typer.Option(
        [], "--affiliation", help="subject id of own unit / tie (repeatable)"
    ),
) -> None:
    """Add an inspector to the roster / 添加执法检查人员."""
    from xinyong.draws.service import DrawError, add_inspector

    try:
        with _session() as s:
            add_inspector(
                s,
                inspector_id=inspector_id,
                name=name,
                department=department,
                district_code=district,
                unit=unit,
                affiliations=affiliation,
            )
    except DrawError as exc:
        raise _fail(exc, 2) from exc
    typer.echo(f"已添加 added: {inspector_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(draw_app, name="draw")
    app.add_typer(inspector_app, name="inspector")
