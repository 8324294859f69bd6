"""Shared fixtures: a migrated database on SQLite and on a real PostgreSQL server.

PostgreSQL, Chromium and Spark tests skip when the part is missing on a developer machine, and
fail instead when .ci/run has provisioned it (XINYONG_REQUIRE_PG / _BROWSER / _SPARK = 1).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from xinyong.store.db import make_engine
from xinyong.store.migrate import upgrade


def require_or_skip(part: str, reason: str) -> None:
    """Skip, or fail when CI said this part is provisioned."""
    if os.environ.get(f"XINYONG_REQUIRE_{part.upper()}") == "1":
        pytest.fail(f"{part} is required here (XINYONG_REQUIRE_{part.upper()}=1) but unavailable: {reason}")
    pytest.skip(f"{part} unavailable: {reason}")


@pytest.fixture(scope="session")
def pg_server():
    from xinyong.store.pgserver import start_server

    try:
        server = start_server()
    except Exception as exc:  # noqa: BLE001 - any failure to start means "unavailable"
        require_or_skip("pg", str(exc))
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> Iterator[str]:
    name = "t_" + uuid.uuid4().hex[:12]
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'xinyong.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request, tmp_path) -> str:
    """A migrated, empty database; tests using it run once per store."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'xinyong.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    upgrade(url)
    return url


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url) -> Iterator[Engine]:
    """SQLite only, for tests whose subject is not the store."""
    upgrade(sqlite_url)
    eng = make_engine(sqlite_url)
    yield eng
    eng.dispose()
