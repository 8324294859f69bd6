"""`xinyong financing bank-add|need|whitelist|review|push|figures`: 信易贷 matching from the command line
(operator rights). Exit 0 on success, 1 for an unknown subject, bank, whitelist or need, 2 for malformed
input or a refused change."""

from __future__ import annotations

import json

import typer

from xinyong.dates import cli_day

fin_app = typer.Typer(help="信易贷 matching: needs, whitelists, banks / 信易贷", no_args_is_help=True)


def _session():  # noqa: ANN202
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope

    return session_scope(make_engine(get_settings().database_url))


def _fail(exc) -> None:  # noqa: ANN001
    typer.echo(f"{exc.field}: {exc.zh} / {exc.en}", err=True)
    raise typer.Exit(1 if exc.status == 404 else 2)


def _dump(obj: object) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=1))


@fin_app.command("bank-add")
def bank_add(
    bank_id: str = typer.Argument(...),
    name: str = typer.Option(..., "--name"),
    user: list[str] = typer.Option(None, "--user", help="bank login to bind (repeatable)"),
) -> None:
    """Register a named bank and bind bank logins / 登记银行."""
    from xinyong.financing import service as fin
    from xinyong.incentives.errors import IncentiveError

    with _session() as s:
        try:
            fin.register_bank(s, bank_id=bank_id, name=name, usernames=user or [])
        except IncentiveError as exc:
            _fail(exc)
    typer.echo(f"bank {bank_id} ok / 已登记")


@fin_app.command("need")
def need_cmd(
    subject_id: str = typer.Argument(...),
    amount: str = typer.Option(..., "--amount", help="yuan, at most 2 decimals (e.g. 1500000.50)"),
    term: int = typer.Option(..., "--term", help="months, 1..360"),
    purpose: str = typer.Option(..., "--purpose"),
    key: str = typer.Option(..., "--key", help="idempotency key"),
    collective: bool = typer.Option(False, "--collective", help="a village's collective need (信用村)"),
) -> None:
    """Declare a financing need / 登记融资需求."""
    from xinyong.financing import service as fin
    from xinyong.incentives.errors import IncentiveError

    with _session() as s:
        try:
            n = fin.declare_need(
                s,
                subject_id=subject_id,
                amount_fen=fin.parse_yuan(amount),
                term_months=term,
                purpose=purpose,
                actor="cli",
                idempotency_key=key,
                collective=collective,
            )
        except IncentiveError as exc:
            _fail(exc)
        _dump(fin.need_dict(n))


@fin_app.command("whitelist")
def whitelist_cmd(
    whitelist_id: str = typer.Argument(...),
    rule: str = typer.Option(..., "--rule", help="CEL over the incentives facts"),
    name: str = typer.Option(None, "--name"),
    district: str = typer.Option(None, "--district"),
    pilot: str = typer.Option(None, "--pilot"),
    village: str = typer.Option(None, "--village", help="信用村: the village whose members are candidates"),
    as_of: str = typer.Option(None, "--as-of"),
) -> None:
    """Build a whitelist from a rule; prints the proposed subjects / 生成白名单."""

    from xinyong.disclosure.policy import OPERATOR
    from xinyong.financing import service as fin
    from xinyong.incentives.errors import IncentiveError

    day = cli_day(as_of, "--as-of")
    with _session() as s:
        try:
            _, proposed = fin.create_whitelist(
                s,
                whitelist_id=whitelist_id,
                name=name or whitelist_id,
                rule=rule,
                as_of=day,
                actor=OPERATOR,
                district_code=district,
                pilot=pilot,
                parent_id=village,
            )
        except IncentiveError as exc:
            _fail(exc)
        _dump({"whitelist_id": whitelist_id, "proposed": proposed})


@fin_app.command("review")
def review_cmd(
    whitelist_id: str = typer.Argument(...),
    subject_id: str = typer.Argument(...),
    reject: bool = typer.Option(False, "--reject"),
    note: str = typer.Option("", "--note"),
) -> None:
    """Approve (default) or reject a subject on a whitelist / 人工审核."""
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.financing import service as fin
    from xinyong.incentives.errors import IncentiveError

    with _session() as s:
        try:
            d = fin.review(
                s,
                whitelist_id=whitelist_id,
                subject_id=subject_id,
                approve=not reject,
                actor=OPERATOR,
                note=note,
            )
        except IncentiveError as exc:
            _fail(exc)
    typer.echo(f"{subject_id}: {d}")


@fin_app.command("push")
def push_cmd(whitelist_id: str = typer.Argument(...), bank: str = typer.Option(..., "--bank")) -> None:
    """Push a whitelist's approved subjects to a bank / 推送银行."""
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.financing import service as fin
    from xinyong.incentives.errors import IncentiveError

    with _session() as s:
        try:
            pushed = fin.push(s, whitelist_id=whitelist_id, bank_id=bank, actor=OPERATOR)
        except IncentiveError as exc:
            _fail(exc)
        _dump({"pushed": pushed})


@fin_app.command("figures")
def figures_cmd(
    pilot: str = typer.Option(None, "--pilot"), district: str = typer.Option(None, "--district")
) -> None:
    """Pilot figures: needs, coverage, loans, granted fen, whitelist size / 信易贷统计."""
    from xinyong.financing import service as fin

    with _session() as s:
        _dump(fin.pilot_figures(s, district_code=district, pilot=pilot))


def register(app: typer.Typer) -> None:
    app.add_typer(fin_app, name="financing")
