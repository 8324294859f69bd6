"""`xinyong user …`: create and manage logins from the command line (the operator's own rights)."""

from __future__ import annotations

import json
import sys

import typer

from xinyong.accounts import service
from xinyong.accounts.service import AccountError

user_app = typer.Typer(help="Users, roles and API keys / 用户、角色与 API 密钥", no_args_is_help=True)


def _engine():  # noqa: ANN202 - Engine
    from xinyong.settings import get_settings
    from xinyong.store.db import get_engine

    return get_engine(get_settings().database_url)


def _fail(exc: AccountError) -> typer.Exit:
    typer.echo(f"错误 error: {exc}", err=True)
    return typer.Exit(2 if exc.status in (404, 409, 422) else 1)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("密码 Password", hide_input=True, confirmation_prompt=True)


@user_app.command("add")
def add(
    username: str = typer.Option(..., "--username", "-u", help="login name (3-64 of A-Z a-z 0-9 _ . -)"),
    role: str = typer.Option(
        ..., "--role", "-r", help="city_admin | district_officer | department | bank | subject"
    ),
    district: str = typer.Option(None, "--district", help="district code (district_officer), e.g. 120101"),
    kinds: str = typer.Option(
        None, "--kinds", help="record kinds, comma-separated (department), e.g. penalty,licence"
    ),
    subject: str = typer.Option(None, "--subject", help="subject id (subject account)"),
    sources: str = typer.Option(
        None,
        "--sources",
        help="data sources it may push under, comma-separated (department), e.g. 市场监管委",
    ),
    display_name: str = typer.Option(None, "--name", help="display name, e.g. 和平区诚信办"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from stdin"),
    no_password: bool = typer.Option(False, "--no-password", help="machine account: API keys only"),
) -> None:
    """Create a user / 新建用户. Prompts for the password unless --password-stdin or --no-password."""
    from xinyong.store.db import session_scope

    password = None if no_password else _read_password(password_stdin)
    try:
        with session_scope(_engine()) as session:
            user = service.create_user(
                session,
                username=username,
                role=role,
                password=password,
                display_name=display_name,
                district_code=district,
                kinds=(kinds or "").split(","),
                subject_id=subject,
                sources=(sources or "").replace("，", ",").split(","),
            )
            typer.echo(f"已创建 created: {user.username} ({user.role}) id={user.id}")
    except AccountError as exc:
        raise _fail(exc) from exc


@user_app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table"),
    role: str = typer.Option(None, "--role", help="only this role"),
) -> None:
    """List users / 用户列表."""
    from xinyong.store.db import session_scope

    with session_scope(_engine()) as session:
        rows = [
            {
                "id": u.id,
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role,
                "district_code": u.district_code,
                "kinds": list(u.kinds or []),
                "sources": list(u.sources or []),
                "subject_id": u.subject_id,
                "is_active": u.is_active,
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in service.list_users(session, role=role)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "username", "name", "role", "scope", "active", "last login")
    for r in rows:
        scope = r["district_code"] or ",".join(r["kinds"]) or r["subject_id"] or ""
        table.add_row(
            str(r["id"]),
            r["username"],
            r["display_name"],
            r["role"],
            scope,
            "yes" if r["is_active"] else "no",
            r["last_login_at"] or "",
        )
    Console().print(table)


@user_app.command("passwd")
def passwd(
    username: str = typer.Argument(..., help="the user"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from stdin"),
) -> None:
    """Set a user's password / 设置密码 (ends the user's sessions)."""
    from xinyong.store.db import session_scope

    password = _read_password(password_stdin)
    try:
        with session_scope(_engine()) as session:
            service.set_password(
                session, user=service.get_user(session, username=username), password=password
            )
    except AccountError as exc:
        raise _fail(exc) from exc
    typer.echo(f"已更新 updated: {username}")


@user_app.command("sources")
def sources_(
    username: str = typer.Argument(..., help="the department user"),
    set_: str = typer.Option(..., "--set", help="the complete list of data sources, comma-separated"),
) -> None:
    """Register the data sources a department may push under / 登记数据来源 (replaces the list)."""
    from xinyong.store.db import session_scope

    try:
        with session_scope(_engine()) as session:
            user = service.get_user(session, username=username)
            service.set_sources(session, user=user, sources=set_.replace("，", ",").split(","))
            shown = ", ".join(user.sources) or "（无 none）"
    except AccountError as exc:
        raise _fail(exc) from exc
    typer.echo(f"已登记 registered: {username} → {shown}")


@user_app.command("disable")
def disable(username: str = typer.Argument(..., help="the user")) -> None:
    """Disable a user / 停用账户 (ends its sessions; its API keys stop working)."""
    _set_active(username, False)


@user_app.command("enable")
def enable(username: str = typer.Argument(..., help="the user")) -> None:
    """Re-enable a user / 启用账户."""
    _set_active(username, True)


def _set_active(username: str, active: bool) -> None:
    from xinyong.store.db import session_scope

    try:
        with session_scope(_engine()) as session:
            service.set_active(session, user=service.get_user(session, username=username), active=active)
    except AccountError as exc:
        raise _fail(exc) from exc
    typer.echo(f"{'已启用 enabled' if active else '已停用 disabled'}: {username}")


@user_app.command("apikey")
def apikey(
    username: str = typer.Argument(..., help="the user the key acts as"),
    name: str = typer.Option(None, "--name", help="issue a key with this name (printed once)"),
    list_keys: bool = typer.Option(False, "--list", help="list the user's keys"),
    revoke: int = typer.Option(None, "--revoke", help="revoke the key with this id"),
) -> None:
    """Issue, list or revoke API keys / 签发、查看、吊销 API 密钥."""
    from xinyong.store.db import session_scope

    if sum([bool(name), list_keys, revoke is not None]) != 1:
        typer.echo(
            "请指定 --name、--list 或 --revoke 之一 / give exactly one of --name, --list, --revoke", err=True
        )
        raise typer.Exit(2)
    try:
        with session_scope(_engine()) as session:
            user = service.get_user(session, username=username)
            if name:
                key, row = service.issue_api_key(session, user=user, name=name)
                typer.echo(key)
                typer.echo(
                    f"id={row.id} — 此密钥只显示一次 / shown once; use: Authorization: Bearer <key>", err=True
                )
            elif list_keys:
                for k in service.list_api_keys(session, user=user):
                    state = "revoked" if k.revoked_at else "active"
                    used = k.last_used_at.isoformat() if k.last_used_at else "never"
                    typer.echo(f"{k.id}\t{k.prefix}…\t{k.name}\t{state}\tlast used {used}")
            else:
                row = service.revoke_api_key(session, key_id=revoke)
                if row.user_id != user.id:
                    raise AccountError(
                        "key", f"密钥 {revoke} 不属于 {username}", f"key {revoke} is not {username}'s", 404
                    )
                typer.echo(f"已吊销 revoked: {revoke}")
    except AccountError as exc:
        raise _fail(exc) from exc


@user_app.command("demo")
def demo(
    subject: str = typer.Option(None, "--subject", help="bind the demo subject account to this subject"),
) -> None:
    """Create the demo logins (docs/accounts.md) / 创建演示账户. Existing usernames are kept."""
    created = service.seed_demo_users(_engine(), subject_id=subject)
    typer.echo(f"已创建 created: {', '.join(created) or '—'} (password {service.DEMO_PASSWORD})")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
