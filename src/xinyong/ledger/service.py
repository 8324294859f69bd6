"""Transparency log operations (透明日志): append events, tree heads, proofs, verification.

Every function takes the caller's SQLAlchemy session and never commits: an append is part of the
caller's transaction, so a batch of records and its leaves land together or not at all.

Leaf serialisation (documented in docs/ledger.md): the event mapping plus an ``at`` timestamp,
as JSON with keys sorted by code point, no whitespace, UTF-8, non-ASCII kept as is, only the
escapes JSON requires; dates and datetimes are ISO 8601 strings, bytes are hex. orjson writes it
(one C call per event: serialisation would otherwise cost more than hashing and inserting).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, insert, literal, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from xinyong.ledger import keys, merkle
from xinyong.ledger.models import LedgerHead, LedgerLeaf, LedgerNode, LedgerRecordKey
from xinyong.settings import Settings, get_settings

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

# Subtrees below this level are not stored: they are recomputed from at most 2**level leaf hashes
# when a proof needs them. Storing every level would add one row per leaf to each append.
NODE_MIN_LEVEL = 4


class LedgerError(ValueError):
    """Bad input to the ledger; the message is in Chinese and English."""


class LedgerNotFound(LedgerError):
    """The asked-for leaf, record or evidence is not in the log."""


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


def canonical_event(event: Mapping[str, object], at: str) -> bytes:
    """The leaf data of one event (see module docstring)."""
    if "at" not in event:
        event = {**event, "at": at}
    return canonical_json(event)


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


def tree_size(session: Session) -> int:
    last = session.execute(select(func.max(LedgerLeaf.leaf_index))).scalar()
    return 0 if last is None else int(last) + 1


def _leaf_range(key: merkle.NodeKey) -> range:
    return range(key.index << key.level, (key.index + 1) << key.level)


def fetch_nodes(session: Session, keys: set[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    """Hashes of perfect subtrees: levels >= NODE_MIN_LEVEL from the nodes table, lower ones
    recomputed from their (at most 2**NODE_MIN_LEVEL) leaf hashes.

    One round trip: two indexed IN queries of O(log n) rows, UNION ALL."""
    out: dict[merkle.NodeKey, bytes] = {}
    low = [k for k in keys if k.level < NODE_MIN_LEVEL]
    inner = {k.node_id: k for k in keys if k.level >= NODE_MIN_LEVEL}
    wanted = sorted({i for k in low for i in _leaf_range(k)})
    parts = []
    if wanted:
        parts.append(select(literal(0).label("stored"), LedgerLeaf.leaf_index.label("id"),
                            LedgerLeaf.leaf_hash.label("hash")).where(LedgerLeaf.leaf_index.in_(wanted)))
    if inner:
        parts.append(select(literal(1).label("stored"), LedgerNode.node_id.label("id"),
                            LedgerNode.hash.label("hash")).where(LedgerNode.node_id.in_(sorted(inner))))
    leaf_hashes: dict[int, bytes] = {}
    if parts:
        for stored, ident, h in session.execute(parts[0] if len(parts) == 1 else union_all(*parts)):
            if stored:
                out[inner[ident]] = bytes(h)
            else:
                leaf_hashes[ident] = bytes(h)
    for k in low:
        hashes = [leaf_hashes.get(i) for i in _leaf_range(k)]
        if None not in hashes:
            out[k] = merkle.root_from_leaf_hashes(hashes)
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
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(
            f"COPY {table} ({cols}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        model = {"ledger_leaves": LedgerLeaf, "ledger_nodes": LedgerNode, "ledger_record_keys": LedgerRecordKey}[
            table
        ]
        conn.execute(insert(model), [dict(zip(columns, row, strict=True)) for row in rows])


def _serialise(
    events: Sequence[Mapping[str, object]], start: int, stamp: str
) -> tuple[list[tuple], list[tuple[int, int]], list[bytes]]:
    """Leaf rows, record-key rows and leaf hashes. The hot loop of a bulk append: locals only."""
    leaf_rows: list[tuple] = []
    key_rows: list[tuple[int, int]] = []
    hashes: list[bytes] = []
    sha, dumps, opts = hashlib.sha256, orjson.dumps, orjson.OPT_SORT_KEYS
    add_leaf, add_key, add_hash = leaf_rows.append, key_rows.append, hashes.append
    index = start
    try:
        for event in events:
            event_type = event.get("type")
            if not isinstance(event_type, str) or not 0 < len(event_type) <= 48:
                raise LedgerError(
                    f"event {index - start}: 'type' must be text of 1–48 characters / "
                    f"第 {index - start} 个事件的 type 字段应为 1–48 个字符"
                )
            data = dumps(event if "at" in event else {**event, "at": stamp}, default=_json_default, option=opts)
            h = sha(b"\x00" + data).digest()
            add_hash(h)
            record_id = event.get("record_id")
            if record_id is not None:
                record_id = str(record_id)
                if len(record_id) > 64:
                    raise LedgerError(
                        f"event {index - start}: record_id longer than 64 characters / "
                        f"第 {index - start} 个事件的 record_id 超过 64 个字符"
                    )
                add_key((record_key(record_id), index))
            add_leaf((index, event_type, record_id, h, data))
            index += 1
    except orjson.JSONEncodeError as exc:
        raise LedgerError(f"event {index - start} cannot be serialised: {exc} / 事件无法序列化") from exc
    return leaf_rows, key_rows, hashes


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
    conn = session.connection()
    _lock_for_append(conn)
    start = tree_size(session)
    leaf_rows, key_rows, hashes = _serialise(events, start, stamp)
    index = start + len(events)
    frontier = _frontier(session, start)
    new_nodes = frontier.append(hashes, min_level=NODE_MIN_LEVEL)
    key_rows.sort()  # B-tree inserts in key order touch each index page once
    _bulk_insert(conn, "ledger_leaves", ("leaf_index", "event_type", "record_id", "leaf_hash", "data"), leaf_rows)
    _bulk_insert(conn, "ledger_record_keys", ("record_key", "leaf_index"), key_rows)
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


# --- tree heads ---------------------------------------------------------------------------------


def root_at(session: Session, size: int) -> bytes:
    """MTH of the first `size` leaves from O(log n) stored nodes."""
    if size == 0:
        return merkle.EMPTY_ROOT
    keys = merkle.root_plan(size)
    return merkle.evaluate([keys], fetch_nodes(session, set(keys)))[0]


def latest_head(session: Session) -> LedgerHead | None:
    return session.execute(select(LedgerHead).order_by(LedgerHead.id.desc()).limit(1)).scalar()


def sign_head(session: Session, *, key: Ed25519PrivateKey, at: dt.datetime | None = None) -> LedgerHead:
    """Sign the current tree (size, root, time) and store the head."""
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


def _check_size(session: Session, size: int, what: str) -> int:
    current = tree_size(session)
    if size > current:
        raise LedgerError(
            f"{what} {size} is larger than the log ({current} leaves) / {what} {size} 大于当前日志大小 {current}"
        )
    return current


def inclusion_proof(session: Session, *, leaf_index: int, tree_size_: int | None = None) -> dict[str, object]:
    """Audit path of a leaf in the tree of `tree_size_` leaves (default: the whole log)."""
    size = tree_size(session) if tree_size_ is None else tree_size_
    _check_size(session, size, "tree_size")
    if leaf_index < 0 or leaf_index >= size:
        raise LedgerError(
            f"leaf_index {leaf_index} is not below tree_size {size} / 叶序号 {leaf_index} 不小于树大小 {size}"
        )
    plan = merkle.inclusion_plan(leaf_index, size)
    root_keys = merkle.root_plan(size)
    nodes = fetch_nodes(session, merkle.plan_keys(plan) | set(root_keys) | {merkle.NodeKey(0, leaf_index)})
    head = head_for_size(session, size)
    return {
        "leaf_index": leaf_index,
        "tree_size": size,
        "leaf_hash": nodes[merkle.NodeKey(0, leaf_index)].hex(),
        "audit_path": [h.hex() for h in merkle.evaluate(plan, nodes)],
        "root_hash": merkle.evaluate([root_keys], nodes)[0].hex(),
        "sth": head_document(head) if head else None,
    }


def consistency_proof(session: Session, *, first: int, second: int) -> dict[str, object]:
    """Proof that the tree of `second` leaves extends the tree of `first` leaves (0 < first <= second)."""
    if first > second:
        raise LedgerError(f"first {first} is larger than second {second} / first {first} 大于 second {second}")
    if first <= 0:
        raise LedgerError(
            "first must be at least 1: a consistency proof from the empty tree is undefined (RFC 9162 "
            "§2.1.4) / first 必须至少为 1：空树的一致性证明无定义"
        )
    _check_size(session, second, "second")
    plan = merkle.consistency_plan(first, second)
    first_keys, second_keys = merkle.root_plan(first), merkle.root_plan(second)
    nodes = fetch_nodes(session, merkle.plan_keys(plan) | set(first_keys) | set(second_keys))
    first_head, second_head = head_for_size(session, first), head_for_size(session, second)
    return {
        "first": first,
        "second": second,
        "first_root": merkle.evaluate([first_keys], nodes)[0].hex(),
        "second_root": merkle.evaluate([second_keys], nodes)[0].hex(),
        "consistency_path": [h.hex() for h in merkle.evaluate(plan, nodes)],
        "first_sth": head_document(first_head) if first_head else None,
        "second_sth": head_document(second_head) if second_head else None,
    }


def publicly_visible(session: Session, event: Mapping[str, object], as_of: dt.date) -> bool:
    """May the public read this event's content? The same disclosure policy as the public card:
    a record's leaf only while the record is publicly disclosed, a subject's only while the subject
    may be shown. The leaf *hash* is always public: proofs never need the content."""
    from xinyong.disclosure.policy import PUBLIC, record_filter, subject_filter
    from xinyong.records.models import Record
    from xinyong.subjects.models import Subject

    if event.get("record_id") is not None:
        found = session.execute(
            select(Record.id).join(Subject, Subject.id == Record.subject_id)
            .where(Record.id == str(event["record_id"]), record_filter(PUBLIC, as_of), subject_filter(PUBLIC))
        ).first()
        return found is not None
    if event.get("subject_id") is not None:
        found = session.execute(
            select(Subject.id).where(Subject.id == str(event["subject_id"]), subject_filter(PUBLIC))
        ).first()
        return found is not None
    return True


def leaf_document(
    session: Session, leaf_index: int, *, public: bool = True, as_of: dt.date | None = None
) -> dict[str, object]:
    """One leaf as an outsider needs it: the exact bytes (hex) and their hash. For the public,
    content that the disclosure policy hides is withheld (`withheld: true`, no data)."""
    leaf = session.get(LedgerLeaf, leaf_index)
    if leaf is None:
        raise LedgerNotFound(
            f"no leaf {leaf_index}; the log has {tree_size(session)} leaves / 叶 {leaf_index} 不存在"
        )
    data = bytes(leaf.data)
    event = json.loads(data)
    shown = not public or publicly_visible(session, event, as_of or dt.date.today())
    return {
        "leaf_index": leaf.leaf_index,
        "event_type": leaf.event_type,
        "record_id": leaf.record_id,
        "leaf_hash": bytes(leaf.leaf_hash).hex(),
        "withheld": not shown,
        "data_hex": data.hex() if shown else None,
        "event": event if shown else None,
    }


def _record_rows(session: Session, record_ids: Sequence[str], *columns) -> list:  # noqa: ANN002
    """(record_id, *columns) of every leaf naming one of these records, oldest first.

    An explicit join from the integer key index (its primary key's leading column) to the leaves'
    primary key, and the exact id compared here: a plan no planner can turn into a scan."""
    wanted = set(record_ids)
    stmt = (
        select(LedgerLeaf.record_id, *columns)
        .join(LedgerRecordKey, LedgerRecordKey.leaf_index == LedgerLeaf.leaf_index)
        .where(LedgerRecordKey.record_key.in_(sorted({record_key(r) for r in wanted})))
        .order_by(LedgerLeaf.leaf_index)
    )
    # Plain columns go through Core (no ORM row processing: verify reads every leaf this way).
    runner = session if any(c is LedgerLeaf for c in columns) else session.connection()
    return [row for row in runner.execute(stmt) if row[0] in wanted]


def record_leaves(session: Session, record_id: str) -> list[LedgerLeaf]:
    return [row[1] for row in _record_rows(session, [record_id], LedgerLeaf)]


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
        for rid, index in _record_rows(session, chunk, LedgerLeaf.leaf_index):
            latest[rid] = max(latest.get(rid, -1), int(index))
    if not latest:
        return {}
    if sign:
        settings = settings or get_settings()
        head = current_head(session, key=keys.load_private_key(settings),
                            interval_seconds=settings.ledger_sth_interval, at=at,
                            min_size=max(latest.values()) + 1)
    else:
        head = latest_head(session)
    size = head.tree_size if head is not None else 0
    sth = head_document(head) if head is not None else None
    plans = {rid: merkle.inclusion_plan(index, size) for rid, index in latest.items() if index < size}
    wanted = merkle.plan_keys(p for plan in plans.values() for p in plan)
    nodes = fetch_nodes(session, wanted | {merkle.NodeKey(0, latest[rid]) for rid in plans})
    out: dict[str, dict[str, object]] = {}
    for rid, index in latest.items():
        entry: dict[str, object] = {"record_id": rid, "leaf_index": index, "pending": rid not in plans,
                                    "leaf_url": f"/api/v1/ledger/leaves/{index}",
                                    "record_url": f"/api/v1/ledger/records/{rid}"}
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

    if session.execute(select(Subject.id).where(Subject.id == subject_id, subject_filter(PUBLIC))).first() is None:
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
            proofs[rid]["label"] = " ".join(x for x in (names.get(kind, kind), occurred and occurred.isoformat()) if x)
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
    "id", "kind", "subject_id", "source", "source_record_id", "occurred_on", "publicity_until",
    "valid_until", "severity", "polarity", "disclosure", "amount", "fields", "original",
)


def record_digest(values: Mapping[str, object]) -> str:
    """SHA-256 (hex) of a record's content columns in canonical JSON; a Record or a mapping."""
    get = values.get if isinstance(values, Mapping) else lambda name: getattr(values, name, None)
    content = {name: get(name) for name in DIGEST_COLUMNS}
    return hashlib.sha256(canonical_json(content)).hexdigest()


def _norm(value: object) -> bytes:
    return canonical_json(value)


def _expected_state(datas: Sequence[bytes]) -> tuple[dict[str, object], str]:
    """Fold a record's events in log order: the latest value of each compared column, last type."""
    expected: dict[str, object] = {}
    last_type = ""
    for data in datas:
        event = json.loads(data)
        last_type = str(event.get("type", ""))
        for column in RECORD_COLUMNS:
            if column in event:
                expected[column] = event[column]
    return expected, last_type


def _record_state(row: Mapping[str, object]) -> dict[str, object]:
    state = {name: row.get(name) for name in RECORD_COLUMNS if name != "digest"}
    state["digest"] = record_digest(row)
    return state


def _leaf_datas(session: Session, record_ids: Sequence[str]) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for rid, data in _record_rows(session, record_ids, LedgerLeaf.data):
        out.setdefault(rid, []).append(bytes(data))
    return out


def _verify_tree(session: Session, report: dict[str, list], public_key: Ed25519PublicKey | None) -> int:
    """Leaf hashes, index gaps, stored nodes and signed heads against a recomputation."""
    heads: dict[int, list[LedgerHead]] = {}
    for head in session.execute(select(LedgerHead)).scalars():
        heads.setdefault(head.tree_size, []).append(head)
    frontier = merkle.Frontier()
    expected = 0

    def check_heads() -> None:
        for head in heads.get(frontier.size, []):
            good_root = bytes(head.root_hash) == frontier.root()
            good_sig = public_key is None or head.key_id != keys.key_id(public_key) or keys.verify_head(
                public_key, head.tree_size, head.timestamp_ms, bytes(head.root_hash), bytes(head.signature)
            )
            if not (good_root and good_sig):
                report["bad_heads"].append({"id": head.id, "tree_size": head.tree_size,
                                            "root_matches": good_root, "signature_valid": good_sig})

    check_heads()
    stmt = select(LedgerLeaf.leaf_index, LedgerLeaf.leaf_hash, LedgerLeaf.data).order_by(LedgerLeaf.leaf_index)
    chunk: list[bytes] = []
    for index, stored_hash, data in session.execute(stmt.execution_options(yield_per=5000)):
        if index != expected:
            report["gaps"].append({"from": expected, "to": index - 1})
            expected = index
        expected += 1
        h = merkle.leaf_hash(bytes(data))
        if h != bytes(stored_hash):
            report["bad_leaves"].append(index)
        chunk.append(h)
        if len(chunk) >= 5000:
            _verify_nodes(session, frontier, chunk, report, check_heads)
            chunk = []
    _verify_nodes(session, frontier, chunk, report, check_heads)
    return expected


def _verify_nodes(session, frontier, hashes, report, check_heads) -> None:  # noqa: ANN001
    made: list[tuple[int, bytes]] = []
    for h in hashes:  # one at a time so every head size is checked exactly when reached
        made += frontier.append([h], min_level=NODE_MIN_LEVEL)
        check_heads()
    for start in range(0, len(made), 5000):
        part = dict(made[start : start + 5000])
        stored = dict(session.execute(
            select(LedgerNode.node_id, LedgerNode.hash).where(LedgerNode.node_id.in_(list(part)))
        ).all())
        report["bad_nodes"] += [nid for nid, h in part.items() if bytes(stored.get(nid, b"")) != h]


def verify_store(session: Session, *, public_key: Ed25519PublicKey | None = None) -> dict[str, object]:
    """Recompute the log and compare every record with it. Reports; never changes anything.

    - gaps: missing leaf indexes; bad_leaves: stored hash != SHA-256(0x00||data);
      bad_nodes: stored subtree hashes that differ from the recomputation; bad_heads: signed heads
      whose root or signature does not match;
    - changed: records whose row no longer matches the latest logged values (columns named);
    - deleted: records in the log but not in the store (and not erased through the log);
    - unlogged: records in the store that no leaf mentions."""
    from xinyong.records.models import Record

    report: dict[str, list] = {k: [] for k in ("gaps", "bad_leaves", "bad_nodes", "bad_heads", "changed",
                                               "deleted", "unlogged")}
    size = _verify_tree(session, report, public_key)
    columns = [getattr(Record, name) for name in DIGEST_COLUMNS if name != "id"]
    stmt = select(Record.id, Record.batch_id, *columns).order_by(Record.id).execution_options(yield_per=2000)
    rows: list[Mapping[str, object]] = []
    for row in session.execute(stmt).mappings():
        rows.append(dict(row))
        if len(rows) >= 2000:
            _compare_records(session, rows, report)
            rows = []
    _compare_records(session, rows, report)
    _find_deleted(session, report)
    ok = not any(report.values())
    return {"ok": ok, "tree_size": size, **report}


def _content_matches_id(row: Mapping[str, object]) -> bool | None:
    """Ingest's record id is the SHA-256 of the record's canonical content: recompute it from the
    row (None when the kind is not in the catalogue, so the check does not apply)."""
    from xinyong.catalogue.service import load_catalogue
    from xinyong.ingest.normalise import content_id

    spec = load_catalogue().kinds.get(str(row["kind"]))
    if spec is None:
        return None
    try:
        fields = row["fields"] or {}
        return content_id(spec, str(row["source"]), str(row["subject_id"]), fields) == row["id"]
    except (TypeError, ValueError, KeyError, AttributeError):
        return False  # a row that no longer parses has certainly been changed


def _compare_records(session: Session, rows: list[Mapping[str, object]], report: dict[str, list]) -> None:
    if not rows:
        return
    logged = _leaf_datas(session, [str(r["id"]) for r in rows])
    for row in rows:
        rid = str(row["id"])
        if rid not in logged:
            report["unlogged"].append(rid)
            continue
        expected, last_type = _expected_state(logged[rid])
        actual = _record_state(row)
        if last_type == "record.erased":
            report["changed"].append({"record_id": rid, "columns": ["(erased in the log)"]})
            continue
        diff = [c for c, v in expected.items() if _norm(v) != _norm(actual.get(c))]
        # Without a logged digest (ingest's events), the id itself is the content commitment.
        if "digest" not in expected and _content_matches_id(row) is False:
            diff.append("content (id)")
        if diff:
            report["changed"].append({"record_id": rid, "columns": diff})


def _find_deleted(session: Session, report: dict[str, list]) -> None:
    from xinyong.records.models import Record

    stmt = select(LedgerLeaf.record_id).where(LedgerLeaf.record_id.is_not(None)).distinct()
    ids = [rid for (rid,) in session.execute(stmt)]
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        present = set(session.execute(select(Record.id).where(Record.id.in_(chunk))).scalars())
        missing = [rid for rid in chunk if rid not in present]
        if not missing:
            continue
        logged = _leaf_datas(session, missing)
        for rid in missing:
            _, last_type = _expected_state(logged[rid])
            if last_type != "record.erased":
                report["deleted"].append(rid)
