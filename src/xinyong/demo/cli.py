"""`xinyong demo` (build if needed, then serve) and `xinyong demo build`."""

from __future__ import annotations

import os

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from xinyong.accounts.service import DEMO_PASSWORD
from xinyong.settings import get_settings

demo_app = typer.Typer(
    help="Demo database for the sixteen pilots / 十六区试点演示数据", invoke_without_command=True
)
console = Console(stderr=True)


def _build(url: str, seed: int, subjects: int, scale: float, chunk: int, evaluate: bool = True) -> None:
    from xinyong.demo.generator import DemoConfig
    from xinyong.demo.service import build_demo

    config = DemoConfig(seed=seed, subjects=subjects, scale=scale)
    with Progress(
        TextColumn("[bold]演示数据 demo[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("主体 subjects"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("build", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = build_demo(url=url, config=config, chunk=chunk, progress=progress, evaluate=evaluate)
    console.print(
        f"信用主体 subjects {report.subjects:,} · 信用信息 records {report.records:,} · "
        f"批次 batches {report.batches:,} · 拒收 rejected {report.rejected:,} · "
        f"{report.seconds:.1f}s → {url}"
    )
    if report.evaluations:
        graded = ", ".join(f"{m} {n:,}" for m, n in sorted(report.evaluations.items()))
        console.print(f"信用评价 graded (as of {config.end}): {graded}")
    if report.accounts:
        console.print(
            f"演示账户 demo logins: {', '.join(report.accounts)} · 密码 password {DEMO_PASSWORD} "
            "(docs/accounts.md)",
            highlight=False,
        )
    if report.rejected:
        console.print("[red]部分演示记录被拒收，见 xinyong quarantine list / some demo rows were rejected[/]")


@demo_app.callback()
def demo(
    ctx: typer.Context,
    host: str = typer.Option(None, help="Interface to listen on (default XINYONG_HOST, 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (default XINYONG_PORT, 8000)"),
    url: str = typer.Option(None, help="Database URL (default XINYONG_DATABASE_URL)"),
    seed: int = typer.Option(2023, help="Random seed of the generator"),
    scale: float = typer.Option(1.0, help="Shrink every pilot roster by this factor when building"),
) -> None:
    """Build the demo database when it is missing or empty, then serve / 构建演示库（如需）并启动服务."""
    if ctx.invoked_subcommand is not None:
        return
    from xinyong.cli import serve
    from xinyong.demo.service import subject_count

    url = url or get_settings().database_url
    if subject_count(url) == 0:
        _build(url, seed, 0, scale, 20_000)
    else:
        from xinyong.store.migrate import upgrade

        upgrade(url)  # an older demo file gets the tables added since it was built
        console.print(f"使用已有演示库 / using the existing demo database at {url}")
    os.environ["XINYONG_DATABASE_URL"] = url  # the served app reads its settings from the environment
    console.print(welcome(host or get_settings().host, port or get_settings().port), highlight=False)
    serve(host=host, port=port, workers=1)


# Logins the demo steps create (docs/accounts.md): 东丽 resident and hospital, 宝坻 committee and villager.
PILOT_LOGINS = ("resident", "dongli_hospital", "cunwei", "cunmin")


def welcome(host: str, port: int) -> str:
    """What `make demo` prints before serving: the address, the demo logins and their password."""
    from xinyong.accounts.service import demo_users

    names = ", ".join(u["username"] for u in demo_users("merchant"))  # with the subject account
    return (
        f"\n控制台 Console: http://{host}:{port}/\n"
        f"演示账户 Demo logins: {names}\n"
        f"试点账户 Pilot logins: {', '.join(PILOT_LOGINS)}（docs/accounts.md）\n"
        f"密码 Password: {DEMO_PASSWORD}（仅供演示 / demo only）\n"
    )


@demo_app.command("build")
def build(
    url: str = typer.Option(None, help="Database URL (default XINYONG_DATABASE_URL)"),
    seed: int = typer.Option(2023, help="Random seed: the same seed gives the same data"),
    subjects: int = typer.Option(
        0, help="Total subjects; beyond the pilots, generic subjects are added (benchmarks)"
    ),
    scale: float = typer.Option(1.0, help="Shrink (or grow) every pilot roster by this factor"),
    chunk: int = typer.Option(20_000, help="Subjects generated and written per step"),
    evaluate: bool = typer.Option(
        True,
        "--evaluate/--no-evaluate",
        help="Grade the result with every shipped model (skip for benchmark-size builds)",
    ),
) -> None:
    """Build the demo database from scratch / 重新构建演示数据库 (SQLite: the file is recreated)."""
    _build(url or get_settings().database_url, seed, subjects, scale, chunk, evaluate)


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")
