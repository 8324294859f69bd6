"""Engines and sessions.

SQLite is the embedded default (WAL mode so the console can read while an import writes);
PostgreSQL (psycopg 3) is the production store. The URL comes from XINYONG_DATABASE_URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from xinyong.settings import get_settings


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and route them to psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI connection
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default XINYONG_DATABASE_URL) with a bounded connection pool.

    Pool: XINYONG_DB_POOL_SIZE connections kept, XINYONG_DB_POOL_OVERFLOW more under load, and a
    checkout waits at most XINYONG_DB_POOL_TIMEOUT seconds before raising
    `sqlalchemy.exc.TimeoutError` — the web app answers that one request 503 (app.py) instead of
    letting a queue of waiting requests stall the server."""
    settings = get_settings()
    url = normalise_url(url or settings.database_url)
    parsed = make_url(url)
    pool = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_overflow,
        "pool_timeout": settings.db_pool_timeout,
    }
    if parsed.get_backend_name() == "sqlite":
        args = {"connect_args": {"check_same_thread": False}}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            args |= {"poolclass": QueuePool, **pool}
        engine = create_engine(url, **args)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    return make_engine(url)


def get_sessionmaker(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error (a batch is all or nothing)."""
    maker = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    session = maker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
