"""`xinyong books check|balance`: re-derive every balance from the postings; read one balance.

Exit 0 when the books are sound, 1 when `check` found a problem (unbalanced transaction, balance
below floor, checkpoint mismatch), 2 for an unknown account.
"""

from __future__ import annotations

import json

import typer

books_app = typer.Typer(help="Double-entry books (points, fen) / 账簿（积分、金额）", no_args_is_help=True)


def _session():  # noqa: ANN202 - context manager
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope

    return session_scope(make_engine(get_settings().database_url))


@books_app.command("check")
def books_check(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Re-derive every balance from the postings / 核对账簿."""
    from xinyong.books.service import check

    with _session() as s:
        result = check(s)
    if as_json:
        typer.echo(json.dumps(result))
    else:
        typer.echo(
            f"交易 transactions {result['transactions']}  不平衡 unbalanced {result['unbalanced']}  "
            f"低于下限 below floor {result['below_floor']}  "
            f"余额不符 mismatched balances {result['mismatched_balances']}"
        )
    if result["unbalanced"] or result["below_floor"] or result["mismatched_balances"]:
        raise typer.Exit(1)


@books_app.command("balance")
def books_balance(
    code: str = typer.Argument(..., help="account code, e.g. points:villager:<subject id>"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """One account's balance / 查询账户余额."""
    from xinyong.books.service import BooksError, balance

    try:
        with _session() as s:
            value = balance(s, code)
    except BooksError as exc:
        typer.echo(f"错误 error: {exc.zh} / {exc.en}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps({"account": code, "balance": value}) if as_json else f"{code}\t{value}")


def register(app: typer.Typer) -> None:
    app.add_typer(books_app, name="books")
