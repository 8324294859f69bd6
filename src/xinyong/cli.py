"""The `xinyong` command line (Typer + Rich).

Each domain contributes its commands through a `register(app)` function in its own cli.py; this
file only assembles them, so a newcomer finds `xinyong ingest` under src/xinyong/ingest/cli.py.
Every command is documented in docs/cli.md (a test checks).
"""

from __future__ import annotations

import importlib

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
    "xinyong.demo.cli",
    "xinyong.ledger.cli",
    "xinyong.archive.cli",
    "xinyong.accounts.cli",
    "xinyong.evaluation.cli",
    "xinyong.scorecard.cli",
]


@db_app.command("upgrade")
def db_upgrade(url: str = typer.Option(None, help="Database URL (default: XINYONG_DATABASE_URL)")) -> None:
    """Apply all migrations / 升级数据库结构."""
    from xinyong.store.migrate import upgrade

    upgrade(url or get_settings().database_url)
    typer.echo("database is up to date / 数据库已是最新结构")


@app.command("serve")
def serve(
    host: str = typer.Option(None, help="Interface to listen on (default XINYONG_HOST, 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (default XINYONG_PORT, 8000)"),
    workers: int = typer.Option(1, help="Worker processes"),
) -> None:
    """Serve the API and the console / 启动服务与控制台."""
    import uvicorn

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
