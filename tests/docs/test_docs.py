"""Docs are tested: every CLI command, setting, API route, catalogue kind and credit model is documented."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
import typer

from xinyong.settings import REPO_ROOT, Settings

DOCS = REPO_ROOT / "docs"


def _commands(cmd: click.Command, prefix: str) -> list[str]:
    if isinstance(cmd, click.Group):
        out = [prefix] if prefix != "xinyong" and cmd.invoke_without_command else []
        for name, sub in cmd.commands.items():
            out += _commands(sub, f"{prefix} {name}")
        return out
    return [prefix]


def test_every_cli_command_is_documented():
    from xinyong.cli import app

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _commands(typer.main.get_command(app), "xinyong")
    missing = [c for c in commands if f"`{c}" not in text]
    assert commands and missing == [], f"undocumented commands in docs/cli.md: {missing}"


def test_every_setting_is_documented():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    names = [f"XINYONG_{f.name.upper()}" for f in dataclasses.fields(Settings)]
    missing = [n for n in names if n not in text]
    assert missing == [], f"undocumented settings in docs/settings.md: {missing}"


def test_every_api_route_is_documented(sqlite_url):
    from xinyong.app import create_app

    app = create_app(dataclasses.replace(Settings.from_env(), database_url=sqlite_url))
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    routes = [f"{m.upper()} {p}" for p, ops in app.openapi()["paths"].items() for m in ops]
    missing = [r for r in routes if f"`{r}`" not in text]
    assert routes and missing == [], f"undocumented routes in docs/api.md: {missing}"


def _yaml_ids(folder: Path) -> list[str]:
    import yaml

    ids = []
    for path in sorted(folder.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and "id" in data:
            ids.append(str(data["id"]))
    return ids


def test_every_credit_model_and_catalogue_kind_is_documented():
    for folder, doc in (("models", "models.md"), ("catalogue", "catalogue.md")):
        ids = _yaml_ids(REPO_ROOT / folder)
        if not ids:
            continue
        text = (DOCS / doc).read_text(encoding="utf-8")
        missing = [i for i in ids if f"`{i}`" not in text]
        assert missing == [], f"undocumented ids in docs/{doc}: {missing}"
