"""`xinyong alerts …`: watchlists, members, scans, alerts, suspension review, rule checks.

Exit codes: 0 success; 1 an unknown watchlist, subject or suspension; 2 malformed input or a refused
action (the message says why in Chinese and English)."""

from __future__ import annotations

import json

import typer

from xinyong.dates import cli_day

alerts_app = typer.Typer(help="Risk early warning / 信用风险预警", no_args_is_help=True)


def _engine():  # noqa: ANN202
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine

    return make_engine(get_settings().database_url)


def _fail(exc) -> None:  # noqa: ANN001
    typer.echo(f"错误 error: {exc.zh} / {exc.en}", err=True)
    raise typer.Exit(1 if getattr(exc, "status", 400) == 404 else 2) from exc


@alerts_app.command("watchlist")
def watchlist_cmd(
    watchlist_id: str = typer.Argument(..., help="id: lowercase letter first, then a-z 0-9 _ . -"),
    kind: str = typer.Option(..., "--kind", help="roster | whitelist | borrowers"),
    name_zh: str = typer.Option(..., "--name-zh"),
    name_en: str = typer.Option(..., "--name-en"),
    district: str = typer.Option(
        None, "--district", help="district code (none: city-wide, e.g. a bank's list)"
    ),
    pilot: str = typer.Option(None, "--pilot", help="programme pilot id whose roster joins the list"),
    owners: str = typer.Option("", "--owners", help="comma-separated usernames told about alerts"),
    push_days: int = typer.Option(0, "--push-days", help="定期查询推送 every N days (0: none)"),
) -> None:
    """Create a watchlist / 新建监测名单."""
    from sqlalchemy import select

    from xinyong.accounts.models import User
    from xinyong.alerts.service import AlertError, create_watchlist
    from xinyong.store.db import session_scope

    names = [n.strip() for n in owners.split(",") if n.strip()]
    try:
        with session_scope(_engine()) as s:
            ids = dict(s.execute(select(User.username, User.id).where(User.username.in_(names))).all())
            missing = [n for n in names if n not in ids]
            if missing:
                raise AlertError(
                    f"用户不存在：{', '.join(missing)}", f"unknown users: {', '.join(missing)}", status=404
                )
            create_watchlist(
                s,
                watchlist_id=watchlist_id,
                name_zh=name_zh,
                name_en=name_en,
                kind=kind,
                district_code=district,
                pilot=pilot,
                owner_user_ids=list(ids.values()),
                push_days=push_days,
                actor="cli",
            )
    except AlertError as exc:
        _fail(exc)
    typer.echo(f"{watchlist_id} 已创建 created")


@alerts_app.command("add")
def add_cmd(watchlist_id: str = typer.Argument(...), subject_ids: list[str] = typer.Argument(...)) -> None:
    """Add subjects to a watchlist / 加入监测名单 (unknown subjects are refused by id; nothing added)."""
    from xinyong.alerts.service import AlertError, add_members
    from xinyong.store.db import session_scope

    try:
        with session_scope(_engine()) as s:
            n = add_members(s, watchlist_id=watchlist_id, subject_ids=subject_ids, actor="cli")
    except AlertError as exc:
        _fail(exc)
    typer.echo(f"{n} 个主体已加入 added")


@alerts_app.command("scan")
def scan_cmd(
    watchlist_id: str = typer.Argument(None, help="one watchlist (default: all)"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
) -> None:
    """Scan watchlists / 扫描监测名单: the first scan sets the baseline, later ones alert on differences."""
    from sqlalchemy import select

    from xinyong.alerts.models import Watchlist
    from xinyong.alerts.service import AlertError, scan
    from xinyong.store.db import session_scope

    day = cli_day(as_of)
    out = {}
    try:
        with session_scope(_engine()) as s:
            ids = (
                [watchlist_id]
                if watchlist_id
                else list(s.scalars(select(Watchlist.id).order_by(Watchlist.id)))
            )
            for wl in ids:
                out[wl] = scan(s, watchlist_id=wl, as_of=day)
    except AlertError as exc:
        _fail(exc)
    typer.echo(json.dumps(out, ensure_ascii=False))


@alerts_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """List alerts with their findings / 预警列表 (newest first)."""
    from xinyong.alerts.service import list_alerts
    from xinyong.store.db import session_scope

    with session_scope(_engine()) as s:
        rows = [
            {
                "id": a.id,
                "day": a.day.isoformat(),
                "watchlist": a.watchlist_id,
                "subject_id": a.subject_id,
                "severity": a.severity,
                "findings": [
                    {"rule_id": f.rule_id, "severity": f.severity, "details": f.details} for f in fs
                ],
            }
            for a, fs in list_alerts(s)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        rules = ", ".join(f["rule_id"] for f in r["findings"])
        typer.echo(f"{r['id']}\t{r['day']}\t{r['watchlist']}\t{r['subject_id']}\t{r['severity']}\t{rules}")


@alerts_app.command("review")
def review_cmd(
    watchlist_id: str = typer.Argument(...),
    subject_id: str = typer.Argument(...),
    outcome: str = typer.Option(..., "--outcome", help="reinstated | removed"),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """Review a whitelist suspension / 复核白名单暂停: reinstate or remove."""
    from xinyong.alerts.service import AlertError, review
    from xinyong.store.db import session_scope

    try:
        with session_scope(_engine()) as s:
            review(
                s,
                watchlist_id=watchlist_id,
                subject_id=subject_id,
                outcome=outcome,
                reason=reason,
                actor="cli",
            )
    except AlertError as exc:
        _fail(exc)
    typer.echo(f"{subject_id} {outcome}")


@alerts_app.command("rules")
def rules_cmd() -> None:
    """Check and list the alert rules / 检查预警规则 (XINYONG_ALERTS_DIR/rules.yaml). Exit 2 when invalid."""
    from xinyong.alerts.rules import AlertRuleError, load_rules

    try:
        rules = load_rules()
    except AlertRuleError as exc:
        _fail(exc)
    for r in rules:
        typer.echo(f"{r.id}\t{r.on}\t{r.severity}\t{r.name_zh} / {r.name_en}")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
