"""`xinyong check-id`: validate USCCs and citizen IDs."""

from __future__ import annotations

import typer

from xinyong.subjects.identifiers import check_any


def check_id(codes: list[str] = typer.Argument(..., help="USCCs or citizen ID numbers")) -> None:
    """Validate identifiers / 校验统一社会信用代码与身份证号. Exit 0 when all are valid, 1 otherwise."""
    all_valid = True
    for raw in codes:
        result = check_any(raw)
        if result.valid:
            typer.echo(f"{raw}\tvalid\t{result.kind}\t{result.value}")
        else:
            all_valid = False
            typer.echo(f"{raw}\tinvalid: {result.reason()}")
    raise typer.Exit(0 if all_valid else 1)


def register(app: typer.Typer) -> None:
    app.command("check-id")(check_id)
