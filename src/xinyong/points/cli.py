"""`xinyong points ranking|hongqiao|archive|check`: a village's monthly ranking, 红桥's half-year ranking
(with `--grant`, record the subsidies), points events into the archive, a scheme file checked.

Exit 0 on success, 2 for malformed input or an unknown village (message in Chinese and English).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from xinyong.dates import cli_day

points_app = typer.Typer(help="Credit points (宝坻 villages, 红桥 firms) / 信用积分", no_args_is_help=True)


def _engine():  # noqa: ANN202
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine

    return make_engine(get_settings().database_url)


@points_app.command("ranking")
def ranking_cmd(
    village_id: str = typer.Argument(..., help="the village's subject id"),
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """A village's monthly public ranking (names masked) / 村积分月度排名."""
    from xinyong.points.models import PointsVillage
    from xinyong.points.service import monthly_ranking
    from xinyong.store.db import session_scope

    try:
        dt.date.fromisoformat(month + "-01")
    except ValueError:
        typer.echo("月份格式应为 YYYY-MM / month must be YYYY-MM", err=True)
        raise typer.Exit(2) from None
    with session_scope(_engine()) as s:
        if s.get(PointsVillage, village_id) is None:
            typer.echo(f"该村未实施积分制 / village not on the scheme: {village_id}", err=True)
            raise typer.Exit(2)
        rows = monthly_ranking(s, village_id=village_id, month=month)
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in rows], ensure_ascii=False))
        return
    for r in rows:
        typer.echo(f"{r.rank}\t{r.name}\t{r.points}")


@points_app.command("hongqiao")
def hongqiao_cmd(
    period: str = typer.Option(..., "--period", help="YYYY-H1 or YYYY-H2"),
    grant: bool = typer.Option(False, "--grant", help="record the subsidies of the top 20%"),
    on: str = typer.Option(None, "--on", help="grant date YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """红桥 half-year ranking and subsidies / 红桥守信企业半年排名."""
    from xinyong.books.service import BooksError
    from xinyong.points import enterprise
    from xinyong.store.db import session_scope

    try:
        with session_scope(_engine()) as s:
            day = cli_day(on, "--on")
            out = (
                enterprise.grant_subsidies(s, period=period, on=day)
                if grant
                else enterprise.ranking(s, period=period)
            )
    except (BooksError, ValueError) as exc:
        typer.echo(f"错误 error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        out = {**out, "ranked": [r.__dict__ for r in out["ranked"]]}
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    for r in out["ranked"]:
        typer.echo(
            f"{r.rank}\t{r.name}\t{r.grade or '-'}\t{r.total}{'  补贴 subsidised' if r.subsidised else ''}"
        )
    typer.echo(f"排除黑名单 excluded {len(out['excluded'])}; 前 20% top {out['top_n']}")


@points_app.command("archive")
def archive_cmd() -> None:
    """Put points events into the subjects' archives (points_event records) / 积分事件归档."""
    from xinyong.points.service import sync_archive

    typer.echo(f"accepted {sync_archive(_engine())}")


@points_app.command("check")
def check_cmd(path: Path = typer.Argument(..., help="a scheme YAML file")) -> None:
    """Validate a points scheme file (fields, ids, `extends`) / 校验积分方案. Exit 2 naming the field."""
    from xinyong.points.service import PointsError, check_scheme_file

    try:
        scheme = check_scheme_file(path)
    except PointsError as exc:
        typer.echo(f"错误 error: {exc.zh} / {exc.en}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{scheme['id']}: {len(scheme['items'])} items, {len(scheme['catalogue'])} goods, "
        f"{len(scheme['benefits'])} benefits OK / 方案有效"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(points_app, name="points")
