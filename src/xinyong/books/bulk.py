"""Set-based SQL for `service.post_many`: one statement (or one executemany / COPY) per step and batch.

Why plain driver SQL here: a batch of 5,000 requests touches ~10,000 rows; SQLAlchemy's per-row
parameter processing and `IN (…)` expansion cost more than the database work (profile in
bench/RESULTS.md, section "Books"). Every function takes the session's own connection, so the
caller's transaction, locks and rollback are unchanged. Store differences:

- lookups: PostgreSQL `= ANY(array)`; SQLite `IN (?, …)` in chunks of 500 parameters;
- locks: PostgreSQL `SELECT … ORDER BY account_id FOR UPDATE` (rows locked in account-id order, so
  two batches never deadlock); SQLite takes the database write lock with a no-op UPDATE first
  (pysqlite runs plain SELECTs outside the transaction, so a read alone would not see a writer);
- transaction ids: allocated before the insert (PostgreSQL `nextval` of the id sequence; SQLite
  `max(id) + k` under the write lock), so postings need no read-back of the new ids;
- postings: PostgreSQL `COPY … FROM STDIN`; SQLite executemany. COPY fires no UPDATE/DELETE trigger
  and none is needed: it only appends (triggers of migration `books_0001` stay in force);
- balances: PostgreSQL one `UPDATE … FROM unnest(…)`; SQLite executemany by primary key.
Errors are raised as SQLAlchemy exceptions (`IntegrityError` on a duplicate idempotency key), so
`service.run` retries a lost race exactly as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from xinyong.books.models import BookTransaction

SQLITE_BATCH_CACHE_KIB = -131_072  # negative: KiB, i.e. 128 MiB of page cache while a large batch writes
LARGE_BATCH = 1_000  # requests
CHUNK = 500  # SQLite parameters per IN (…) (the limit is 32,766 since SQLite 3.32; stay modest)


def connection(session: Session) -> tuple[Connection, bool]:
    """The session's connection (inside its transaction) and whether it is PostgreSQL."""
    session.flush()
    conn = session.connection()
    return conn, conn.dialect.name == "postgresql"


@contextmanager
def batch_cache(conn: Connection, pg: bool, requests: int) -> Iterator[None]:
    """On SQLite, a larger page cache while a large batch writes (the postings' account index and the
    key index take random inserts; with the default 2 MiB cache each batch re-reads their pages), then
    the default again for the pooled connection, whatever happens (as ingest's `_bulk_cache`)."""
    if pg or requests < LARGE_BATCH:
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size={SQLITE_BATCH_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql("PRAGMA cache_size=-2000")


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _select_in(conn: Connection, sql: str, values: Sequence[Any]) -> list[tuple]:
    """SQLite: `sql` with `{in}` replaced by `(?, …)`, run per chunk of `values`; rows concatenated.
    On the driver's cursor: SQLAlchemy's Row objects cost more than the lookup itself (bench profile)."""
    out: list[tuple] = []
    cur = conn.connection.driver_connection.cursor()
    try:
        for part in _chunks(values):
            marks = ",".join("?" * len(part))
            out += cur.execute(sql.replace("{in}", f"({marks})"), tuple(part)).fetchall()
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _driver_error(conn, sql, exc) from exc
    finally:
        cur.close()
    return out


def find_accounts(conn: Connection, pg: bool, codes: Sequence[str]) -> list[tuple[int, str, str, int | None]]:
    """(id, code, unit, floor) of the accounts among `codes` that exist."""
    if not codes:
        return []
    if pg:
        sql = "SELECT id, code, unit, floor FROM book_accounts WHERE code = ANY(%s::text[])"
        return conn.exec_driver_sql(sql, (list(codes),)).all()
    return _select_in(conn, "SELECT id, code, unit, floor FROM book_accounts WHERE code IN {in}", codes)


def lock_balances(conn: Connection, pg: bool, account_ids: Iterable[int]) -> dict[int, int]:
    """Current balances of `account_ids`, locked for this transaction (see the module docstring)."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    if pg:
        sql = (
            "SELECT account_id, balance FROM book_balances WHERE account_id = ANY(%s::int[]) "
            "ORDER BY account_id FOR UPDATE"
        )
        return dict(conn.exec_driver_sql(sql, (ids,)).all())
    conn.exec_driver_sql("UPDATE book_balances SET postings = postings WHERE account_id = ?", (ids[0],))
    return dict(
        _select_in(conn, "SELECT account_id, balance FROM book_balances WHERE account_id IN {in}", ids)
    )


def known_keys(conn: Connection, pg: bool, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
    """idempotency key → (transaction id, content hash) for the keys already written."""
    if not keys:
        return {}
    if pg:
        sql = (
            "SELECT idempotency_key, id, content_hash FROM book_transactions "
            "WHERE idempotency_key = ANY(%s::text[])"
        )
        rows = conn.exec_driver_sql(sql, (list(keys),)).all()
    else:
        sql = "SELECT idempotency_key, id, content_hash FROM book_transactions WHERE idempotency_key IN {in}"
        rows = _select_in(conn, sql, keys)
    return {k: (tid, h) for k, tid, h in rows}


def next_transaction_ids(conn: Connection, pg: bool, n: int) -> list[int]:
    """`n` new, increasing transaction ids for this transaction to use."""
    if pg:
        sql = "SELECT nextval(pg_get_serial_sequence('book_transactions', 'id')) FROM generate_series(1, %s)"
        return sorted(r[0] for r in conn.exec_driver_sql(sql, (n,)))
    # SQLite: the caller holds the write lock (lock_balances), so nobody else can take these ids
    top = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM book_transactions").scalar() or 0
    return list(range(top + 1, top + 1 + n))


_TXN_COLUMNS = (
    "id, idempotency_key, content_hash, kind, memo, actor, effective_on, recorded_at, reverses_id, meta"
)


def datetime_param(conn: Connection, pg: bool) -> Callable[[dt.datetime], Any]:
    """A naive datetime as the driver parameter: itself on PostgreSQL; on SQLite SQLAlchemy's own
    DATETIME text, so the rows read back exactly as ORM-written ones."""
    if pg:
        return lambda value: value
    kind = BookTransaction.__table__.c.recorded_at.type.dialect_impl(conn.dialect)
    return kind.bind_processor(conn.dialect)


def insert_transactions(conn: Connection, pg: bool, rows: Iterable[tuple]) -> None:
    """rows: (id, key, hash, kind, memo, actor, effective_on, recorded_at, reverses_id, meta JSON text),
    datetimes already passed through `datetime_param`."""
    if pg:
        _copy(conn, f"COPY book_transactions ({_TXN_COLUMNS}) FROM STDIN", rows)
    else:
        marks = ", ".join("?" * 10)
        _executemany(conn, f"INSERT INTO book_transactions ({_TXN_COLUMNS}) VALUES ({marks})", rows)


def insert_postings(conn: Connection, pg: bool, rows: Iterable[tuple[int, int, int]]) -> None:
    """rows: (transaction id, account id, amount)."""
    if pg:
        _copy(conn, "COPY book_postings (transaction_id, account_id, amount) FROM STDIN", rows)
    else:
        sql = "INSERT INTO book_postings (transaction_id, account_id, amount) VALUES (?, ?, ?)"
        _executemany(conn, sql, rows)


def _driver_error(conn: Connection, sql: str, exc: Exception) -> DBAPIError:
    """The SQLAlchemy exception for a driver error (IntegrityError for a unique key, …)."""
    base = conn.dialect.loaded_dbapi.Error
    return DBAPIError.instance(sql, None, exc, base, dialect=conn.dialect)


def _executemany(conn: Connection, sql: str, rows: Iterable[tuple]) -> None:
    """The driver's executemany, streaming `rows` (SQLAlchemy's would first materialise a list)."""
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.executemany(sql, rows)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _driver_error(conn, sql, exc) from exc
    finally:
        cur.close()


def _copy(conn: Connection, sql: str, rows: Iterable[tuple]) -> None:
    """PostgreSQL `COPY … FROM STDIN` of `rows` (psycopg 3)."""
    try:
        with conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _driver_error(conn, sql, exc) from exc


def add_to_balances(conn: Connection, pg: bool, deltas: dict[int, list[int]]) -> None:
    """Add (amount, posting count) per account id to its checkpoint row."""
    if not deltas:
        return
    if pg:
        ids = list(deltas)
        conn.exec_driver_sql(
            "UPDATE book_balances AS b SET balance = b.balance + v.d, postings = b.postings + v.n "
            "FROM unnest(%s::int[], %s::bigint[], %s::bigint[]) AS v(aid, d, n) WHERE b.account_id = v.aid",
            (ids, [deltas[a][0] for a in ids], [deltas[a][1] for a in ids]),
        )
        return
    conn.exec_driver_sql(
        "UPDATE book_balances SET balance = balance + ?, postings = postings + ? WHERE account_id = ?",
        [(d, n, aid) for aid, (d, n) in deltas.items()],
    )
