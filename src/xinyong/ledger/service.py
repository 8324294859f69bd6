"""Transparency log operations (透明日志): append events, tree heads, proofs, verification.

Every function takes the caller's SQLAlchemy session and never commits: an append is part of the
caller's transaction, so a batch of records and its leaves land together or not at all.

Leaf serialisation (documented in docs/ledger.md): the event mapping plus an ``at`` timestamp,
as JSON with keys sorted by code point, no whitespace, UTF-8, non-ASCII kept as is, only the
escapes JSON requires; dates and datetimes are ISO 8601 strings, bytes are hex. orjson writes it
(one C call per event: serialisation would otherwise cost more than hashing and inserting).
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import os
import struct
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import accumulate
from typing import TYPE_CHECKING, NamedTuple

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import LargeBinary, delete, func, insert, literal, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.ledger import keys, merkle
from xinyong.ledger.models import LedgerHead, LedgerNode, LedgerPage, LedgerRecordKey
from xinyong.settings import Settings, get_settings

if TYPE_CHECKING:
    from xinyong.disclosure.policy import Viewer

# Event types other domains append (docs/ledger.md lists what each means).
EVENT_TYPES = (
    "record.collected",  # 归集: a record accepted by ingest
    "record.corrected",  # 更正: a record's content changed after review
    "record.status",  # 状态: repaired, objection opened/upheld/rejected, revoked, erased (xinyong.status)
    "record.erased",  # 删除: a record removed by a legal decision (the leaf stays)
    "list.entered",  # 列入名单: a subject entered a red/black/focus list
    "list.exited",  # 移出名单
    "grade.published",  # 评价结果发布: a credit grade made public
    "evidence.recorded",  # 五流合一 trade evidence bundle (河东)
    "key.rotated",  # 更换签名密钥: the signing key changed on purpose (record_id = the new key id)
    "commitment.event",  # 信用承诺: signed, in force, kept, breached, expired, withdrawn (no record_id)
    "repair.step",  # 信用修复 / 异议: one step of a repair application or objection (xinyong.repair)
    "record.subject_changed",  # 主体合并: a record filed under another subject (xinyong.subjects.merge)
    "subject.merged",  # 主体合并: an officer judged two subjects one (subject_id = the kept subject)
    "subject.unmerged",  # 撤销合并: that judgement undone (subject_id = the subject restored)
    "draw.committed",  # 双随机: pool digest and seed commitment published before a draw (xinyong.draws)
    "draw.revealed",  # 双随机: the seed revealed and the draw made
    "draw.failed",  # 双随机: the draw refused (avoidance shortfall), nothing drawn
)

# Record events whose fields must still match the record row (ledger verify).
# content_id: the content hash of the record's current version (record.collected / record.corrected).
RECORD_COLUMNS = ("kind", "subject_id", "source", "batch_id", "content_id", "digest")

# PostgreSQL advisory lock id that serialises appenders (two transactions must not both take
# the same next leaf index). The number is arbitrary but fixed: b"xinyong" as an integer.
_APPEND_LOCK = 0x78696E796F6E67

# Leaves are stored in pages of PAGE_SIZE (one row per page: a row insert costs several leaf
# hashes, so one row per leaf made appends ~25x slower than hashing). Subtrees below the page level
# are not stored: a proof recomputes them from the one page of leaf hashes it reads (at most
# PAGE_SIZE - 1 node hashes, ~0.1 ms); page roots and everything above are stored nodes.
PAGE_LEVEL = 8
PAGE_SIZE = 1 << PAGE_LEVEL
NODE_MIN_LEVEL = PAGE_LEVEL  # the lowest stored node level
HASH_SIZE = merkle.HASH_SIZE

# The record index (ledger_record_keys): 56-bit record keys in 2**KEY_BUCKET_BITS buckets, entries of
# 7 + 5 bytes (record key, leaf index). An append writes one row per bucket it touches (≤ 1024), not
# one per leaf: at a million leaves per-leaf key rows cost more than all the hashing.
KEY_BUCKET_BITS = 10
_KEY_BITS = 56
_INDEX_BITS = 40
_ENTRY_SIZE = (_KEY_BITS + _INDEX_BITS) // 8


class LedgerError(ValueError):
    """Bad input to the ledger; the message is in Chinese and English."""


class LedgerNotFound(LedgerError):
    """The asked-for leaf, record or evidence is not in the log."""


class LedgerKeyMismatch(LedgerError):
    """Refused to sign a head with a key other than the one the log's heads are signed with."""


def _json_default(value: object) -> object:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__} in a ledger event / 事件字段类型不支持")


def format_at(at: dt.datetime) -> str:
    """UTC, ISO 8601 with microseconds and a Z: one spelling per instant."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: object) -> bytes:
    """Sorted keys, no whitespace, UTF-8, non-ASCII as is (see module docstring)."""
    try:
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:
        raise LedgerError(f"event cannot be serialised: {exc} / 事件无法序列化") from exc


# Every leaf carries a secret random salt (SALT_KEY, SALT_BYTES random bytes as hex) among its
# fields: the leaf hash commits to the content, yet a leaf whose bytes are withheld (a record the
# viewer may not see) cannot be linked to its subject by recomputing guessable events — without the
# salt its hash is indistinguishable from random. The salt is stored with the leaf bytes (in the
# database: it survives restarts and backups) and revealed only with them, to viewers the
# disclosure policy lets see the record. "_" sorts before every lowercase key, so it comes first.
SALT_KEY = "_salt"
SALT_BYTES = 16


def new_salts(count: int) -> list[str]:
    """`count` fresh salts (hex, from the OS's CSPRNG), one call for the whole batch."""
    blob = os.urandom(SALT_BYTES * count).hex()
    width = 2 * SALT_BYTES
    return [blob[i : i + width] for i in range(0, len(blob), width)]


def canonical_event(event: Mapping[str, object], at: str, salt: str | None = None) -> bytes:
    """The leaf data of one event (see module docstring): the event, its "at" (unless it has one)
    and its salt (unless it has one; a fresh one when `salt` is None)."""
    extra: dict[str, object] = {}
    if "at" not in event:
        extra["at"] = at
    if SALT_KEY not in event:
        extra[SALT_KEY] = salt if salt is not None else new_salts(1)[0]
    return canonical_json({**event, **extra} if extra else event)


def record_key(record_id: str) -> int:
    """56-bit lookup key of a record id: its first 14 hex digits when it is a 64-character SHA-256
    hex id (what ingest uses), else the first 7 bytes of SHA-256(id). Only determinism matters (the
    key is an index; lookups confirm the full id). Indexing this integer instead of the 64-character
    id keeps bulk appends fast."""
    if len(record_id) == 64:
        try:
            return int(record_id[:14], 16)
        except ValueError:
            pass
    return int.from_bytes(hashlib.sha256(record_id.encode("utf-8")).digest()[:7], "big")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _epoch_ms(at: dt.datetime) -> int:
    """Milliseconds since the epoch; a naive datetime is taken as UTC."""
    return int((at if at.tzinfo else at.replace(tzinfo=dt.UTC)).timestamp() * 1000)


class Leaf(NamedTuple):
    """One leaf read back from its page (event_type and record_id parsed from the data)."""

    leaf_index: int
    event_type: str
    record_id: str | None
    leaf_hash: bytes
    data: bytes


def _leaf(index: int, leaf_hash: bytes, data: bytes) -> Leaf:
    try:
        event = orjson.loads(data)
    except orjson.JSONDecodeError:
        event = None  # tampered bytes: the hash check reports it; the leaf is still readable
    if not isinstance(event, dict):
        return Leaf(index, "", None, leaf_hash, data)
    rid = event.get("record_id")
    return Leaf(index, str(event.get("type", "")), None if rid is None else str(rid), leaf_hash, data)


def split_page(count: int, hashes: bytes, ends: bytes, data: bytes) -> list[tuple[bytes, bytes]] | None:
    """(stored leaf hash, data) of each leaf of a page row; None when its parts disagree (a page
    edited behind the log's back: wrong lengths or offsets)."""
    hashes, ends, data = bytes(hashes), bytes(ends), bytes(data)
    if count < 0 or len(hashes) != HASH_SIZE * count or len(ends) != 4 * count:
        return None
    out: list[tuple[bytes, bytes]] = []
    prev = 0
    for i, end in enumerate(struct.unpack(f">{count}I", ends)):
        if end < prev:
            return None
        out.append((hashes[HASH_SIZE * i : HASH_SIZE * (i + 1)], data[prev:end]))
        prev = end
    return out if prev == len(data) else None


_PAGE_COLUMNS = (
    LedgerPage.page_no,
    LedgerPage.leaf_count,
    LedgerPage.hashes,
    LedgerPage.ends,
    LedgerPage.data,
)


def read_leaves(session: Session, indexes: Iterable[int]) -> dict[int, Leaf]:
    """The leaves at these indexes (absent ones are left out), reading each page once."""
    wanted = set(indexes)
    pages = sorted({i >> PAGE_LEVEL for i in wanted if i >= 0})
    out: dict[int, Leaf] = {}
    for chunk in range(0, len(pages), 500):
        stmt = select(*_PAGE_COLUMNS).where(LedgerPage.page_no.in_(pages[chunk : chunk + 500]))
        for page_no, count, hashes, ends, data in session.connection().execute(stmt):
            first = page_no << PAGE_LEVEL
            for offset, (h, d) in enumerate(split_page(count, hashes, ends, data) or ()):
                if first + offset in wanted:
                    out[first + offset] = _leaf(first + offset, h, d)
    return out


def iter_leaves(session: Session) -> Iterator[Leaf]:
    """Every leaf in index order (pages streamed; for audits and tests)."""
    stmt = select(*_PAGE_COLUMNS).order_by(LedgerPage.page_no).execution_options(yield_per=64)
    for page_no, count, hashes, ends, data in session.connection().execute(stmt):
        first = page_no << PAGE_LEVEL
        for offset, (h, d) in enumerate(split_page(count, hashes, ends, data) or ()):
            yield _leaf(first + offset, h, d)


def tree_size(session: Session) -> int:
    """Leaves in the log: read from the last page (one indexed row)."""
    row = session.execute(
        select(LedgerPage.page_no, LedgerPage.leaf_count).order_by(LedgerPage.page_no.desc()).limit(1)
    ).first()
    return 0 if row is None else (int(row[0]) << PAGE_LEVEL) + int(row[1])


def _subtree_from_page(key: merkle.NodeKey, page_hashes: bytes) -> bytes | None:
    """A perfect subtree below the page level, from its page's concatenated leaf hashes."""
    offset = ((key.index << key.level) & (PAGE_SIZE - 1)) * HASH_SIZE
    chunk = page_hashes[offset : offset + (HASH_SIZE << key.level)]
    if len(chunk) != HASH_SIZE << key.level:
        return None
    return merkle.root_from_leaf_hashes([chunk[i : i + HASH_SIZE] for i in range(0, len(chunk), HASH_SIZE)])


def _fetch(
    session: Session, keys: set[merkle.NodeKey], *, with_size: bool = False
) -> tuple[dict[merkle.NodeKey, bytes], int]:
    """Hashes of perfect subtrees, and (with_size) the current tree size, in ONE query: stored
    nodes (level >= PAGE_LEVEL) by primary key, the leaf-hash pages that hold the lower ones
    (recomputed: at most PAGE_SIZE - 1 hashes per page), and the last page's row, UNION ALL.
    Missing keys are left out (see _require); size is -1 without with_size."""
    out: dict[merkle.NodeKey, bytes] = {}
    low = [k for k in keys if k.level < PAGE_LEVEL]
    inner = {k.node_id: k for k in keys if k.level >= PAGE_LEVEL}
    pages = sorted({(k.index << k.level) >> PAGE_LEVEL for k in low})
    empty = literal(b"", LargeBinary)
    parts = []
    if pages:
        parts.append(
            select(
                literal(0).label("kind"),
                LedgerPage.page_no.label("id"),
                LedgerPage.leaf_count.label("n"),
                LedgerPage.hashes.label("blob"),
            ).where(LedgerPage.page_no.in_(pages))
        )
    if inner:
        parts.append(
            select(literal(1), LedgerNode.node_id, literal(0), LedgerNode.hash).where(
                LedgerNode.node_id.in_(sorted(inner))
            )
        )
    if with_size:
        last = select(func.max(LedgerPage.page_no)).scalar_subquery()
        parts.append(
            select(literal(2), LedgerPage.page_no, LedgerPage.leaf_count, empty).where(
                LedgerPage.page_no == last
            )
        )
    size = 0 if with_size else -1
    page_hashes: dict[int, bytes] = {}
    if parts:
        for kind, ident, n, blob in session.execute(parts[0] if len(parts) == 1 else union_all(*parts)):
            if kind == 0:
                page_hashes[ident] = bytes(blob)
            elif kind == 1:
                out[inner[ident]] = bytes(blob)
            else:
                size = (int(ident) << PAGE_LEVEL) + int(n)
    for k in low:
        page = page_hashes.get((k.index << k.level) >> PAGE_LEVEL)
        h = None if page is None else _subtree_from_page(k, page)
        if h is not None:
            out[k] = h
    return out, size


def _require(keys: set[merkle.NodeKey], found: dict[merkle.NodeKey, bytes]) -> dict[merkle.NodeKey, bytes]:
    missing = keys - found.keys()
    if missing:
        raise LedgerError(
            f"ledger storage is missing {len(missing)} node(s), e.g. {sorted(missing)[0]}; run "
            "`xinyong ledger verify` / 日志存储缺少节点，请运行 xinyong ledger verify"
        )
    return found


def fetch_nodes(session: Session, keys: set[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    """Hashes of perfect subtrees (one query, see _fetch); LedgerError when one is missing."""
    return _require(keys, _fetch(session, keys)[0])


def _frontier(session: Session, size: int) -> merkle.Frontier:
    keys = merkle.root_plan(size)
    found = fetch_nodes(session, set(keys))
    return merkle.Frontier(size, [found[k] for k in keys])


def _lock_for_append(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_APPEND_LOCK})")


_COPY_TYPES = {
    "ledger_pages": ["bigint", "integer", "bytea", "bytea", "bytea"],
    "ledger_record_keys": ["integer", "bigint", "bytea"],
    "ledger_nodes": ["bigint", "bytea"],
}
_MODELS = {"ledger_pages": LedgerPage, "ledger_nodes": LedgerNode, "ledger_record_keys": LedgerRecordKey}


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
        # Binary COPY: the text format would escape every byte of the page blobs.
        with (
            conn.connection.driver_connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(_COPY_TYPES[table])
            for row in rows:
                copy.write_row(row)
    else:
        conn.execute(insert(_MODELS[table]), [dict(zip(columns, row, strict=True)) for row in rows])


def _bad_event(events: Sequence[Mapping[str, object]]) -> LedgerError | None:
    """The first invalid event's error (checked per event only when the fast check fails)."""
    for i, event in enumerate(events):
        event_type = event.get("type")
        if not isinstance(event_type, str) or not 0 < len(event_type) <= 48:
            return LedgerError(
                f"event {i}: 'type' must be text of 1–48 characters / "
                f"第 {i} 个事件的 type 字段应为 1–48 个字符"
            )
        record_id = event.get("record_id")
        if record_id is not None and len(str(record_id)) > 64:
            return LedgerError(
                f"event {i}: record_id longer than 64 characters / 第 {i} 个事件的 record_id 超过 64 个字符"
            )
    return None


def _check_events(events: Sequence[Mapping[str, object]]) -> list[str | None]:
    """Validate types and record ids with C-level map/min/max over the batch; return the record ids."""
    types = [e.get("type") for e in events]
    rids = [e.get("record_id") for e in events]
    present = [r for r in rids if r is not None]
    ok = set(map(type, types)) == {str} and min(map(len, types)) > 0 and max(map(len, types)) <= 48
    if present and not set(map(type, present)) <= {str}:
        rids = [None if r is None else str(r) for r in rids]
        present = [r for r in rids if r is not None]
    if not ok or (present and max(map(len, present)) > 64):
        raise _bad_event(events) or LedgerError("invalid event / 事件无效")
    return rids


def _dumps_all(events: Sequence[Mapping[str, object]], stamp: str) -> list[bytes]:
    """Canonical bytes of every event (with "at" and a fresh salt added where missing),
    byte-for-byte what canonical_event gives, at a fraction of the cost:

    - orjson's per-call overhead exceeds its per-event work, so the batch is serialised as ONE JSON
      array and cut at the "},{" between elements: when the output holds exactly n-1 of them they
      are all separators (a separator always is one); otherwise (an event whose own content holds
      "},{") it falls back to one call per event;
    - copying every event to add "_salt" and "at" cost more than serialising it, so both are
      spliced in as the first keys where the event's first key's first byte is above "a" (then every
      key sorts after "_salt" and "at", and no event with such a first key has either); other events
      are copied and dumped."""
    opts = orjson.OPT_SORT_KEYS
    salts = new_salts(len(events))
    try:
        blob = orjson.dumps(
            events if isinstance(events, list) else list(events), default=_json_default, option=opts
        )
    except (orjson.JSONEncodeError, TypeError):
        return [_dump_one(i, e, stamp, salts[i]) for i, e in enumerate(events)]
    parts = blob[2:-2].split(b"},{")
    if len(parts) != len(events):
        return [_dump_one(i, e, stamp, salts[i]) for i, e in enumerate(events)]
    salt_head = b'{"' + SALT_KEY.encode() + b'":"'
    at_head = b'","at":"' + stamp.encode() + b'",'
    b_a = ord("a")
    return [
        salt_head + salts[i].encode() + at_head + p + b"}"
        if p[1] > b_a
        else _dump_one(i, events[i], stamp, salts[i])
        for i, p in enumerate(parts)
    ]


def _dump_one(i: int, event: Mapping[str, object], stamp: str, salt: str) -> bytes:
    try:
        return canonical_event(event, stamp, salt)
    except LedgerError as exc:
        raise LedgerError(f"event {i} cannot be serialised: {exc} / 第 {i} 个事件无法序列化") from exc


def _key_entries(rids: Sequence[str | None], start: int) -> list[int]:
    """Sorted (record_key << 40 | leaf_index) of every leaf naming a record (leaf indexes < 2**40)."""
    present = len(rids) - rids.count(None)
    if present == len(rids) and _all_sha256_hex(rids):
        # One C call decodes every id and one more reads the first 8 bytes of each digest; the
        # key is their first 7 bytes, as record_key() computes it for a 64-hex-digit id.
        firsts = struct.unpack(">" + "Q24x" * len(rids), bytes.fromhex("".join(rids)))
        out = [q >> 8 << _INDEX_BITS | i for i, q in enumerate(firsts, start)]
    else:
        out = [record_key(r) << _INDEX_BITS | i for i, r in enumerate(rids, start) if r is not None]
    out.sort()
    return out


def _all_sha256_hex(rids: Sequence[str]) -> bool:
    """Every id is 64 hex digits (C-level checks: lengths, then the decoded size of the join,
    which any non-hex character, whitespace included, makes fail or come out short)."""
    if not rids or min(map(len, rids)) != 64 or max(map(len, rids)) != 64:
        return False
    try:
        return len(bytes.fromhex("".join(rids))) == 32 * len(rids)
    except ValueError:
        return False


def _record_key_rows(rids: Sequence[str | None], start: int) -> list[tuple[int, int, bytes]]:
    """One (bucket, first_leaf, entries) row per bucket this append touches (see LedgerRecordKey):
    a few hundred rows per batch instead of one per leaf."""
    entries = _key_entries(rids, start)
    shift = _INDEX_BITS + _KEY_BITS - KEY_BUCKET_BITS
    rows: list[tuple[int, int, bytes]] = []
    i = 0
    while i < len(entries):
        bucket = entries[i] >> shift
        j = bisect.bisect_left(entries, (bucket + 1) << shift, i)
        rows.append((bucket, start, b"".join([e.to_bytes(_ENTRY_SIZE, "big") for e in entries[i:j]])))
        i = j
    return rows


def _find_in_entries(entries: bytes, key: bytes) -> Iterator[int]:
    """Leaf indexes of the entries whose 7-byte record key is `key` (binary search, then scan)."""
    lo, hi = 0, len(entries) // _ENTRY_SIZE
    while lo < hi:
        mid = (lo + hi) // 2
        if entries[mid * _ENTRY_SIZE : mid * _ENTRY_SIZE + 7] < key:
            lo = mid + 1
        else:
            hi = mid
    while lo * _ENTRY_SIZE < len(entries) and entries[lo * _ENTRY_SIZE : lo * _ENTRY_SIZE + 7] == key:
        yield int.from_bytes(entries[lo * _ENTRY_SIZE + 7 : (lo + 1) * _ENTRY_SIZE], "big")
        lo += 1


def _candidate_leaves(session: Session, record_ids: Iterable[str]) -> list[int]:
    """Leaf indexes whose record key matches one of these ids (one query over their buckets)."""
    keys = {record_key(r) for r in record_ids}
    shift = _KEY_BITS - KEY_BUCKET_BITS
    by_bucket: dict[int, list[bytes]] = {}
    for k in keys:
        by_bucket.setdefault(k >> shift, []).append(k.to_bytes(7, "big"))
    out: list[int] = []
    stmt = select(LedgerRecordKey.bucket, LedgerRecordKey.entries).where(
        LedgerRecordKey.bucket.in_(sorted(by_bucket))
    )
    for bucket, entries in session.connection().execute(stmt):
        blob = bytes(entries)
        for k in by_bucket[bucket]:
            out.extend(_find_in_entries(blob, k))
    return out


def _page_rows(session: Session, start: int, hashes: list[bytes], datas: list[bytes]) -> list[tuple]:
    """Page rows for leaves start.. (the partial last page, if any, is read, deleted and rewritten)."""
    first_page = start >> PAGE_LEVEL
    if start & (PAGE_SIZE - 1):
        conn = session.connection()
        count, old_hashes, ends, data = conn.execute(
            select(*_PAGE_COLUMNS[1:]).where(LedgerPage.page_no == first_page)
        ).one()
        old = split_page(count, old_hashes, ends, data)
        if old is None:
            raise LedgerError(
                f"page {first_page} is damaged; run `xinyong ledger verify` / "
                f"第 {first_page} 页已损坏，请运行 xinyong ledger verify"
            )
        hashes = [h for h, _ in old] + hashes
        datas = [d for _, d in old] + datas
        conn.execute(delete(LedgerPage).where(LedgerPage.page_no == first_page))
    rows = []
    join, pack = b"".join, struct.pack
    for j in range(0, len(hashes), PAGE_SIZE):
        ds = datas[j : j + PAGE_SIZE]
        rows.append(
            (
                first_page + (j >> PAGE_LEVEL),
                len(ds),
                join(hashes[j : j + PAGE_SIZE]),
                pack(f">{len(ds)}I", *accumulate(map(len, ds))),
                join(ds),
            )
        )
    return rows


def append_events(
    session: Session, events: Sequence[Mapping[str, object]], *, at: dt.datetime | None = None
) -> list[int]:
    """Append one leaf per event in the caller's transaction; return the leaf indexes.

    Each event needs a "type" (see EVENT_TYPES); "record_id" links it to a record. `at` (default:
    now, UTC) is written into every leaf that has no "at" of its own. Bulk-fast: one frontier read
    of O(log n) rows, then executemany/COPY of whole pages of leaves, of the completed subtree
    nodes at page level and above, and of the record-key index."""
    if not events:
        return []
    stamp = format_at(at or _now())
    rids = _check_events(events)
    datas = _dumps_all(events, stamp)
    sha = hashlib.sha256
    hashes = [sha(b"\x00" + d).digest() for d in datas]
    conn = session.connection()
    _lock_for_append(conn)
    start = tree_size(session)
    if start + len(events) > 1 << _INDEX_BITS:  # the record index stores leaf indexes in 5 bytes
        raise LedgerError(f"the log is full ({1 << _INDEX_BITS} leaves) / 日志已满")
    frontier = _frontier(session, start)
    new_nodes = frontier.append(hashes, min_level=PAGE_LEVEL)
    pages = _page_rows(session, start, hashes, datas)
    _bulk_insert(conn, "ledger_pages", ("page_no", "leaf_count", "hashes", "ends", "data"), pages)
    _bulk_insert(
        conn, "ledger_record_keys", ("bucket", "first_leaf", "entries"), _record_key_rows(rids, start)
    )
    _bulk_insert(conn, "ledger_nodes", ("node_id", "hash"), new_nodes)
    return list(range(start, start + len(events)))


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


# --- tree heads ---------------------------------------------------------------------------------


def root_at(session: Session, size: int) -> bytes:
    """MTH of the first `size` leaves from O(log n) stored nodes."""
    if size == 0:
        return merkle.EMPTY_ROOT
    keys = merkle.root_plan(size)
    return merkle.evaluate([keys], fetch_nodes(session, set(keys)))[0]


def latest_head(session: Session) -> LedgerHead | None:
    return session.execute(select(LedgerHead).order_by(LedgerHead.id.desc()).limit(1)).scalar()


def rotation_recorded(session: Session, new_key_id: str) -> bool:
    """Has a `key.rotated` leaf announced this key (the only way to sign with a new key)? The leaf's
    record id is the new key id, so the record index finds it without a scan."""
    return any(leaf.event_type == "key.rotated" for leaf in record_leaves(session, new_key_id))


def check_signing_key(session: Session, key: Ed25519PrivateKey) -> None:
    """LedgerKeyMismatch unless `key` signed the latest head, the log has no head yet, or the log
    recorded a rotation to it (`xinyong ledger rotate-key`)."""
    head = latest_head(session)
    kid = keys.key_id(key.public_key())
    if head is None or head.key_id == kid or rotation_recorded(session, kid):
        return
    raise LedgerKeyMismatch(
        f"refusing to sign with key {kid}: the log's heads are signed with key {head.key_id}. Check "
        "XINYONG_DATA_DIR / XINYONG_LEDGER_KEY point at the log's key; to change the key on purpose run "
        "`xinyong ledger rotate-key` (docs/ledger.md) / 拒绝用密钥 "
        f"{kid} 签名：日志树头由密钥 {head.key_id} 签署。请检查 XINYONG_DATA_DIR / XINYONG_LEDGER_KEY "
        "是否指向日志的密钥；如需有意更换密钥，请运行 xinyong ledger rotate-key"
    )


def signing_key(session: Session, settings: Settings | None = None) -> Ed25519PrivateKey:
    """The configured key, checked against the log: never creates a key file once heads exist (a
    process with another data directory must not mint a second key), and raises LedgerKeyMismatch
    for a key the log did not sign with (see check_signing_key). Raises LedgerError otherwise."""
    settings = settings or get_settings()
    head = latest_head(session)
    try:
        key = keys.load_private_key(settings, expected_key_id=head.key_id if head is not None else None)
    except keys.LedgerKeyError as exc:
        raise LedgerKeyMismatch(str(exc)) from exc
    check_signing_key(session, key)
    return key


def sign_head(session: Session, *, key: Ed25519PrivateKey, at: dt.datetime | None = None) -> LedgerHead:
    """Sign the current tree (size, root, time) and store the head. LedgerKeyMismatch when `key` is
    not the log's key (check_signing_key)."""
    check_signing_key(session, key)
    at = at or _now()
    size = tree_size(session)
    root = root_at(session, size)
    stamp = _epoch_ms(at)
    head = LedgerHead(
        tree_size=size,
        root_hash=root,
        timestamp_ms=stamp,
        key_id=keys.key_id(key.public_key()),
        signature=keys.sign_head(key, size, stamp, root),
        signed_at=dt.datetime.fromtimestamp(stamp / 1000, dt.UTC).replace(tzinfo=None),
    )
    session.add(head)
    session.flush()
    return head


def rotate_key(
    session: Session,
    *,
    old: Ed25519PrivateKey | None,
    new: Ed25519PrivateKey,
    reason: str,
    at: dt.datetime | None = None,
) -> dict[str, object]:
    """Change the signing key on purpose: append a `key.rotated` leaf naming both keys (record_id =
    the new key id), sign a head covering it with the old key (when it is still held: `old=None`
    after a loss), then a head with the new key. Returns both heads' documents.

    LedgerKeyMismatch when `old` is not the log's current key; LedgerError for an empty reason or a
    new key equal to the old."""
    if not reason.strip():
        raise LedgerError("a reason is required to rotate the key / 更换密钥须说明原因")
    head = latest_head(session)
    new_id = keys.key_id(new.public_key())
    old_id = head.key_id if head is not None else None
    if old is not None:
        check_signing_key(session, old)
        old_id = keys.key_id(old.public_key())
    if new_id == old_id:
        raise LedgerError("the new key is the current key / 新密钥与当前密钥相同")
    append_event(
        session,
        {
            "type": "key.rotated",
            "record_id": new_id,
            "old_key_id": old_id,
            "new_key_id": new_id,
            "public_key": keys.public_raw(new.public_key()).hex(),
            "reason": reason.strip(),
        },
        at=at,
    )
    old_head = sign_head(session, key=old, at=at) if old is not None and head is not None else None
    new_head = sign_head(session, key=new, at=at)
    return {
        "old_key_id": old_id,
        "new_key_id": new_id,
        "old_head": head_document(old_head) if old_head else None,
        "new_head": head_document(new_head),
    }


def current_head(
    session: Session,
    *,
    key: Ed25519PrivateKey,
    interval_seconds: int,
    at: dt.datetime | None = None,
    min_size: int = 0,
) -> LedgerHead:
    """The latest head, signed afresh when it is older than the interval, smaller than min_size, or
    signed by another key (after a key rotation the published key must verify what is served).

    Lazy signing (instead of a timer): a head is produced exactly when someone asks for one, so a
    quiet log costs nothing, several server workers never race a scheduler, and tests pass time."""
    at = at or _now()
    head = latest_head(session)
    stale = head is None or head.tree_size < min_size or head.key_id != keys.key_id(key.public_key())
    if stale or _epoch_ms(at) - head.timestamp_ms >= interval_seconds * 1000:
        return sign_head(session, key=key, at=at)
    return head


def head_document(head: LedgerHead) -> dict[str, object]:
    """The JSON form of a signed tree head (docs/ledger.md)."""
    return {
        "tree_size": head.tree_size,
        "timestamp": head.timestamp_ms,
        "root_hash": bytes(head.root_hash).hex(),
        "signature": bytes(head.signature).hex(),
        "key_id": head.key_id,
        "signed_at": format_at(head.signed_at),
    }


def head_for_size(session: Session, size: int) -> LedgerHead | None:
    return session.execute(
        select(LedgerHead).where(LedgerHead.tree_size == size).order_by(LedgerHead.id.desc()).limit(1)
    ).scalar()


# --- proofs -------------------------------------------------------------------------------------


def _check_size(size: int, current: int, what: str) -> None:
    if size > current:
        raise LedgerError(
            f"{what} {size} is larger than the log ({current} leaves) / {what} {size} 大于当前日志大小 {current}"
        )


def inclusion_proof(session: Session, *, leaf_index: int, tree_size_: int | None = None) -> dict[str, object]:
    """Audit path of a leaf in the tree of `tree_size_` leaves (default: the whole log).

    Two queries when the size is given: pages + nodes + the current size in one (see _fetch),
    then the signed head for that size."""
    size = tree_size(session) if tree_size_ is None else tree_size_
    if leaf_index < 0 or leaf_index >= size:
        raise LedgerError(
            f"leaf_index {leaf_index} is not below tree_size {size} / 叶序号 {leaf_index} 不小于树大小 {size}"
        )
    plan = merkle.inclusion_plan(leaf_index, size)
    root_keys = merkle.root_plan(size)
    wanted = merkle.plan_keys(plan) | set(root_keys) | {merkle.NodeKey(0, leaf_index)}
    found, current = _fetch(session, wanted, with_size=True)
    _check_size(size, current, "tree_size")
    nodes = _require(wanted, found)
    head = head_for_size(session, size)
    return {
        "leaf_index": leaf_index,
        "tree_size": size,
        "leaf_hash": nodes[merkle.NodeKey(0, leaf_index)].hex(),
        "audit_path": [h.hex() for h in merkle.evaluate(plan, nodes)],
        "root_hash": merkle.evaluate([root_keys], nodes)[0].hex(),
        "sth": head_document(head) if head else None,
    }


def _heads_for_sizes(session: Session, sizes: Sequence[int]) -> dict[int, LedgerHead]:
    """The latest signed head of each size, in one query."""
    out: dict[int, LedgerHead] = {}
    for head in session.execute(
        select(LedgerHead).where(LedgerHead.tree_size.in_(sorted(set(sizes)))).order_by(LedgerHead.id)
    ).scalars():
        out[head.tree_size] = head
    return out


def consistency_proof(session: Session, *, first: int, second: int) -> dict[str, object]:
    """Proof that the tree of `second` leaves extends the tree of `first` leaves (0 < first <= second).

    Two queries: pages + nodes + the current size, then both signed heads."""
    if first > second:
        raise LedgerError(
            f"first {first} is larger than second {second} / first {first} 大于 second {second}"
        )
    if first <= 0:
        raise LedgerError(
            "first must be at least 1: a consistency proof from the empty tree is undefined (RFC 9162 "
            "§2.1.4) / first 必须至少为 1：空树的一致性证明无定义"
        )
    plan = merkle.consistency_plan(first, second)
    first_keys, second_keys = merkle.root_plan(first), merkle.root_plan(second)
    wanted = merkle.plan_keys(plan) | set(first_keys) | set(second_keys)
    found, current = _fetch(session, wanted, with_size=True)
    _check_size(second, current, "second")
    nodes = _require(wanted, found)
    heads = _heads_for_sizes(session, (first, second))
    first_head, second_head = heads.get(first), heads.get(second)
    return {
        "first": first,
        "second": second,
        "first_root": merkle.evaluate([first_keys], nodes)[0].hex(),
        "second_root": merkle.evaluate([second_keys], nodes)[0].hex(),
        "consistency_path": [h.hex() for h in merkle.evaluate(plan, nodes)],
        "first_sth": head_document(first_head) if first_head else None,
        "second_sth": head_document(second_head) if second_head else None,
    }


def visible_record_ids(
    session: Session, record_ids: Iterable[str], *, viewer: Viewer | None = None, as_of: dt.date
) -> set[str]:
    """The ids among `record_ids` that `viewer` (default: the public) may see as of `as_of`, and whose
    subject it may know: the disclosure policy's SQL filter (record_filter, subject_filter), never a
    ledger rule of its own. Records no longer in the store are not visible."""
    from xinyong.disclosure.policy import PUBLIC, record_filter, subject_filter
    from xinyong.records.models import Record
    from xinyong.subjects.models import Subject

    viewer = viewer or PUBLIC
    ids = sorted({str(r) for r in record_ids})
    out: set[str] = set()
    for start in range(0, len(ids), 500):
        out.update(
            session.execute(
                select(Record.id)
                .join(Subject, Subject.id == Record.subject_id)
                .where(
                    Record.id.in_(ids[start : start + 500]),
                    record_filter(viewer, as_of),
                    subject_filter(viewer),
                )
            ).scalars()
        )
    return out


def event_visible(
    session: Session, event: Mapping[str, object], *, viewer: Viewer | None = None, as_of: dt.date
) -> bool:
    """May `viewer` read this event's bytes as of `as_of`? A record's leaf only while the disclosure
    policy lets the viewer see the record; a subject's leaf only while it may know the subject.
    Everything else (a key rotation) is public. The leaf *hash* needs no permission: it is salted."""
    from xinyong.disclosure.policy import PUBLIC, subject_filter
    from xinyong.subjects.models import Subject

    if event.get("type") == "key.rotated":  # names keys, not a record: public like the keys themselves
        return True
    if event.get("record_id") is not None:
        rid = str(event["record_id"])
        return rid in visible_record_ids(session, [rid], viewer=viewer, as_of=as_of)
    if event.get("subject_id") is not None:
        found = session.execute(
            select(Subject.id).where(Subject.id == str(event["subject_id"]), subject_filter(viewer or PUBLIC))
        ).first()
        return found is not None
    return True


def leaf_not_found(leaf_index: int) -> LedgerNotFound:
    """The one answer for a leaf that does not exist and for one the viewer may not see: the same
    words, so the answer tells nothing about a hidden record."""
    return LedgerNotFound(f"leaf {leaf_index} not found / 未找到叶 {leaf_index}")


def record_not_found(record_id: str) -> LedgerNotFound:
    """The one answer for a record not in the log and for one the viewer may not see."""
    return LedgerNotFound(f"record {record_id} is not in the log / 记录 {record_id} 不在日志中")


def leaf_document(
    session: Session,
    leaf_index: int,
    *,
    public: bool = True,
    viewer: Viewer | None = None,
    as_of: dt.date | None = None,
) -> dict[str, object]:
    """One leaf as an outsider needs it: the exact bytes (hex, salt included) and their hash.

    With `public` (default) the disclosure policy decides for `viewer` (default: the public) as of
    `as_of` (default: today in XINYONG_TIMEZONE): a leaf the viewer may not see raises the same
    LedgerNotFound as a leaf that does not exist. `public=False` is for callers that already proved
    a right to the leaf (the holder of a trade-evidence id)."""
    leaf = read_leaves(session, [leaf_index]).get(leaf_index) if leaf_index >= 0 else None
    if leaf is None:
        raise leaf_not_found(leaf_index)
    data = bytes(leaf.data)
    event = json.loads(data)
    if public and not event_visible(session, event, viewer=viewer, as_of=as_of or clock.today()):
        raise leaf_not_found(leaf_index)
    return {
        "leaf_index": leaf.leaf_index,
        "event_type": leaf.event_type,
        "record_id": leaf.record_id,
        "leaf_hash": bytes(leaf.leaf_hash).hex(),
        "data_hex": data.hex(),
        "event": event,
    }


def _record_rows(session: Session, record_ids: Sequence[str]) -> list[Leaf]:
    """Every leaf naming one of these records, oldest first: the integer key index gives the
    candidate leaf indexes, their pages confirm the full id."""
    wanted = set(record_ids)
    indexes = _candidate_leaves(session, wanted)
    leaves = read_leaves(session, indexes)
    return [leaves[i] for i in sorted(leaves) if leaves[i].record_id in wanted]


def record_leaves(session: Session, record_id: str) -> list[Leaf]:
    return _record_rows(session, [record_id])


def record_proofs(
    session: Session,
    record_ids: Sequence[str],
    *,
    settings: Settings | None = None,
    at: dt.datetime | None = None,
    sign: bool = True,
) -> dict[str, dict[str, object]]:
    """For each logged record: its latest leaf, the signed head covering it and the inclusion proof.

    Used by the public credit card and the PDF report. With `sign` (default) a fresh head is signed
    when the latest does not cover a requested leaf (or is older than the interval). With
    sign=False nothing is written (for read-only pages): leaves newer than the latest head come back
    with `pending: true` and no proof; the verify button's API call signs one then.
    Records never logged are absent. All proofs are read in one query."""
    if not record_ids:
        return {}
    latest: dict[str, int] = {}
    for chunk_start in range(0, len(record_ids), 500):
        chunk = list(record_ids[chunk_start : chunk_start + 500])
        for leaf in _record_rows(session, chunk):
            latest[leaf.record_id] = max(latest.get(leaf.record_id, -1), leaf.leaf_index)
    if not latest:
        return {}
    if sign:
        settings = settings or get_settings()
        head = current_head(
            session,
            key=signing_key(session, settings),
            interval_seconds=settings.ledger_sth_interval,
            at=at,
            min_size=max(latest.values()) + 1,
        )
    else:
        head = latest_head(session)
    size = head.tree_size if head is not None else 0
    sth = head_document(head) if head is not None else None
    plans = {rid: merkle.inclusion_plan(index, size) for rid, index in latest.items() if index < size}
    wanted = merkle.plan_keys(p for plan in plans.values() for p in plan)
    nodes = fetch_nodes(session, wanted | {merkle.NodeKey(0, latest[rid]) for rid in plans})
    out: dict[str, dict[str, object]] = {}
    for rid, index in latest.items():
        entry: dict[str, object] = {
            "record_id": rid,
            "leaf_index": index,
            "pending": rid not in plans,
            "leaf_url": f"/api/v1/ledger/leaves/{index}",
            "record_url": f"/api/v1/ledger/records/{rid}",
        }
        if rid in plans:
            entry |= {
                "tree_size": size,
                "root": sth["root_hash"],
                "leaf_hash": nodes[merkle.NodeKey(0, index)].hex(),
                "audit_path": [h.hex() for h in merkle.evaluate(plans[rid], nodes)],
                "sth": sth,
                "proof_url": f"/api/v1/ledger/proof/inclusion?leaf_index={index}&tree_size={size}",
            }
        out[rid] = entry
    return out


def subject_proofs(
    session: Session,
    *,
    subject_id: str,
    as_of: dt.date,
    limit: int = 40,
    sign: bool = False,
    settings: Settings | None = None,
) -> dict[str, dict[str, object]]:
    """record_proofs for the records of a subject the public may see on `as_of` (the disclosure
    policy's public filter), newest first, each with a `label` (kind in Chinese and date).
    What the public card's badge needs; read-only by default. LedgerNotFound when the public may
    not know the subject (as the card answers 404)."""
    from xinyong.disclosure.policy import PUBLIC, record_filter, subject_filter
    from xinyong.records.models import Record
    from xinyong.subjects.models import Subject

    if (
        session.execute(select(Subject.id).where(Subject.id == subject_id, subject_filter(PUBLIC))).first()
        is None
    ):
        raise LedgerNotFound(f"subject {subject_id} not found / 信用主体 {subject_id} 不存在")
    rows = session.execute(
        select(Record.id, Record.kind, Record.occurred_on)
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.subject_id == subject_id, record_filter(PUBLIC, as_of), subject_filter(PUBLIC))
        .order_by(Record.occurred_on.desc(), Record.id)
        .limit(limit)
    ).all()
    proofs = record_proofs(session, [r.id for r in rows], settings=settings, sign=sign)
    names = _kind_names()
    for rid, kind, occurred in rows:
        if rid in proofs:
            proofs[rid]["label"] = " ".join(
                x for x in (names.get(kind, kind), occurred and occurred.isoformat()) if x
            )
    return {r.id: proofs[r.id] for r in rows if r.id in proofs}


def _kind_names() -> dict[str, str]:
    try:
        from xinyong.catalogue.service import load_catalogue

        return {kind: spec.name_zh for kind, spec in load_catalogue().kinds.items()}
    except (OSError, ValueError):  # a broken catalogue must not break the badge
        return {}


# --- record digests and store verification ------------------------------------------------------

# Record columns a digest covers: the content, not operational timestamps (first/last seen change
# on every re-import) nor the batch (carried in the event itself).
DIGEST_COLUMNS = (
    "id",
    "kind",
    "subject_id",
    "source",
    "source_record_id",
    "occurred_on",
    "publicity_until",
    "valid_until",
    "severity",
    "polarity",
    "disclosure",
    "amount",
    "fields",
    "original",
)


def record_digest(values: Mapping[str, object]) -> str:
    """SHA-256 (hex) of a record's content columns in canonical JSON; a Record or a mapping."""
    get = values.get if isinstance(values, Mapping) else lambda name: getattr(values, name, None)
    content = {name: get(name) for name in DIGEST_COLUMNS}
    return hashlib.sha256(canonical_json(content)).hexdigest()


def _norm(value: object) -> bytes:
    return canonical_json(value)


class _Expected(NamedTuple):
    """A record's state as the log says it should be: latest logged value of each compared column."""

    columns: dict[str, object]
    last_type: str


def _fold_event(states: dict[str, _Expected], data: bytes) -> str | None:
    """Fold one leaf into the expected state of the record it names (log order); return its id."""
    try:
        event = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None  # unreadable bytes are reported by the hash check
    if not isinstance(event, dict) or event.get("record_id") is None:
        return None
    rid = str(event["record_id"])
    if event.get("type") == "key.rotated":  # indexed under the new key id; not a record
        return rid
    state = states.get(rid)
    columns = state.columns if state else {}
    for column in RECORD_COLUMNS:
        if column in event:
            columns[column] = event[column]
    states[rid] = _Expected(columns, str(event.get("type", "")))
    return rid


def _record_state(row: Mapping[str, object]) -> dict[str, object]:
    state = {name: row.get(name) for name in RECORD_COLUMNS if name != "digest"}
    state["digest"] = record_digest(row)
    return state


def _verify_tree(
    session: Session,
    report: dict[str, list],
    public_key: Ed25519PublicKey | None,
    states: dict[str, _Expected],
) -> int:
    """Pages, leaf hashes, index gaps, stored nodes and signed heads against a recomputation, in one
    sequential pass over the pages; fills `states` (what each logged record should look like)."""
    heads: dict[int, list[LedgerHead]] = {}
    for head in session.execute(select(LedgerHead)).scalars():
        heads.setdefault(head.tree_size, []).append(head)
    frontier = merkle.Frontier()
    expected = 0
    key = None if public_key is None else keys.key_id(public_key)

    def check_heads() -> None:
        for head in heads.get(frontier.size, []):
            good_root = bytes(head.root_hash) == frontier.root()
            good_sig = (
                public_key is None
                or head.key_id != key
                or keys.verify_head(
                    public_key,
                    head.tree_size,
                    head.timestamp_ms,
                    bytes(head.root_hash),
                    bytes(head.signature),
                )
            )
            if not (good_root and good_sig):
                report["bad_heads"].append(
                    {
                        "id": head.id,
                        "tree_size": head.tree_size,
                        "root_matches": good_root,
                        "signature_valid": good_sig,
                    }
                )

    check_heads()
    sha = hashlib.sha256
    index_entries: list[int] = []
    stmt = select(*_PAGE_COLUMNS).order_by(LedgerPage.page_no).execution_options(yield_per=64)
    for page_no, count, hashes, ends, data in session.connection().execute(stmt):
        first = int(page_no) << PAGE_LEVEL
        if first != expected:  # a missing page, or a short page before the last one
            report["gaps"].append({"from": expected, "to": first - 1})
        expected = first + int(count)
        leaves = split_page(int(count), hashes, ends, data)
        if leaves is None:  # lengths or offsets edited: no leaf of the page can be trusted
            report["bad_leaves"] += list(range(first, expected))
            continue
        recomputed = []
        for offset, (stored, leaf_data) in enumerate(leaves):
            h = sha(b"\x00" + leaf_data).digest()
            if h != stored:
                report["bad_leaves"].append(first + offset)
            recomputed.append(h)
            rid = _fold_event(states, leaf_data)
            if rid is not None:
                index_entries.append(record_key(rid) << _INDEX_BITS | (first + offset))
        _verify_nodes(session, frontier, recomputed, report, check_heads)
    for size in sorted(s for s in heads if s > frontier.size):  # heads the log no longer reaches
        report["bad_heads"] += [
            {"id": h.id, "tree_size": size, "root_matches": False, "signature_valid": None}
            for h in heads[size]
        ]
    _verify_index(session, index_entries, report)
    return expected


def _verify_index(session: Session, expected: list[int], report: dict[str, list]) -> None:
    """The record index must hold exactly one entry per leaf that names a record: a deleted or
    edited index row would hide a record's leaves from its proof lookups."""
    stored: list[int] = []
    for (entries,) in session.connection().execute(select(LedgerRecordKey.entries)):
        blob = bytes(entries)
        stored += [int.from_bytes(blob[i : i + _ENTRY_SIZE], "big") for i in range(0, len(blob), _ENTRY_SIZE)]
    expected.sort()
    stored.sort()
    if stored == expected:
        return
    mask = (1 << _INDEX_BITS) - 1
    missing, extra = Counter(expected) - Counter(stored), Counter(stored) - Counter(expected)
    report["bad_index"] += sorted(
        [{"leaf_index": e & mask, "problem": "missing"} for e in missing.elements()]
        + [{"leaf_index": e & mask, "problem": "extra"} for e in extra.elements()],
        key=lambda item: (item["leaf_index"], item["problem"]),
    )


def _verify_nodes(session, frontier, hashes, report, check_heads) -> None:  # noqa: ANN001
    made: list[tuple[int, bytes]] = []
    for h in hashes:  # one at a time so every head size is checked exactly when reached
        made += frontier.append([h], min_level=NODE_MIN_LEVEL)
        check_heads()
    if not made:
        return
    part = dict(made)
    stored = dict(
        session.execute(
            select(LedgerNode.node_id, LedgerNode.hash).where(LedgerNode.node_id.in_(list(part)))
        ).all()
    )
    report["bad_nodes"] += [nid for nid, h in part.items() if bytes(stored.get(nid, b"")) != h]


def verify_store(session: Session, *, public_key: Ed25519PublicKey | None = None) -> dict[str, object]:
    """Recompute the log and compare every record with it. Reports; never changes anything.

    - gaps: missing leaf indexes (a missing page, or a short page that is not the last);
      bad_leaves: stored hash != SHA-256(0x00||data), or every leaf of a page whose lengths or
      offsets were edited; bad_nodes: stored subtree hashes that differ from the recomputation;
      bad_heads: signed heads whose root or signature does not match (or whose size the log no
      longer reaches); bad_index: leaves missing from (or extra in) the record index;
    - changed: records whose row no longer matches the latest logged values (columns named);
    - deleted: records in the log but not in the store (and not erased through the log);
    - unlogged: records in the store that no leaf mentions."""
    from xinyong.records.models import Record

    report: dict[str, list] = {
        k: []
        for k in (
            "gaps",
            "bad_leaves",
            "bad_nodes",
            "bad_heads",
            "bad_index",
            "changed",
            "deleted",
            "unlogged",
        )
    }
    states: dict[str, _Expected] = {}
    size = _verify_tree(session, report, public_key, states)
    columns = [getattr(Record, name) for name in DIGEST_COLUMNS if name != "id"]
    stmt = (
        select(Record.id, Record.batch_id, Record.content_id, *columns)
        .order_by(Record.id)
        .execution_options(yield_per=2000)
    )
    seen: set[str] = set()
    for row in session.execute(stmt).mappings():
        seen.add(str(row["id"]))
        _compare_record(dict(row), states, report)
    report["deleted"] = sorted(
        rid for rid, state in states.items() if rid not in seen and state.last_type != "record.erased"
    )
    ok = not any(report.values())
    return {"ok": ok, "tree_size": size, **report}


def _content_matches_id(row: Mapping[str, object]) -> bool | None:
    """Ingest's content id is the SHA-256 of the record's canonical content: recompute it from the
    row and compare it with the row's content_id (None when the kind is not in the catalogue, so
    the check does not apply)."""
    from xinyong.catalogue.service import load_catalogue
    from xinyong.records.identity import content_id

    spec = load_catalogue().kinds.get(str(row["kind"]))
    if spec is None:
        return None
    try:
        fields = row["fields"] or {}
        return content_id(spec, str(row["source"]), str(row["subject_id"]), fields) == row["content_id"]
    except (TypeError, ValueError, KeyError, AttributeError):
        return False  # a row that no longer parses has certainly been changed


def _compare_record(row: Mapping[str, object], states: dict[str, _Expected], report: dict[str, list]) -> None:
    rid = str(row["id"])
    state = states.get(rid)
    if state is None:
        report["unlogged"].append(rid)
        return
    if state.last_type == "record.erased":
        report["changed"].append({"record_id": rid, "columns": ["(erased in the log)"]})
        return
    actual = _record_state(row)
    diff = [c for c, v in state.columns.items() if _norm(v) != _norm(actual.get(c))]
    # Without a logged digest (ingest's events), the content id is the content commitment; leaves
    # written before records had versions name no content_id: then the record id is it.
    if "digest" not in state.columns:
        if "content_id" not in state.columns and row.get("content_id") != rid:
            diff.append("content_id")
        if _content_matches_id(row) is False:
            diff.append("content (id)")
    if diff:
        report["changed"].append({"record_id": rid, "columns": diff})
