"""The only place where notification code differs between SQLite and PostgreSQL.

- `insert_ignore`: INSERT … ON CONFLICT DO NOTHING (both dialects spell it the same way in
  SQLAlchemy, but through their own `insert`).
- `claim`: take up to `limit` due rows of a table for one worker, with a lease. PostgreSQL:
  SELECT … FOR UPDATE SKIP LOCKED then UPDATE, so concurrent workers skip each other's rows.
  SQLite: a single UPDATE … WHERE id IN (SELECT …) RETURNING id; SQLite runs one writer at a time, so
  the statement is atomic. Either way a row is claimable again only when its lease has run out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Connection, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_name(conn: Session | Connection) -> str:
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    return bind.dialect.name


def insert_ignore(conn: Session | Connection, table: Any, values: dict | list[dict]) -> int:  # noqa: ANN401
    """Insert, skipping rows that violate a unique constraint. Returns the number inserted."""
    ins = postgresql.insert(table) if dialect_name(conn) == "postgresql" else sqlite.insert(table)
    result = conn.execute(ins.values(values).on_conflict_do_nothing())
    return max(result.rowcount or 0, 0)


def claim(
    conn: Session | Connection,
    model: Any,  # noqa: ANN401 - a mapped class with id, claimed_by, lease_until
    due: ColumnElement[bool],
    *,
    worker: str,
    now: dt.datetime,
    lease: dt.timedelta,
    limit: int,
) -> list[int]:
    """Claim up to `limit` rows matching `due` whose lease is free (never claimed or expired)."""
    free = or_(model.lease_until.is_(None), model.lease_until < now)
    pick = select(model.id).where(due, free).order_by(model.id).limit(limit)
    values = {"claimed_by": worker, "lease_until": now + lease}
    if dialect_name(conn) == "postgresql":
        ids = list(conn.execute(pick.with_for_update(skip_locked=True)).scalars())
        if ids:
            conn.execute(update(model).where(model.id.in_(ids)).values(**values))
        return ids
    stmt = update(model).where(model.id.in_(pick.scalar_subquery())).values(**values).returning(model.id)
    return sorted(conn.execute(stmt).scalars())
