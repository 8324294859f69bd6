"""`xinyong commitment …`: templates, sign (paper or online), steps, listing, signing rates, expiry.

The CLI runs with the operator's rights (disclosure.OPERATOR). Exit 0 on success, 1 for an unknown
commitment, 2 for a refused operation or malformed input (the message says why in Chinese and
English). Writes commit, then publish the commitments' records through the ingest service.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import typer

from xinyong import clock
from xinyong.dates import cli_day

commitment_app = typer.Typer(help="Credit commitments / 信用承诺", no_args_is_help=True)


def _engine():  # noqa: ANN202
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine

    return make_engine(get_settings().database_url)


def _dump(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=1, default=str))


def _show(engine, commitment_id: str, as_of: dt.date, as_json: bool) -> None:  # noqa: ANN001
    from xinyong.commitments import service, views
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.store.db import session_scope

    with session_scope(engine) as s:
        try:
            row = service.get(s, commitment_id)
        except service.CommitmentNotFound as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        out = views.commitment_out(s, OPERATOR, row, as_of=as_of)
    if as_json:
        _dump(out.model_dump(mode="json"))
        return
    typer.echo(f"{out.id}  {out.name_zh}（{out.type_zh}）  {out.state_zh} {out.state}  (as of {as_of})")
    typer.echo(
        f"  {out.subject_id} {out.subject_name}  {out.signed_on} – {out.valid_until or '长期'}  [{out.channel}]"
    )
    for e in out.events:
        typer.echo(
            f"  {e.effective_on}  {e.event_zh} {e.event} → {e.state}  {e.actor}: {e.reason}  [leaf {e.leaf_index}]"
        )


@commitment_app.command("templates")
def templates_cmd(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """List commitment templates / 承诺书模板."""
    from xinyong.commitments.views import template_rows

    rows = template_rows()
    if as_json:
        _dump(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']:32} {r['type_zh']:14} {r['name_zh']}")


@commitment_app.command("sign")
def sign_cmd(
    template_id: str = typer.Argument(..., help="template id (xinyong commitment templates)"),
    subject_id: str = typer.Argument(..., help="subject id"),
    channel: str = typer.Option("paper", "--channel", help="paper (officer records a letter) | online"),
    actor: str = typer.Option("cli", "--actor", help="who signs or records"),
    key: str = typer.Option(None, "--key", help="idempotency key (default: subject+template+period)"),
    signed_on: str = typer.Option(
        None, "--signed-on", help="date on a paper letter, YYYY-MM-DD (default today)"
    ),
    paper_ref: str = typer.Option(None, "--paper-ref", help="paper letter number / scan reference"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Sign a commitment (idempotent) / 签署或录入信用承诺."""
    from xinyong.commitments import service
    from xinyong.commitments.publish import publish
    from xinyong.store.db import session_scope

    engine = _engine()
    day = cli_day(signed_on, "--signed-on") if signed_on else None
    with session_scope(engine) as s:
        try:
            cid = service.sign(
                s,
                template_id=template_id,
                subject_id=subject_id,
                actor=actor,
                channel=channel,
                idempotency_key=key,
                signed_on=day,
                paper_ref=paper_ref,
            ).id
        except service.CommitmentError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
    publish(engine, commitment_ids=[cid])
    _show(engine, cid, clock.today(), as_json)


@commitment_app.command("step")
def step_cmd(
    commitment_id: str = typer.Argument(..., help="commitment id"),
    event: str = typer.Argument(..., help="kept | breached | expired | withdrawn"),
    reason: str = typer.Option(..., "--reason", help="why (违诺情形, 核查结论, 撤回理由)"),
    effective: str = typer.Option(None, "--effective", help="YYYY-MM-DD (default today)"),
    actor: str = typer.Option("cli", "--actor", help="deciding officer or authority"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Record kept / breached / expired / withdrawn / 记录践诺、违诺、到期或撤回."""
    from xinyong.commitments import service
    from xinyong.commitments.publish import publish
    from xinyong.store.db import session_scope

    engine = _engine()
    day = cli_day(effective, "--effective")
    with session_scope(engine) as s:
        try:
            service.record_step(
                s, commitment_id=commitment_id, event=event, actor=actor, reason=reason, effective_on=day
            )
        except service.CommitmentNotFound as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        except service.CommitmentError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
    publish(engine, commitment_ids=[commitment_id])
    _show(engine, commitment_id, max(day, clock.today()), as_json)


@commitment_app.command("show")
def show_cmd(
    commitment_id: str = typer.Argument(..., help="commitment id"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """One commitment, its state as of a date and its steps / 查看承诺."""
    _show(_engine(), commitment_id, cli_day(as_of, "--as-of"), as_json)


@commitment_app.command("list")
def list_cmd(
    subject_id: str = typer.Option(None, "--subject", help="only this subject"),
    pilot: str = typer.Option(None, "--pilot", help="only this pilot id"),
    state: str = typer.Option(
        None, "--state", help="signed | in_force | kept | breached | expired | withdrawn"
    ),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    limit: int = typer.Option(200, "--limit", min=1, max=100000, help="at most this many"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """List commitments with their states as of a date / 承诺列表."""
    from xinyong.commitments import views
    from xinyong.commitments.models import STATES
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.store.db import session_scope

    if state is not None and state not in STATES:
        typer.echo(f"未知状态 {state} / unknown state {state!r}; one of {', '.join(STATES)}", err=True)
        raise typer.Exit(2)
    day = cli_day(as_of, "--as-of")
    with session_scope(_engine()) as s:
        rows = views.listing(
            s, OPERATOR, as_of=day, subject_id=subject_id, pilot=pilot, state=state, limit=limit
        )
    if as_json:
        _dump([r.model_dump(mode="json", exclude={"events", "text"}) for r in rows])
        return
    for r in rows:
        typer.echo(
            f"{r.id}  {r.signed_on}  {r.state_zh:4}  {r.template_id:28} {r.subject_id} {r.subject_name}"
        )


@commitment_app.command("rates")
def rates_cmd(
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    district: str = typer.Option(None, "--district", help="only this district code"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Signing rate per pilot against its programme target / 各试点承诺签订率."""
    from xinyong.commitments.rates import signing_rates
    from xinyong.store.db import session_scope

    day = cli_day(as_of, "--as-of")
    with session_scope(_engine()) as s:
        rows = signing_rates(s, as_of=day, district_code=district)
    if as_json:
        _dump([r.model_dump(mode="json") for r in rows])
        return
    for r in rows:
        met = {True: "达标", False: "未达标", None: "—"}[r.target_met]
        typer.echo(
            f"{r.district_name} {r.pilot_zh}: {r.signed_subjects}/{r.subjects} = {r.rate:.1%}, "
            f"{r.signed_count} 份  目标 {r.target_metric or '—'} {r.target_value if r.target_value is not None else ''} {met}"
        )


@commitment_app.command("expire")
def expire_cmd(
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Append `expired` to commitments whose term ended / 标记已到期承诺 (idempotent)."""
    from xinyong.commitments import service
    from xinyong.commitments.publish import publish
    from xinyong.store.db import session_scope

    engine = _engine()
    day = cli_day(as_of, "--as-of")
    with session_scope(engine) as s:
        ids = service.expire_due(s, as_of=day)
    if ids:
        publish(engine, commitment_ids=ids, as_of=day)
    if as_json:
        _dump({"as_of": day.isoformat(), "expired": ids})
        return
    typer.echo(f"{len(ids)} 份承诺已到期 / commitments expired as of {day}")


@commitment_app.command("publish")
def publish_cmd(
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """(Re)publish every commitment's records through the ingest service / 同步承诺记录 (idempotent)."""
    from xinyong.commitments.publish import PublishError, publish

    try:
        out = publish(_engine(), as_of=cli_day(as_of, "--as-of"))
    except PublishError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if as_json:
        _dump(out)
        return
    for kind, summary in out.items():
        typer.echo(f"{kind}: {summary}")


def register(app: typer.Typer) -> None:
    app.add_typer(commitment_app, name="commitment")
