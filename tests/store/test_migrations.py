"""Migrations build the schema the models describe, on SQLite and PostgreSQL, and run back down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from xinyong.store.db import make_engine
from xinyong.store.migrate import downgrade
from xinyong.store.registry import load_all_models


def test_migrations_match_models(db_url):
    metadata = load_all_models().metadata
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def test_downgrade_removes_every_table(db_url):
    downgrade(db_url, "base")
    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set()
