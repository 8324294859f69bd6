"""`xinyong report verify`: check a credit report's number against the register of issued reports."""

from __future__ import annotations

import datetime as dt
import json

import typer

from xinyong import clock

report_app = typer.Typer(help="Credit reports / 信用报告", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


@report_app.command("verify")
def verify_cmd(
    number: str = typer.Argument(..., help="the report number, e.g. XYR-20250630-3F2A9C0B1D4E"),
    subject_id: str = typer.Option(
        None, "--subject-id", help="the subject the report names (checked when given)"
    ),
    as_of: str = typer.Option(
        None, "--as-of", help="the report's as-of date YYYY-MM-DD (checked when given)"
    ),
    today: str = typer.Option(
        None, "--today", help="the day to verify on, YYYY-MM-DD (default today in Beijing)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Is this a genuine report, still valid, and has the archive changed since? / 核验信用报告.
    Exit 0 valid, 1 not valid (unknown, altered, expired or mismatched), 2 malformed date."""
    from xinyong.reports.service import verify_report
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope

    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
        on = dt.date.fromisoformat(today) if today else clock.today()
    except ValueError:
        typer.echo("日期格式错误，应为 YYYY-MM-DD / malformed date, expected YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None
    with session_scope(make_engine(get_settings().database_url)) as session:
        result = verify_report(session, number=number, today=on, subject_id=subject_id, as_of=day)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(f"{'✓' if result['valid'] else '✗'} {result['number']}: {result['message']}")
    raise typer.Exit(0 if result["valid"] else 1)
