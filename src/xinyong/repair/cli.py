"""`xinyong repair when|deadline|cases|decide|guidance|median` (docs/cli.md, docs/repair.md).

Exit 0 on success; 1 for an unknown application; 2 for refused or malformed input (the message says
why in Chinese and English). The CLI runs with the operator's rights.
"""

from __future__ import annotations

import json

import typer

from xinyong import clock
from xinyong.dates import cli_day

repair_app = typer.Typer(help="Credit repair and objections / 信用修复与异议", no_args_is_help=True)


def _session():  # noqa: ANN202 - context manager
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope

    return session_scope(make_engine(get_settings().database_url))


def _out(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=1))


@repair_app.command("when")
def when(
    severity: str = typer.Option(..., "--severity", help="minor | general | serious"),
    decided: str = typer.Option(..., "--decided", help="decision date YYYY-MM-DD"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    domain: list[str] = typer.Option(  # noqa: B008
        [], "--domain", help="penalty domain, repeatable (fire-safety, work-safety, special-equipment)"
    ),
    kind: str = typer.Option("penalty", "--kind", help="record kind (default penalty)"),
    as_json: bool = typer.Option(
        False, "--json", help='print {"rule_set","min_period_end","max_period_end"}'
    ),
) -> None:
    """Which repair rule set applies and when the minimum and maximum publicity end / 何时可修复."""
    from xinyong.evaluation.repair import RepairRuleError, periods

    try:
        p = periods(
            kind=kind,
            severity=severity,
            decided=cli_day(decided, "--decided"),
            as_of=cli_day(as_of, "--as-of"),
            domains=domain,
        )
    except RepairRuleError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if as_json:
        _out(p.as_json())
        return
    typer.echo(
        f"{p.rule_set}: 最短公示期至 {p.min_period_end}，{p.first_repairable_on} 起可申请修复；"
        f"最长公示期至 {p.max_period_end or '—'} / minimum ends {p.min_period_end}, maximum ends "
        f"{p.max_period_end or '—'}"
    )


@repair_app.command("deadline")
def deadline(
    received: str = typer.Option(..., "--received", help="day the application arrived, YYYY-MM-DD"),
    workdays: int = typer.Option(..., "--workdays", help="number of working days (≥ 1)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Last day of a deadline in working days (China's holiday schedule) / 工作日期限."""
    from xinyong.repair.workdays import CalendarError, load_calendar

    try:
        due = load_calendar().add_workdays(cli_day(received, "--received"), workdays)
    except CalendarError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    _out({"received": received, "workdays": workdays, "due_on": due.isoformat()}) if as_json else typer.echo(
        due.isoformat()
    )


@repair_app.command("cases")
def cases(
    district: str = typer.Option(None, "--district", help="district code (6 digits)"),
    open_only: bool = typer.Option(False, "--open", help="only cases waiting for someone"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD for the overdue flag (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Repair applications and objections with state, deadline and overdue flag / 修复与异议申请."""
    from xinyong.repair import service

    with _session() as s:
        rows = service.list_cases(
            s, as_of=cli_day(as_of, "--as-of"), district_code=district, open_only=open_only
        )
    if as_json:
        _out(rows)
        return
    for c in rows:
        flag = " 逾期 overdue" if c["overdue"] else ""
        typer.echo(f"{c['id']:>5} {c['kind']:<9} {c['state_zh']} {c['record_id']} due {c['due_on']}{flag}")


@repair_app.command("decide")
def decide(
    case_id: int = typer.Argument(..., help="application id"),
    decision: str = typer.Option(
        ...,
        "--decision",
        help="repair: approved | more_requested | rejected; objection: corrected | revoked | confirmed",
    ),
    reason: str = typer.Option(..., "--reason", help="why (理由)"),
    actor: str = typer.Option("cli", "--actor", help="deciding authority or officer"),
    as_of: str = typer.Option(None, "--as-of", help="decision day YYYY-MM-DD (default today)"),
    corrected_version: int = typer.Option(
        None, "--corrected-version", help="objection corrected: the new version"
    ),
) -> None:
    """Decide a repair application or an objection / 审核修复申请或办结异议."""
    from xinyong.repair import service

    day = cli_day(as_of, "--as-of")
    now = clock.utcnow_naive()
    with _session() as s:
        try:
            case = service.get_case(s, case_id)
            if case.kind == "repair":
                service.decide_repair(
                    s, case_id=case_id, decision=decision, actor=actor, reason=reason, as_of=day, now=now
                )
            else:
                service.decide_objection(
                    s,
                    case_id=case_id,
                    outcome=decision,
                    actor=actor,
                    reason=reason,
                    as_of=day,
                    now=now,
                    corrected_version=corrected_version,
                )
        except service.CaseNotFound as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        except (service.RepairError, ValueError) as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        typer.echo(service.state_of(s, case_id))


@repair_app.command("guidance")
def guidance(
    district: str = typer.Option(None, "--district", help="district code"),
    days: int = typer.Option(None, "--days", help="horizon in days (default process.yaml guidance_days)"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Repair guidance queue: records repairable now or soon / 信用修复指导名单."""
    from xinyong.repair import service

    with _session() as s:
        rows = service.guidance_queue(s, as_of=cli_day(as_of, "--as-of"), district_code=district, days=days)
    if as_json:
        _out(rows)
        return
    for r in rows:
        typer.echo(f"{r['repairable_from']}  {r['name']}  {r['record_id']}  {r['severity'] or ''}")


@repair_app.command("median")
def median(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Median working days from application to decision, per district / 修复办理时长中位数."""
    from xinyong.repair import service

    with _session() as s:
        rows = service.median_processing(s)
    if as_json:
        _out(rows)
        return
    for d, v in rows.items():
        typer.echo(f"{d or '—'}  {v['median_workdays']}  ({v['decided']})")


def register(app: typer.Typer) -> None:
    app.add_typer(repair_app, name="repair")
