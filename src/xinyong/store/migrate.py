"""Run Alembic migrations programmatically (`xinyong db upgrade`, test fixtures, demo build)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from xinyong.store.db import normalise_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at `url` to the newest schema (every domain branch)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
