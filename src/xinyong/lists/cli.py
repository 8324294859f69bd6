"""`xinyong list …`: credit list definitions, sync, members, manual entry/exit, the review queue.

Runs with the operator's rights. Exit codes: 0 success; 1 unknown list, membership, candidate or
subject; 2 a refused operation or malformed input (the message says why in Chinese and English).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import typer

from xinyong.dates import cli_day

list_app = typer.Typer(
    help="Credit lists: red, serious dishonesty, focus, whitelists / 信用名单", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(list_app, name="list")


def _session():  # noqa: ANN202 - context manager
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope

    return session_scope(make_engine(get_settings().database_url))


def _fail(exc: Exception) -> typer.Exit:
    from xinyong.lists.service import ListNotFound

    typer.echo(f"错误 error: {exc}", err=True)
    return typer.Exit(1 if isinstance(exc, ListNotFound) else 2)


def _echo(data: Any, as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))
    else:
        for line in lines:
            typer.echo(line)


@list_app.command("defs")
def list_defs(as_json: bool = typer.Option(False, "--json", help="as JSON")) -> None:
    """List definitions: basis, authority, entry, term / 名单定义 (checks every file)."""
    from xinyong.lists.api import list_out
    from xinyong.lists.service import ListError, load_lists

    try:
        defs = load_lists()
    except ListError as exc:
        raise _fail(exc) from exc
    rows = [list_out(d).model_dump(mode="json") for d in defs.values()]
    _echo(
        rows,
        as_json,
        [
            f"{r['id']}  {r['category_zh']}  {r['name_zh']}  [{r['entry_mode']}/{r['entry_decision']}]  {r['authority']}"
            for r in rows
        ],
    )


@list_app.command("sync")
def list_sync(
    list_id: str = typer.Argument(None, help="one list (default: all, black lists first)"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    actor: str = typer.Option("cli", "--actor"),
    as_json: bool = typer.Option(False, "--json", help="as JSON"),
) -> None:
    """Re-check list criteria as of a date: enter/exit automatic lists, queue candidates / 名单同步."""
    from xinyong.lists.service import ListError, sync, sync_all

    day = cli_day(as_of, "--as-of")
    try:
        with _session() as s:
            results = (
                [sync(s, list_id=list_id, as_of=day, actor=actor)]
                if list_id
                else sync_all(s, as_of=day, actor=actor)
            )
            rows = [r.as_dict() for r in results]
    except ListError as exc:
        raise _fail(exc) from exc
    _echo(
        rows,
        as_json,
        [
            f"{r['list_id']}  as of {r['as_of']}: 列入 entered {r['entered']}, 移出 exited {r['exited']}, "
            f"到期 expired {r['expired']}, 待审 queued {r['candidates']}"
            for r in rows
        ],
    )


def _membership_rows(s: Any, pairs: list, as_of: dt.date) -> list[dict[str, Any]]:
    from xinyong.lists.api import membership_out

    return [membership_out(m, x, as_of).model_dump(mode="json") for m, x in pairs]


@list_app.command("members")
def list_members(
    list_id: str = typer.Argument(..., help="list id"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    history: bool = typer.Option(False, "--history", help="every membership ever, not only those in force"),
    as_json: bool = typer.Option(False, "--json", help="as JSON"),
) -> None:
    """Members of a list as of a date (or its whole history) / 名单成员."""
    from xinyong.lists import service

    day = cli_day(as_of, "--as-of")
    try:
        service.get_list(list_id)
    except service.ListError as exc:
        raise _fail(exc) from exc
    with _session() as s:
        pairs = service.history(s, list_id=list_id)
        rows = [r for r in _membership_rows(s, pairs, day) if history or r["status"] == "active"]
    _echo(
        rows,
        as_json,
        [
            f"#{r['id']}  {r['subject_id']}  {r['start_on']} → {r['end_on'] or '—'}  {r['status_zh']}  {r['via']}"
            for r in rows
        ],
    )


@list_app.command("subject")
def list_subject(
    subject_id: str = typer.Argument(..., help="subject id"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="as JSON"),
) -> None:
    """Every list membership of one subject, with history / 主体的名单记录."""
    from xinyong.lists import service

    day = cli_day(as_of, "--as-of")
    with _session() as s:
        rows = _membership_rows(s, service.history(s, subject_id=subject_id), day)
    _echo(
        rows,
        as_json,
        [
            f"#{r['id']}  {r['list_id']}  {r['start_on']} → {r['end_on'] or '—'}  {r['status_zh']}"
            for r in rows
        ],
    )


@list_app.command("enter")
def list_enter(
    list_id: str = typer.Argument(..., help="list id"),
    subject: str = typer.Option(..., "--subject", help="subject id"),
    basis: str = typer.Option(
        "", "--basis", help="legal basis: document, article, decision number (required)"
    ),
    reason: str = typer.Option("", "--reason", help="why (required)"),
    start: str = typer.Option(None, "--start", help="first day listed, YYYY-MM-DD (default today)"),
    listed_on: str = typer.Option(None, "--listed-on", help="listing decision date (default: the start)"),
    actor: str = typer.Option("cli", "--actor"),
) -> None:
    """Enter a subject by an officer's decision; refused without basis or reason / 人工列入."""
    from xinyong.lists import service

    start_day = cli_day(start, "--start")
    listed = cli_day(listed_on, "--listed-on") if listed_on else None
    try:
        with _session() as s:
            m = service.enter(
                s,
                list_id=list_id,
                subject_id=subject,
                actor=actor,
                basis=basis,
                reason=reason,
                start_on=start_day,
                listed_on=listed,
                via="manual",
            )
            typer.echo(
                f"已列入 entered: membership #{m.id}, {m.start_on} → {m.planned_end_on or '—'}, leaf {m.leaf_index}"
            )
    except service.ListError as exc:
        raise _fail(exc) from exc


@list_app.command("exit")
def list_exit(
    membership_id: int = typer.Argument(..., help="membership id"),
    reason: str = typer.Option("", "--reason", help="why (required)"),
    on: str = typer.Option(None, "--on", help="first day no longer listed, YYYY-MM-DD (default today)"),
    actor: str = typer.Option("cli", "--actor"),
) -> None:
    """End a membership by decision (early exit, error) / 移出名单."""
    from xinyong.lists import service

    day = cli_day(on, "--on")
    try:
        with _session() as s:
            x = service.exit_membership(
                s, membership_id=membership_id, exit_on=day, kind="decision", actor=actor, reason=reason
            )
            typer.echo(f"已移出 exited: membership #{membership_id} from {x.exit_on}, leaf {x.leaf_index}")
    except service.ListError as exc:
        raise _fail(exc) from exc


@list_app.command("review")
def list_review(
    list_id: str = typer.Argument(None, help="one list (default: all)"),
    status: str = typer.Option("pending", "--status", help="pending | accepted | rejected | lapsed"),
    as_json: bool = typer.Option(False, "--json", help="as JSON"),
) -> None:
    """The review queue: candidates waiting for an officer's decision / 待审核候选."""
    from xinyong.lists.api import candidate_out
    from xinyong.lists.service import candidates

    with _session() as s:
        rows = [
            candidate_out(c).model_dump(mode="json") for c in candidates(s, list_id=list_id, status=status)
        ]
    _echo(
        rows,
        as_json,
        [
            f"#{r['id']}  {r['list_id']}  {r['subject_id']}  found {r['found_on']}  {r['status']}"
            for r in rows
        ],
    )


@list_app.command("decide")
def list_decide(
    candidate_id: int = typer.Argument(..., help="candidate id (xinyong list review)"),
    accept: bool = typer.Option(None, "--accept/--reject", help="enter the subject, or close the candidate"),
    reason: str = typer.Option("", "--reason", help="why (required)"),
    start: str = typer.Option(None, "--start", help="first day listed when accepting (default today)"),
    actor: str = typer.Option("cli", "--actor"),
) -> None:
    """Accept or reject a candidate of the review queue / 审核候选."""
    from xinyong.lists import service

    if accept is None:
        typer.echo("错误 error: 须指定 --accept 或 --reject / give --accept or --reject", err=True)
        raise typer.Exit(2)
    day = cli_day(start, "--start") if start else None
    try:
        with _session() as s:
            c = service.decide(
                s,
                candidate_id=candidate_id,
                decision="accept" if accept else "reject",
                actor=actor,
                reason=reason,
                start_on=day,
            )
            typer.echo(
                f"#{c.id} {c.status}" + (f" → membership #{c.membership_id}" if c.membership_id else "")
            )
    except service.ListError as exc:
        raise _fail(exc) from exc
