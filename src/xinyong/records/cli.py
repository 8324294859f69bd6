"""`xinyong record history RECORD_ID`: the versions of a record (更正历史).

Runs with the operator's rights on the database (like `xinyong subject show`); the read is written
to the access log (查询留痕) as user `cli`. Exit 1 (message in Chinese and English) for an unknown
record id.
"""

from __future__ import annotations

import json

import typer

from xinyong.records.service import RecordNotFound, record_history

record_app = typer.Typer(
    help="Credit records and their versions / 信用记录及其更正历史", no_args_is_help=True
)


def _json(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@record_app.command("history")
def history(
    record_id: str = typer.Argument(..., help="record id (64 hex characters)"),
    purpose: str = typer.Option(
        "命令行查询 / CLI read", "--purpose", help="查询事由, written to the access log"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a summary"),
) -> None:
    """List a record's versions, oldest first / 查看信用记录的更正历史."""
    from xinyong.accounts.deps import log_access
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.records.models import Record
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope

    with session_scope(make_engine(get_settings().database_url)) as session:
        try:
            versions = record_history(session, record_id)
        except RecordNotFound as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        log_access(
            session,
            OPERATOR,
            session.get(Record, record_id).subject_id,
            purpose,
            "cli:record-history",
            detail={"record_id": record_id},
        )
    if as_json:
        typer.echo(
            json.dumps(
                {"record_id": record_id, "versions": versions}, ensure_ascii=False, indent=1, default=_json
            )
        )
        return
    for v in versions:
        mark = " ← 当前 current" if v["current"] else ""
        typer.echo(
            f"v{v['version']}  {v['recorded_at']:%Y-%m-%d %H:%M}  batch {v['batch_id']}  "
            f"amount {v['amount']}  content {v['content_id'][:16]}…{mark}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(record_app, name="record")
