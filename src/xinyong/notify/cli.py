"""`xinyong worker` (the delivery and scheduling process) and `xinyong webhook …` (endpoints, dead
letters, redelivery), `xinyong notify contact` (a user's e-mail address).

Exit codes: 0 success; 1 an unknown endpoint / delivery / user; 2 malformed input or a refused
action (the message says why in Chinese and English)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging

import typer

webhook_app = typer.Typer(
    help="Webhook endpoints and dead letters / Webhook 端点与死信", no_args_is_help=True
)
notify_app = typer.Typer(help="Notification contacts / 通知联系方式", no_args_is_help=True)


def _engine():  # noqa: ANN202
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine

    return make_engine(get_settings().database_url)


def _fail(exc) -> None:  # noqa: ANN001
    typer.echo(f"错误 error: {exc.zh} / {exc.en}", err=True)
    raise typer.Exit(1 if getattr(exc, "status", 400) == 404 else 2) from exc


def worker_cmd(
    once: bool = typer.Option(False, "--once", help="one delivery pass, then exit"),
    daily: bool = typer.Option(
        False, "--daily", help="run the daily jobs (digest, reminders, scans) now, then exit"
    ),
    interval: float = typer.Option(
        None, "--interval", help="seconds between passes (default XINYONG_WORKER_INTERVAL)"
    ),
) -> None:
    """Deliver notifications / 通知投递进程: inbox, e-mail, webhooks; daily digest, reminders, scans.

    Run exactly one scheduler per deployment (APScheduler in this process only, never in the web
    workers); several `--once` deliverers may run side by side safely."""
    from xinyong.notify.worker import run_daily, run_once
    from xinyong.settings import get_settings

    settings = get_settings()
    engine = _engine()
    if once or daily:
        out = run_daily(engine) if daily else run_once(engine, settings=settings)
        typer.echo(json.dumps(out, ensure_ascii=False, default=str))
        return
    from apscheduler.schedulers.blocking import BlockingScheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    sched = BlockingScheduler(timezone=settings.timezone)
    every = interval or settings.worker_interval
    sched.add_job(
        lambda: run_once(engine, settings=settings),
        "interval",
        seconds=every,
        max_instances=1,
        coalesce=True,
        next_run_time=dt.datetime.now(dt.UTC),
    )
    sched.add_job(
        lambda: run_daily(engine), "cron", hour=settings.digest_hour, max_instances=1, coalesce=True
    )
    typer.echo(f"worker started / 通知进程已启动 (every {every}s; daily jobs at {settings.digest_hour}:00)")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        sched.start()


@webhook_app.command("add")
def webhook_add(
    url: str = typer.Argument(..., help="receiver URL (http/https)"),
    district: str = typer.Option(
        None, "--district", help="only this district's events (default: every event)"
    ),
    kinds: str = typer.Option("", "--kinds", help="comma-separated event-kind prefixes, e.g. alert.,repair."),
    timeout: float = typer.Option(
        None, "--timeout", help="seconds per attempt (default XINYONG_WEBHOOK_TIMEOUT)"
    ),
    secret: str = typer.Option(None, "--secret", help="signing secret whsec_… (default: generated)"),
) -> None:
    """Register a webhook endpoint / 新增 Webhook 端点 (prints its id and signing secret once)."""
    from xinyong.notify.service import NotifyError, add_endpoint
    from xinyong.settings import get_settings
    from xinyong.store.db import session_scope

    try:
        with session_scope(_engine()) as s:
            ep = add_endpoint(
                s,
                url=url,
                actor="cli",
                district_code=district,
                kinds=kinds.split(","),
                timeout_seconds=timeout or get_settings().webhook_timeout,
                secret=secret,
            )
            typer.echo(json.dumps({"id": ep.id, "url": ep.url, "secret": ep.secret}, ensure_ascii=False))
    except NotifyError as exc:
        _fail(exc)


@webhook_app.command("list")
def webhook_list() -> None:
    """List webhook endpoints / 列出 Webhook 端点 (secrets are not shown)."""
    from xinyong.notify.service import endpoints
    from xinyong.store.db import session_scope

    with session_scope(_engine()) as s:
        for ep in endpoints(s):
            state = "启用 enabled" if ep.enabled else f"停用 disabled ({ep.disabled_reason})"
            typer.echo(
                f"{ep.id}\t{ep.url}\t{ep.district_code or '*'}\t{','.join(ep.kinds) or '*'}\t{ep.timeout_seconds}s\t{state}"
            )


def _toggle(endpoint_id: int, enabled: bool) -> None:
    from xinyong.notify.service import NotifyError, set_enabled
    from xinyong.store.db import session_scope

    try:
        with session_scope(_engine()) as s:
            set_enabled(s, endpoint_id=endpoint_id, enabled=enabled)
    except NotifyError as exc:
        _fail(exc)
    typer.echo(f"{endpoint_id} {'启用 enabled' if enabled else '停用 disabled'}")


@webhook_app.command("enable")
def webhook_enable(endpoint_id: int = typer.Argument(...)) -> None:
    """Enable an endpoint / 启用端点 (e.g. after it answered HTTP 410)."""
    _toggle(endpoint_id, True)


@webhook_app.command("disable")
def webhook_disable(endpoint_id: int = typer.Argument(...)) -> None:
    """Disable an endpoint / 停用端点."""
    _toggle(endpoint_id, False)


@webhook_app.command("dead")
def webhook_dead(as_json: bool = typer.Option(False, "--json")) -> None:
    """List dead letters / 死信列表: deliveries that exhausted their retries or hit a disabled endpoint."""
    from xinyong.notify.service import dead_letters
    from xinyong.store.db import session_scope

    with session_scope(_engine()) as s:
        rows = [
            {
                "id": d.id,
                "event_id": d.event_id,
                "channel": d.channel,
                "target": d.target,
                "status": d.status,
                "attempts": d.attempts,
                "last_error": d.last_error,
            }
            for d in dead_letters(s)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        typer.echo(
            f"{r['id']}\tevent {r['event_id']}\t{r['channel']}:{r['target']}\t{r['status']}\t{r['attempts']}\t{r['last_error']}"
        )


@webhook_app.command("redeliver")
def webhook_redeliver(delivery_id: int = typer.Argument(...)) -> None:
    """Queue a dead delivery again / 重新投递 (same message id, fresh retry schedule)."""
    from xinyong.notify.service import NotifyError, redeliver
    from xinyong.store.db import session_scope

    try:
        with session_scope(_engine()) as s:
            redeliver(s, delivery_id=delivery_id)
    except NotifyError as exc:
        _fail(exc)
    typer.echo(f"{delivery_id} 已重新排队 queued again")


@notify_app.command("contact")
def notify_contact(
    username: str = typer.Argument(...),
    email: str = typer.Argument(...),
    no_digest: bool = typer.Option(False, "--no-digest", help="no daily digest for this user"),
) -> None:
    """Set a user's e-mail address / 设置通知邮箱 (e-mail channel and daily digest)."""
    from sqlalchemy import select

    from xinyong.accounts.models import User
    from xinyong.notify.service import NotifyError, set_contact
    from xinyong.store.db import session_scope

    try:
        with session_scope(_engine()) as s:
            uid = s.scalar(select(User.id).where(User.username == username))
            if uid is None:
                raise NotifyError("用户不存在", f"unknown user: {username}", status=404)
            set_contact(s, user_id=uid, email=email, digest=not no_digest)
    except NotifyError as exc:
        _fail(exc)
    typer.echo(f"{username} → {email}")


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_cmd)
    app.add_typer(webhook_app, name="webhook")
    app.add_typer(notify_app, name="notify")
