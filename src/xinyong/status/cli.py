"""`xinyong status set|show`: record a status decision about a record, and read its status.

The CLI runs with the operator's rights (disclosure.OPERATOR). Exit 0 on success, 1 for an unknown
record, 2 for a refused change or malformed input (the message says why in Chinese and English).
"""

from __future__ import annotations

import datetime as dt
import json

import typer

from xinyong.dates import cli_day
from xinyong.status.models import EVENTS, STATUSES

status_app = typer.Typer(
    help="Record status: repair, objection, revocation, erasure / 记录状态", no_args_is_help=True
)


def _session():  # noqa: ANN202 - context manager
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope

    return session_scope(make_engine(get_settings().database_url))


def _print(record_id: str, as_of: dt.date, status: str, events: list, as_json: bool) -> None:
    if as_json:
        from xinyong.status.api import event_out

        typer.echo(
            json.dumps(
                {
                    "record_id": record_id,
                    "as_of": as_of.isoformat(),
                    "status": status,
                    "status_zh": STATUSES[status][0],
                    "events": [event_out(e).model_dump(mode="json") for e in events],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    typer.echo(f"{record_id}  {STATUSES[status][0]} {status}  (as of {as_of})")
    for e in events:
        typer.echo(
            f"  {e.effective_on}  {EVENTS[e.event][0]} {e.event} → {e.status}  {e.actor}: {e.reason}"
            f"  [leaf {e.leaf_index}]"
        )


@status_app.command("set")
def status_set(
    record_id: str = typer.Argument(..., help="record id"),
    event: str = typer.Option(
        ...,
        "--set",
        help="repaired | objection_opened | objection_upheld | objection_rejected | revoked | erased",
    ),
    reason: str = typer.Option(..., "--reason", help="why: grounds, decision number (理由、文号)"),
    effective: str = typer.Option(
        None, "--effective", help="first day it applies, YYYY-MM-DD (default today)"
    ),
    actor: str = typer.Option("cli", "--actor", help="deciding authority or officer"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Record a status decision about a record / 记录信用修复、异议、撤销或删除."""
    from xinyong.status import service

    day = cli_day(effective, "--effective")
    with _session() as session:
        try:
            service.change_status(
                session, record_id=record_id, event=event, actor=actor, reason=reason, effective_on=day
            )
        except service.RecordNotFound as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        except service.StatusError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        status = service.status_of(session, record_id=record_id, as_of=day)
        _print(record_id, day, status, service.history(session, record_id=record_id), as_json)


@status_app.command("show")
def status_show(
    record_id: str = typer.Argument(..., help="record id"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """A record's status as of a date and its history / 查看记录状态与变更历史."""
    from xinyong.status import service

    day = cli_day(as_of, "--as-of")
    with _session() as session:
        try:
            status = service.status_of(session, record_id=record_id, as_of=day)
        except service.RecordNotFound as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        _print(record_id, day, status, service.history(session, record_id=record_id), as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(status_app, name="status")
