"""Transparency log operations (透明日志): append events, tree heads, proofs, verification.

Every function takes the caller's SQLAlchemy session and never commits: an append is part of the
caller's transaction, so a batch of records and its leaves land together or not at all.

Leaf serialisation (documented in docs/ledger.md): the event mapping plus an ``at`` timestamp,
as JSON with sorted keys, no whitespace, UTF-8, non-ASCII kept as is (``ensure_ascii=False``);
dates and datetimes are ISO 8601 strings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from xinyong.ledger import merkle
from xinyong.ledger.models import LedgerLeaf, LedgerNode

# Event types other domains append (docs/ledger.md lists what each means).
EVENT_TYPES = (
    "record.collected",  # 归集: a record accepted by ingest
    "record.corrected",  # 更正: a record's content changed after review
    "record.repaired",  # 信用修复: publicity of a negative record ended
    "record.objection",  # 异议: an objection's outcome (upheld / rejected)
    "record.erased",  # 删除: a record removed by a legal decision (the leaf stays)
    "list.entered",  # 列入名单: a subject entered a red/black/focus list
    "list.exited",  # 移出名单
    "grade.published",  # 评价结果发布: a credit grade made public
    "evidence.recorded",  # 五流合一 trade evidence bundle (河东)
)

# Record events whose fields must still match the record row (ledger verify).
RECORD_COLUMNS = ("kind", "subject_id", "source", "batch_id", "digest")

# PostgreSQL advisory lock id that serialises appenders (two transactions must not both take
# the same next leaf index). The number is arbitrary but fixed: b"xinyong" as an integer.
_APPEND_LOCK = 0x78696E796F6E67

_encoder = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=lambda v: _json_default(v)
)


class LedgerError(ValueError):
    """Bad input to the ledger; the message is in Chinese and English."""


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot serialise {type(value).__name__} in a ledger event / 事件字段类型不支持")


def format_at(at: dt.datetime) -> str:
    """UTC, ISO 8601 with microseconds and a Z: one spelling per instant."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_event(event: Mapping[str, object], at: str) -> bytes:
    """The leaf data of one event (see module docstring)."""
    if "at" not in event:
        event = {**event, "at": at}
    return _encoder.encode(event).encode("utf-8")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def tree_size(session: Session) -> int:
    last = session.execute(select(func.max(LedgerLeaf.leaf_index))).scalar()
    return 0 if last is None else int(last) + 1


def fetch_nodes(session: Session, keys: set[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    """Hashes of perfect subtrees: level 0 from the leaves table, higher levels from nodes.

    Two indexed IN queries, O(log n) rows for any proof."""
    out: dict[merkle.NodeKey, bytes] = {}
    leaves = {k.index: k for k in keys if k.level == 0}
    inner = {k.node_id: k for k in keys if k.level > 0}
    if leaves:
        rows = session.execute(
            select(LedgerLeaf.leaf_index, LedgerLeaf.leaf_hash).where(LedgerLeaf.leaf_index.in_(leaves))
        )
        for index, h in rows:
            out[leaves[index]] = bytes(h)
    if inner:
        rows = session.execute(select(LedgerNode.node_id, LedgerNode.hash).where(LedgerNode.node_id.in_(inner)))
        for node_id, h in rows:
            out[inner[node_id]] = bytes(h)
    missing = keys - out.keys()
    if missing:
        raise LedgerError(
            f"ledger storage is missing {len(missing)} node(s), e.g. {sorted(missing)[0]}; run "
            "`xinyong ledger verify` / 日志存储缺少节点，请运行 xinyong ledger verify"
        )
    return out


def _frontier(session: Session, size: int) -> merkle.Frontier:
    keys = merkle.root_plan(size)
    found = fetch_nodes(session, set(keys))
    return merkle.Frontier(size, [found[k] for k in keys])


def _lock_for_append(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_APPEND_LOCK})")


def _bulk_insert(conn: Connection, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert many rows with the driver's fastest path inside the current transaction:
    executemany on SQLite, COPY on PostgreSQL (psycopg 3)."""
    if not rows:
        return
    dialect = conn.dialect.name
    cols = ", ".join(columns)
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
    elif dialect == "postgresql" and conn.dialect.driver == "psycopg":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        model = {"ledger_leaves": LedgerLeaf, "ledger_nodes": LedgerNode}[table]
        conn.execute(insert(model), [dict(zip(columns, row, strict=True)) for row in rows])


def append_events(
    session: Session, events: Sequence[Mapping[str, object]], *, at: dt.datetime | None = None
) -> list[int]:
    """Append one leaf per event in the caller's transaction; return the leaf indexes.

    Each event needs a "type" (see EVENT_TYPES); "record_id" links it to a record. `at` (default:
    now, UTC) is written into every leaf that has no "at" of its own. Bulk-fast: one frontier read
    of O(log n) rows, then executemany/COPY of the leaves and of the completed subtree nodes."""
    if not events:
        return []
    stamp = format_at(at or _now())
    leaf_rows: list[tuple] = []
    hashes: list[bytes] = []
    sha = hashlib.sha256
    conn = session.connection()
    _lock_for_append(conn)
    start = tree_size(session)
    index = start
    for position, event in enumerate(events):
        event_type = event.get("type")
        if not isinstance(event_type, str) or not event_type:
            raise LedgerError(
                f"event {position} has no 'type' / 第 {position} 个事件缺少 type 字段"
            )
        record_id = event.get("record_id")
        data = canonical_event(event, stamp)
        h = sha(b"\x00" + data).digest()
        hashes.append(h)
        leaf_rows.append((index, event_type, None if record_id is None else str(record_id), h, data))
        index += 1
    frontier = _frontier(session, start)
    new_nodes = frontier.append(hashes)
    _bulk_insert(conn, "ledger_leaves", ("leaf_index", "event_type", "record_id", "leaf_hash", "data"), leaf_rows)
    _bulk_insert(conn, "ledger_nodes", ("node_id", "hash"), new_nodes)
    return list(range(start, index))


def append_event(session: Session, event: Mapping[str, object], *, at: dt.datetime | None = None) -> int:
    """One event (corrections, repairs, objection outcomes, list entry/exit, grade publication)."""
    return append_events(session, [event], at=at)[0]


def record_event(
    session: Session,
    *,
    event_type: str,
    record_id: str,
    at: dt.datetime | None = None,
    **details: object,
) -> int:
    """What other domains call when a record changes: appends {"type", "record_id", **details}.

    Pass the new ``digest`` (see record_digest) when the record's content changed, so that
    `xinyong ledger verify` compares the row against it."""
    if event_type not in EVENT_TYPES:
        raise LedgerError(
            f"unknown ledger event type {event_type!r}; known: {', '.join(EVENT_TYPES)} / 未知事件类型"
        )
    return append_event(session, {"type": event_type, "record_id": record_id, **details}, at=at)
