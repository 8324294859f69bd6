"""`xinyong medical overdue|statement`: run the overdue steps as of a date; print a statement.

Exit 0 on success, 2 for malformed input or an unknown patient (message in Chinese and English).
"""

from __future__ import annotations

import json

import typer

from xinyong.books import service as books
from xinyong.dates import cli_day

medical_app = typer.Typer(help="Credit medical payment (东丽 信用就医) / 信用就医", no_args_is_help=True)


def _engine():  # noqa: ANN202
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine

    return make_engine(get_settings().database_url)


@medical_app.command("overdue")
def overdue(
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today, Beijing)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Remind, suspend and report overdue statements as of a date / 逾期处理."""
    from xinyong.medical.service import process_overdue

    counts = process_overdue(_engine(), as_of=cli_day(as_of))
    typer.echo(json.dumps(counts) if as_json else "  ".join(f"{k} {v}" for k, v in counts.items()))


@medical_app.command("statement")
def statement_cmd(
    subject_id: str = typer.Argument(..., help="the patient's subject id"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """A patient's monthly statements / 月度账单."""
    from xinyong.books.service import BooksError
    from xinyong.medical.api import patient_view
    from xinyong.store.db import session_scope

    try:
        with session_scope(_engine()) as s:
            out = patient_view(s, subject_id, cli_day(as_of))
    except BooksError as exc:
        typer.echo(f"错误 error: {exc.zh} / {exc.en}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(out.model_dump_json(indent=1))
        return
    typer.echo(
        f"{subject_id}  额度 line {books.yuan_text(out.line_fen)} 元  可用 available {books.yuan_text(out.available_fen)} 元"
    )
    for st in out.statements:
        typer.echo(
            f"  {st.month}  应还 {books.yuan_text(st.charged_fen)}  已还 {books.yuan_text(st.paid_fen)}  "
            f"未还 {books.yuan_text(st.outstanding_fen)}  到期 {st.due_on}  {st.status}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(medical_app, name="medical")
