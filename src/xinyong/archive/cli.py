"""`xinyong subject list|show`: the archive from the command line.

The CLI runs with the operator's rights on the database (the full view, disclosure.OPERATOR), so
officers and scripts get the same data as the console's full view. Reads are still written to the
access log (查询留痕) as user `cli`.
"""

from __future__ import annotations

import json

import typer

from xinyong.archive.service import SubjectNotFound, build_archive, list_subjects
from xinyong.dates import cli_day
from xinyong.disclosure.policy import OPERATOR

subject_app = typer.Typer(
    help="Subjects and their credit archives / 信用主体与信用档案", no_args_is_help=True
)


def _session():  # noqa: ANN202 - context manager
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope

    return session_scope(make_engine(get_settings().database_url))


@subject_app.command("list")
def subject_list(
    district: str = typer.Option(None, "--district", help="district code, e.g. 120101 (和平区)"),
    kind: str = typer.Option(None, "--kind", help="subject kind: enterprise, individual_business, person …"),
    pilot: str = typer.Option(None, "--pilot", help="pilot id, e.g. heping_hisense_plaza"),
    q: str = typer.Option(None, "--q", help="name fragment or USCC prefix"),
    limit: int = typer.Option(50, "--limit", min=1, max=100000),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """List subjects / 列出信用主体."""
    with _session() as session:
        page = list_subjects(
            session, viewer=OPERATOR, q=q, district=district, kind=kind, pilot=pilot, limit=limit
        )
    if as_json:
        typer.echo(page.model_dump_json(indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    from xinyong.console.labels import label

    # Ids and codes are never cut (an officer copies them into the next command); names wrap instead.
    table = Table(title=f"{page.total} subjects (showing {len(page.items)})")
    table.add_column("id", no_wrap=True, min_width=max((len(s.id) for s in page.items), default=2))
    table.add_column("名称 name", overflow="fold", ratio=2)
    table.add_column("类别 kind", overflow="fold")
    table.add_column("USCC", no_wrap=True)
    table.add_column("区 district", overflow="fold")
    table.add_column("试点 pilot", overflow="fold", ratio=1)
    for s in page.items:
        table.add_row(
            s.id,
            s.name,
            s.kind_zh,
            s.uscc or "",
            s.district_name or s.district_code or "",
            label(s.pilot, "pilot") or "",
        )
    Console().print(table)


@subject_app.command("show")
def subject_show(
    subject_id: str = typer.Argument(..., help="subject id"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    purpose: str = typer.Option(
        "命令行查询 / CLI read", "--purpose", help="查询事由, written to the access log"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a summary"),
) -> None:
    """Show a subject's full archive as of a date / 查看信用档案（完整视图）."""
    day = cli_day(as_of, "--as-of")
    from xinyong.accounts.deps import log_access

    with _session() as session:
        try:
            archive = build_archive(session, subject_id=subject_id, as_of=day, viewer=OPERATOR)
        except SubjectNotFound as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(1) from None
        log_access(session, OPERATOR, subject_id, purpose, "cli:subject-show")
    if as_json:
        typer.echo(archive.model_dump_json(indent=1))
        return
    s = archive.subject
    typer.echo(
        f"{s.name}  [{s.kind_zh}]  {s.uscc or s.id_number or s.local_code or ''}  {s.district_name or ''}"
    )
    typer.echo(
        f"as of {archive.as_of} · view {archive.view} · " + json.dumps(archive.counts, ensure_ascii=False)
    )
    for g in archive.groups:
        typer.echo(
            f"  {g.name_zh} {g.name_en} ({g.polarity}): "
            + ", ".join(f"{r.occurred_on} {r.status.value}" for r in g.records)
        )


def register(app: typer.Typer) -> None:
    app.add_typer(subject_app, name="subject")
