"""One Jinja2 environment for every domain's pages.

Each domain keeps its templates beside its code in `src/xinyong/<domain>/templates/`; the loader
searches them all, so `{% extends "base.html" %}` works everywhere. Autoescaping is on: any text
from a file or a user (HTML, `=HYPERLINK(...)`) is rendered as text.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from xinyong import clock
from xinyong.books import service as books

PACKAGE = Path(__file__).resolve().parents[1]


def _template_dirs() -> list[str]:
    return [str(p) for p in sorted(PACKAGE.glob("*/templates")) if p.is_dir()]


env = Environment(loader=FileSystemLoader(_template_dirs()), autoescape=select_autoescape(default=True))
# Instants are stored in UTC; people read Beijing time (XINYONG_TIMEZONE): {{ row.at | local_time }}.
env.filters["local_time"] = clock.local_text
# Money is integer fen; people read 元 with two decimals: {{ need.amount_fen | yuan }} → 1500000.05.
env.filters["yuan"] = books.yuan_text
templates = Jinja2Templates(env=env)


def render(request: Request, name: str, **context) -> object:
    return templates.TemplateResponse(request, name, context)


def _register_filters() -> None:
    from xinyong.console.labels import date_notes, field_value, grade_text, label
    from xinyong.console.nav import nav_links

    env.filters["label"] = label
    env.globals["field_value"] = field_value
    env.globals["date_notes"] = date_notes
    env.filters["grade_text"] = grade_text
    env.globals["nav_links"] = nav_links
    env.globals["viewer_role"] = viewer_role


def viewer_role(request: Request) -> str:
    """Jinja global: the current viewer's role (to show an action only to those it admits)."""
    from xinyong.accounts.deps import get_auth

    return get_auth(request).viewer.role


_register_filters()
