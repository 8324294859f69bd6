"""The `xinyong` command line (Typer + Rich).

Each domain contributes its commands through a `register(app)` function in its own cli.py; this
file only assembles them, so a newcomer finds `xinyong ingest` under src/xinyong/ingest/cli.py.
Every command is documented in docs/cli.md (a test checks).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import typer

from xinyong.settings import get_settings

app = typer.Typer(
    name="xinyong",
    help="xinyong (信用) public-credit platform / 公共信用平台",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

db_app = typer.Typer(help="Database schema / 数据库结构", no_args_is_help=True)
app.add_typer(db_app, name="db")

# Domains that add commands. Order is the order in `xinyong --help`.
COMMAND_MODULES = [
    "xinyong.subjects.cli",
    "xinyong.ingest.cli",
    "xinyong.records.cli",
    "xinyong.demo.cli",
    "xinyong.ledger.cli",
    "xinyong.archive.cli",
    "xinyong.reports.cli",
    "xinyong.accounts.cli",
    "xinyong.evaluation.cli",
    "xinyong.status.cli",
    "xinyong.scorecard.cli",
    "xinyong.commitments.cli",
    "xinyong.notify.cli",
    "xinyong.alerts.cli",
    "xinyong.rules.cli",
    "xinyong.lists.cli",
    "xinyong.repair.cli",
    "xinyong.supervision.cli",
    "xinyong.draws.cli",
    "xinyong.incentives.cli",
    "xinyong.books.cli",
    "xinyong.medical.cli",
    "xinyong.points.cli",
    "xinyong.financing.cli",
]


@db_app.command("upgrade")
def db_upgrade(url: str = typer.Option(None, help="Database URL (default: XINYONG_DATABASE_URL)")) -> None:
    """Apply all migrations / 升级数据库结构."""
    from xinyong.store.migrate import upgrade

    upgrade(url or get_settings().database_url)
    typer.echo("database is up to date / 数据库已是最新结构")


@app.command("backup")
def backup_cmd(
    directory: Path = typer.Argument(..., help="new, empty directory for the backup"),
    url: str = typer.Option(None, "--url", help="Database URL (default: XINYONG_DATABASE_URL)"),
) -> None:
    """Back up the store / 备份数据库 (SQLite online backup; pg_dump for PostgreSQL) with the ledger key."""
    from xinyong.store.backup import BackupError, backup

    settings = get_settings()
    try:
        manifest = backup(url or settings.database_url, directory, data_dir=settings.data_dir)
    except BackupError as exc:
        typer.echo(f"错误 error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"已备份 backed up: {directory / manifest['file']} ({manifest['bytes']} bytes)")


@app.command("restore")
def restore_cmd(
    directory: Path = typer.Argument(..., help="a directory written by `xinyong backup`"),
    url: str = typer.Option(
        None, "--url", help="Database URL of a new, empty store (default: XINYONG_DATABASE_URL)"
    ),
) -> None:
    """Restore a backup into a new store / 从备份恢复 (then run `xinyong ledger verify`)."""
    from xinyong.store.backup import BackupError, restore

    settings = get_settings()
    try:
        manifest = restore(url or settings.database_url, directory, data_dir=settings.data_dir)
    except BackupError as exc:
        typer.echo(f"错误 error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"已恢复 restored: {manifest['file']} ({manifest['created_at']})")


@app.command("serve")
def serve(
    host: str = typer.Option(None, help="Interface to listen on (default XINYONG_HOST, 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (default XINYONG_PORT, 8000)"),
    workers: int = typer.Option(1, help="Worker processes"),
) -> None:
    """Serve the API and the console / 启动服务与控制台."""
    import uvicorn

    # The app (built by the factory, possibly in worker processes) reads its settings from the
    # environment: put the address it really listens on there, so QR codes and reports point at it.
    if host:
        os.environ["XINYONG_HOST"] = host
    if port:
        os.environ["XINYONG_PORT"] = str(port)
    settings = get_settings()
    uvicorn.run(
        "xinyong.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="info",
    )


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_all()

if __name__ == "__main__":
    app()
