"""`xinyong report SUBJECT_ID -o FILE.pdf`: the PDF credit report (信用报告) from the command line;
`xinyong report-verify NUMBER`: check a report number against the register of issued reports.

Runs with the operator's rights (the full view, disclosure.OPERATOR) like `xinyong subject show`,
and writes the read to the access log (查询留痕) with its purpose. Exit codes: 0 written, 1 unknown
subject, 2 bad input (malformed date, unwritable file).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from xinyong import clock
from xinyong.dates import cli_day


def report(
    subject_id: str = typer.Argument(..., help="subject id"),
    output: Path = typer.Option(..., "-o", "--output", help="PDF file to write"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    purpose: str = typer.Option(
        "命令行出具信用报告 / CLI report", "--purpose", help="查询事由, for the access log"
    ),
) -> None:
    """Write a subject's credit report as PDF / 出具信用报告（PDF）."""
    from xinyong.accounts.deps import log_access
    from xinyong.archive.service import SubjectNotFound, build_archive
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.reports.service import render_report
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope

    day = cli_day(as_of, "--as-of")
    settings = get_settings()
    with session_scope(make_engine(settings.database_url)) as session:
        try:
            archive = build_archive(session, subject_id=subject_id, as_of=day, viewer=OPERATOR)
        except SubjectNotFound as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(1) from None
        log_access(session, OPERATOR, subject_id, purpose, "cli:report")
        base = settings.public_base_url or f"http://{settings.host}:{settings.port}"
        result = render_report(archive, base_url=base, generated_at=clock.now())
    try:
        output.write_bytes(result.pdf)
    except OSError as exc:
        typer.echo(f"无法写入 {output}：{exc.strerror} / cannot write {output}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{output}  报告编号 report number {result.number}")


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

    day = cli_day(as_of, "--as-of") if as_of else None
    on = cli_day(today, "--today")
    with session_scope(make_engine(get_settings().database_url)) as session:
        result = verify_report(session, number=number, today=on, subject_id=subject_id, as_of=day)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(f"{'✓' if result['valid'] else '✗'} {result['number']}: {result['message']}")
    raise typer.Exit(0 if result["valid"] else 1)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.command("report-verify")(verify_cmd)
