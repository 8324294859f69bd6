"""`xinyong supervision check|tier`: validate a scheme file, show a subject's tiers.

Exit 0 success; 1 unknown subject; 2 a scheme that does not validate (file, field, reason in 中文 / English).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from xinyong.dates import cli_day

supervision_app = typer.Typer(help="Tiered supervision (分级分类监管) / 分级分类监管", no_args_is_help=True)


@supervision_app.command("check")
def check(path: Path = typer.Argument(..., help="a scheme YAML file")) -> None:
    """Validate a scheme file (fields, tiers, CEL rules) / 校验监管方案."""
    from xinyong.supervision.service import SchemeError, parse_scheme

    try:
        scheme = parse_scheme(path.read_text(encoding="utf-8"), path.name)
    except (SchemeError, OSError) as exc:
        typer.echo(f"错误 error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{scheme.id}: {len(scheme.tiers)} tiers OK / 方案有效")


@supervision_app.command("tier")
def tier(
    subject_id: str = typer.Argument(...),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """A subject's tier under every scheme of its district, with the reason / 主体的监管分级."""
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope
    from xinyong.subjects.models import Subject
    from xinyong.supervision.service import tiers_of_subject

    day = cli_day(as_of, "--as-of")
    with session_scope(make_engine(get_settings().database_url)) as s:
        subject = s.get(Subject, subject_id)
        if subject is None:
            typer.echo(f"信用主体不存在 / subject not found: {subject_id}", err=True)
            raise typer.Exit(1)
        decisions = [d.as_dict() for d in tiers_of_subject(s, subject=subject, as_of=day)]
    if as_json:
        typer.echo(json.dumps(decisions, ensure_ascii=False, indent=1))
        return
    for d in decisions:
        typer.echo(f"{d['scheme_id']}: {d['tier_name']} — {d['reason_zh']}")


def register(app: typer.Typer) -> None:
    app.add_typer(supervision_app, name="supervision")
