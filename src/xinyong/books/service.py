"""The books' one write path: `post_many` / `post` (balanced, idempotent, floor-checked), `reverse`,
`open_account`, balance reads, `check` (re-derive everything) and `run` (transaction with retry).

Guarantees (tests/books): a transaction's postings sum to zero per unit; a debit never leaves an
account below its floor; the same idempotency key with the same content returns the first result
(`Posted.replayed`), with other content raises `ConflictError` and writes nothing; postings are
never updated or deleted. Concurrency: PostgreSQL locks the balance rows in account-id order
(`SELECT … FOR UPDATE`); SQLite serialises writers and `bulk.lock_balances` takes the write lock (a
no-op write) before reading; lock timeouts and unique-key races are retried by `run`. Batching: a
`post_many` call costs a fixed handful of statements (accounts, locks, keys, ids, one insert of
transactions, one of postings, one balance update), whatever its size; the SQL and the store
differences live in `bulk.py`, retry classification in `_retryable`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from json.encoder import encode_basestring as _encode_str
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from xinyong.books import bulk
from xinyong.books.models import UNITS, BookAccount, BookBalance, BookPosting, BookTransaction
from xinyong.numbers import whole_number
from xinyong.store.db import session_scope

T = TypeVar("T")


class BooksError(Exception):
    """A refused write: `code`, `zh`, `en`, and the offending `field` (nothing was written)."""

    code = "books_error"

    def __init__(self, zh: str, en: str, field: str | None = None) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.field = zh, en, field

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "zh": self.zh, "en": self.en, "field": self.field}


class AmountError(BooksError):
    code = "amount"


class UnbalancedError(BooksError):
    code = "unbalanced"


class UnknownAccountError(BooksError):
    code = "unknown_account"


class BelowFloorError(BooksError):
    code = "below_floor"


class ConflictError(BooksError):
    code = "idempotency_conflict"


@dataclass(frozen=True)
class PostRequest:
    """A write request: `legs` are (account code, signed integer amount) pairs."""

    idempotency_key: str
    legs: tuple[tuple[str, int], ...]
    kind: str
    actor: str
    memo: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    effective_on: dt.datetime | None = None
    reverses_id: int | None = None

    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of kind, sorted legs, memo, meta and `reverses_id`
        (`canonical_json`); a replay with the legs in another order has the same hash."""
        return hashlib.sha256(canonical_json(self).encode()).hexdigest()


def canonical_json(req: PostRequest) -> str:
    """The text `json.dumps({kind, legs (sorted [code, amount] pairs), memo, meta, reverses},
    sort_keys=True, ensure_ascii=False, default=str)` hashed for idempotency, built directly for the
    common shapes (text codes, int amounts, dict meta): the same text at a fraction of the cost.
    tests/books/test_books_hash.py checks it against json.dumps."""
    kind, memo, meta, rev = req.kind, req.memo, req.meta, req.reverses_id
    legs = req.legs
    if type(kind) is str and type(memo) is str and type(meta) is dict and (rev is None or type(rev) is int):
        enc = _encode_str
        pairs = None
        if len(legs) == 2 and type(legs[0]) is tuple and type(legs[1]) is tuple:  # the usual transfer
            if len(legs[0]) == 2 and len(legs[1]) == 2:
                (c1, a1), (c2, a2) = sorted(legs)
                if type(c1) is str and type(c2) is str and type(a1) is int and type(a2) is int:
                    pairs = f"[{enc(c1)}, {a1}], [{enc(c2)}, {a2}]"
        elif all(
            type(leg) is tuple and len(leg) == 2 and type(leg[0]) is str and type(leg[1]) is int
            for leg in legs
        ):
            pairs = ", ".join(f"[{enc(c)}, {a}]" for c, a in sorted(legs))
        if pairs is not None:
            meta_text = json.dumps(meta, sort_keys=True, ensure_ascii=False, default=str) if meta else "{}"
            return (
                f'{{"kind": {enc(kind)}, "legs": [{pairs}], "memo": {enc(memo)}, '
                f'"meta": {meta_text}, "reverses": {"null" if rev is None else rev}}}'
            )
    body = {
        "kind": kind,
        "legs": sorted([c, a] for c, a in legs),
        "memo": memo,
        "meta": meta,
        "reverses": rev,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Posted:
    transaction_id: int
    idempotency_key: str
    replayed: bool


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def check_amount(value: object, field_name: str = "amount", *, positive: bool = True) -> int:
    """An integer amount, or text of one (`xinyong.numbers.whole_number`: full-width digits too); bool,
    float, Decimal and text with a fraction are refused (AmountError naming `field_name`); > 0 if
    `positive`; |amount| < 2**62."""
    whole = whole_number(value)
    if whole is None:
        shown = repr(value)[:40]  # thousands of digits stay out of the message
        raise AmountError(
            f"金额必须是整数（积分或分），收到 {shown}",
            f"amount must be a whole number (points or fen), got {shown}",
            field_name,
        )
    value = whole
    if positive and value <= 0:
        raise AmountError(
            f"金额必须大于 0，收到 {value}", f"amount must be greater than 0, got {value}", field_name
        )
    if abs(value) >= 2**62:
        raise AmountError("金额过大", "amount too large", field_name)
    return value


def yuan_text(fen: int) -> str:
    """Integer fen as yuan with two decimals, exactly (integer arithmetic, never float), the way every
    page and message shows money: 150000005 → '1500000.05', 7 → '0.07', -250 → '-2.50'. The inverse of
    `parse_yuan` for positive amounts."""
    whole, part = divmod(abs(int(fen)), 100)
    return f"{'-' if fen < 0 else ''}{whole}.{part:02d}"


def parse_yuan(text: str, field_name: str = "amount") -> int:
    """Yuan as people type them ('12.34') → integer fen, exactly (Decimal, never float). Refused
    (AmountError, the typed text in the message): not a number, zero or negative, a fraction of a fen
    (more than two decimals that are not zeros), too large."""
    try:
        d = Decimal(str(text).strip())
    except InvalidOperation:
        d = None
    if d is None or not d.is_finite():
        raise AmountError(f"金额格式错误：{text!r}", f"malformed amount: {text!r}", field_name)
    if d <= 0:
        raise AmountError(
            f"金额必须大于 0：{text} 元", f"amount must be greater than 0: {text} yuan", field_name
        )
    if d >= Decimal(2**62) / 100:  # before `* 100` and int(): '1e999999' overflows or builds a huge int
        raise AmountError(f"金额过大：{text} 元", f"amount too large: {text} yuan", field_name)
    fen = d * 100
    if fen != fen.to_integral_value():
        raise AmountError(
            f"金额不能有不足 1 分的部分：{text} 元",
            f"amount has a fraction of a fen: {text} yuan",
            field_name,
        )
    return check_amount(int(fen), field_name)


# ----------------------------------------------------------------------------------- dialect corner


def _retryable(exc: BaseException) -> bool:
    """A concurrent writer got there first: retrying the whole transaction is safe."""
    if isinstance(exc, IntegrityError):
        return "idempotency_key" in str(exc.orig)
    if isinstance(exc, OperationalError | DBAPIError):
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        text = str(getattr(exc, "orig", exc)).lower()
        return code in {"40001", "40P01"} or "database is locked" in text or "busy" in text
    return False


def run(engine: Engine, fn: Callable[[Session], T], *, attempts: int = 20) -> T:
    """Run `fn(session)` in one transaction, retried from the start when a concurrent writer
    conflicted (`_retryable`). BooksError and other errors propagate after a rollback."""
    for attempt in range(attempts):
        try:
            with session_scope(engine) as session:
                return fn(session)
        except (IntegrityError, OperationalError, DBAPIError) as exc:
            if attempt == attempts - 1 or not _retryable(exc):
                raise
    raise AssertionError("unreachable")


# ----------------------------------------------------------------------------------- accounts


def open_account(
    session: Session,
    *,
    code: str,
    unit: str,
    domain: str,
    floor: int | None = 0,
    subject_id: str | None = None,
    district_code: str | None = None,
    name: str = "",
    now: dt.datetime | None = None,
) -> BookAccount:
    """Create the account `code` (or return it when it exists with the same unit). Floors are integers
    in the unit; None means no floor (issuing/funding accounts)."""
    if unit not in UNITS:
        raise BooksError(f"未知单位 {unit!r}", f"unknown unit {unit!r}; one of {sorted(UNITS)}", "unit")
    if floor is not None:
        check_amount(floor, "floor", positive=False)
    existing = session.scalar(select(BookAccount).where(BookAccount.code == code))
    if existing is not None:
        if existing.unit != unit:
            raise ConflictError(
                f"账户 {code} 已存在，单位为 {existing.unit}",
                f"account {code} exists with unit {existing.unit}",
                "unit",
            )
        return existing
    acct = BookAccount(
        code=code,
        unit=unit,
        floor=floor,
        domain=domain,
        subject_id=subject_id,
        district_code=district_code,
        name=name,
        created_at=now or _now(),
    )
    session.add(acct)
    session.flush()
    session.add(BookBalance(account_id=acct.id, balance=0, postings=0))
    session.flush()
    return acct


def set_floor(session: Session, code: str, floor: int | None) -> None:
    """Change an account's floor (a credit line's size). Postings are untouched."""
    if floor is not None:
        check_amount(floor, "floor", positive=False)
    session.execute(update(BookAccount).where(BookAccount.code == code).values(floor=floor))


def balance(session: Session, code: str) -> int:
    """The checkpointed balance of account `code` (one indexed lookup). UnknownAccountError if absent."""
    row = session.execute(
        select(BookBalance.balance)
        .join(BookAccount, BookAccount.id == BookBalance.account_id)
        .where(BookAccount.code == code)
    ).first()
    if row is None:
        raise UnknownAccountError(f"账户不存在：{code}", f"no such account: {code}", "account")
    return int(row[0])


def balances(session: Session, codes: Sequence[str]) -> dict[str, int]:
    rows = session.execute(
        select(BookAccount.code, BookBalance.balance)
        .join(BookBalance, BookAccount.id == BookBalance.account_id)
        .where(BookAccount.code.in_(list(codes)))
    ).all()
    return {c: int(b) for c, b in rows}


# ----------------------------------------------------------------------------------- writes


def post(session: Session, request: PostRequest, *, now: dt.datetime | None = None) -> Posted:
    """Apply one request (see `post_many`); raises its BooksError when refused."""
    result = post_many(session, [request], now=now)[0]
    if isinstance(result, BooksError):
        raise result
    return result


class _Account(NamedTuple):
    id: int
    code: str
    unit: str
    floor: int | None


_MAX = 2**62


def _plainly_valid(req: PostRequest, accounts: dict[str, _Account]) -> bool:
    """The common case of `_validate`, checked cheaply: a key of 1–200 chars, ≥ 2 legs on distinct known
    accounts, int amounts 0 < |a| < 2**62, zero sum per unit. False means: let `_validate` decide."""
    key, legs = req.idempotency_key, req.legs
    if type(key) is not str or not 0 < len(key) <= 200 or len(legs) < 2:
        return False
    if len(legs) == 2:  # the usual transfer: one unit, opposite amounts
        (c1, a1), (c2, a2) = legs
        x, y = accounts.get(c1), accounts.get(c2)
        return (
            x is not None
            and y is not None
            and c1 != c2
            and type(a1) is int
            and type(a2) is int
            and a1 == -a2
            and 0 < abs(a1) < _MAX
            and x.unit == y.unit
        )
    per_unit: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    for code, amount in legs:
        acct = accounts.get(code) if type(code) is str else None
        if acct is None or code in seen or type(amount) is not int or not 0 < abs(amount) < _MAX:
            return False
        seen.add(code)
        per_unit[acct.unit] += amount
    return not any(per_unit.values())


def _validate(req: PostRequest, accounts: dict[str, Any]) -> None:
    if not req.idempotency_key or len(req.idempotency_key) > 200:
        raise BooksError("缺少幂等键（1–200 字符）", "an idempotency key (1-200 chars) is required", "key")
    if len(req.legs) < 2:
        raise UnbalancedError("一笔交易至少两条分录", "a transaction needs at least two postings", "legs")
    seen: set[str] = set()
    per_unit: dict[str, int] = defaultdict(int)
    for code, amount in req.legs:
        check_amount(amount, "amount", positive=False)
        if amount == 0:
            raise AmountError("分录金额不能为 0", "a posting amount cannot be 0", "amount")
        if code in seen:
            raise BooksError(f"账户 {code} 重复出现", f"account {code} appears twice", "legs")
        seen.add(code)
        acct = accounts.get(code)
        if acct is None:
            raise UnknownAccountError(f"账户不存在：{code}", f"no such account: {code}", "account")
        per_unit[acct.unit] += amount
    bad = {u: s for u, s in per_unit.items() if s != 0}
    if bad:
        raise UnbalancedError(f"借贷不平衡：{bad}", f"postings do not sum to zero per unit: {bad}", "legs")


def post_many(
    session: Session, requests: Sequence[PostRequest], *, now: dt.datetime | None = None
) -> list[Posted | BooksError]:
    """Apply `requests` in order inside the caller's transaction; one result per request.

    A result is `Posted` (new, or `replayed=True` for a known key with the same content) or the
    `BooksError` that refused it (nothing of that request written): AmountError (not a non-zero
    integer), UnbalancedError, UnknownAccountError, BelowFloorError (a debit would leave an account
    under its floor), ConflictError (known key, other content). Requests are checked against the
    balances left by the earlier requests of the batch."""
    now = now or _now()
    conn, pg = bulk.connection(session)
    with bulk.batch_cache(conn, pg, len(requests)):
        return _post_many(conn, pg, requests, now)


def _post_many(
    conn: Connection, pg: bool, requests: Sequence[PostRequest], now: dt.datetime
) -> list[Posted | BooksError]:
    """`post_many` on the session's connection: a fixed handful of statements per batch (bulk.py)."""
    codes = sorted({c for r in requests for c, _ in r.legs if isinstance(c, str)})
    accounts: dict[str, Any] = {a[1]: _Account(*a) for a in bulk.find_accounts(conn, pg, codes)}
    # Lock first, then look the keys up: a parallel retry of the same request that committed while we
    # waited for the lock is then seen as a replay (not refused against the balance it already used).
    running = bulk.lock_balances(conn, pg, (a.id for a in accounts.values()))
    known = bulk.known_keys(conn, pg, sorted({r.idempotency_key for r in requests if r.idempotency_key}))

    results: list[Posted | BooksError | None] = []
    new_txns: list[tuple[int, PostRequest, str]] = []  # (result index, request, hash)
    pending: dict[str, str] = {}  # key -> content hash, for keys first written by this batch
    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for req in requests:
        try:
            h = req.content_hash()
            key = req.idempotency_key
            first = known[key][1] if key in known else pending.get(key)
            if first is not None:
                if first != h:
                    raise ConflictError(
                        f"幂等键 {key} 已用于不同的内容，未重复记账",
                        f"idempotency key {key} was used with different content; nothing posted",
                        "idempotency_key",
                    )
                results.append(("replay", key))  # type: ignore[arg-type]
                continue
            if not _plainly_valid(req, accounts):
                _validate(req, accounts)  # raises the precise error
            legs = [(accounts[code], amount) for code, amount in req.legs]
            for acct, amount in legs:
                if amount < 0 and acct.floor is not None and running[acct.id] + amount < acct.floor:
                    raise BelowFloorError(
                        f"账户 {acct.code} 余额不足：余额 {running[acct.id]}，需 {-amount}，下限 {acct.floor}",
                        f"insufficient balance in {acct.code}: balance {running[acct.id]}, "
                        f"needs {-amount}, floor {acct.floor}",
                        "amount",
                    )
            for acct, amount in legs:
                running[acct.id] += amount
                d = deltas[acct.id]
                d[0] += amount
                d[1] += 1
            pending[key] = h
            new_txns.append((len(results), req, h))
            results.append(None)
        except BooksError as exc:
            results.append(exc)

    ids: dict[str, int] = {}
    if new_txns:
        tids = bulk.next_transaction_ids(conn, pg, len(new_txns))
        for tid, (_, r, _h) in zip(tids, new_txns, strict=True):
            ids[r.idempotency_key] = tid
        stamp = bulk.datetime_param(conn, pg)
        recorded = stamp(now)
        # rows are streamed (generators), so a batch's rows never pile up as long-lived objects
        bulk.insert_transactions(
            conn,
            pg,
            (
                (
                    tid,
                    r.idempotency_key,
                    h,
                    r.kind,
                    r.memo,
                    r.actor,
                    recorded if r.effective_on is None else stamp(r.effective_on),
                    recorded,
                    r.reverses_id,
                    json.dumps(r.meta) if r.meta else "{}",
                )
                for tid, (_, r, h) in zip(tids, new_txns, strict=True)
            ),
        )
        bulk.insert_postings(
            conn,
            pg,
            (
                (tid, accounts[c].id, a)
                for tid, (_, r, _h) in zip(tids, new_txns, strict=True)
                for c, a in r.legs
            ),
        )
        bulk.add_to_balances(conn, pg, deltas)
    out: list[Posted | BooksError | None] = []
    for res in results:
        if isinstance(res, tuple):
            key = res[1]
            out.append(Posted(known[key][0] if key in known else ids[key], key, True))
        else:
            out.append(res)
    for idx, req, _h in new_txns:
        out[idx] = Posted(ids[req.idempotency_key], req.idempotency_key, False)
    return out  # type: ignore[return-value]


def transaction_legs(session: Session, transaction_id: int) -> list[tuple[str, int]]:
    rows = session.execute(
        select(BookAccount.code, BookPosting.amount)
        .join(BookAccount, BookAccount.id == BookPosting.account_id)
        .where(BookPosting.transaction_id == transaction_id)
        .order_by(BookPosting.id)
    ).all()
    return [(c, int(a)) for c, a in rows]


def reverse(
    session: Session,
    *,
    transaction_id: int,
    idempotency_key: str,
    actor: str,
    reason: str,
    now: dt.datetime | None = None,
) -> Posted:
    """Cancel a transaction with a new one of opposite postings (冲正). A transaction is reversed at
    most once; the reversal is floor-checked like any write (spent points cannot be taken back)."""
    original = session.get(BookTransaction, transaction_id)
    if original is None:
        raise BooksError(
            f"交易 {transaction_id} 不存在", f"no transaction {transaction_id}", "transaction_id"
        )
    done = session.scalar(select(BookTransaction).where(BookTransaction.reverses_id == transaction_id))
    if done is not None and done.idempotency_key != idempotency_key:
        raise ConflictError(
            f"交易 {transaction_id} 已冲正（交易 {done.id}）",
            f"transaction {transaction_id} was already reversed (transaction {done.id})",
            "transaction_id",
        )
    legs = tuple((c, -a) for c, a in transaction_legs(session, transaction_id))
    return post(
        session,
        PostRequest(
            idempotency_key=idempotency_key,
            legs=legs,
            kind="reversal",
            actor=actor,
            memo=reason[:500],
            meta={"reverses": transaction_id, "kind": original.kind},
            reverses_id=transaction_id,
        ),
        now=now,
    )


# ----------------------------------------------------------------------------------- check


def check(session: Session) -> dict[str, int]:
    """Re-derive every balance from the postings: counts of transactions, of transactions whose
    postings do not sum to zero per unit, of accounts below their floor (derived balance), and of
    accounts whose checkpoint differs from the derived balance or posting count."""
    transactions = session.scalar(select(func.count()).select_from(BookTransaction)) or 0
    per_unit = (
        select(BookPosting.transaction_id, BookAccount.unit, func.sum(BookPosting.amount).label("s"))
        .join(BookAccount, BookAccount.id == BookPosting.account_id)
        .group_by(BookPosting.transaction_id, BookAccount.unit)
        .subquery()
    )
    unbalanced = session.scalar(
        select(func.count(func.distinct(per_unit.c.transaction_id))).where(per_unit.c.s != 0)
    )
    derived = (
        select(
            BookPosting.account_id,
            func.sum(BookPosting.amount).label("s"),
            func.count().label("n"),
        )
        .group_by(BookPosting.account_id)
        .subquery()
    )
    rows = session.execute(
        select(BookAccount.floor, BookBalance.balance, BookBalance.postings, derived.c.s, derived.c.n)
        .join(BookBalance, BookBalance.account_id == BookAccount.id)
        .outerjoin(derived, derived.c.account_id == BookAccount.id)
    ).all()
    below = mismatched = 0
    for floor, bal, n, s, cnt in rows:
        s, cnt = int(s or 0), int(cnt or 0)
        if floor is not None and s < floor:
            below += 1
        if s != bal or cnt != n:
            mismatched += 1
    return {
        "transactions": int(transactions),
        "unbalanced": int(unbalanced or 0),
        "below_floor": below,
        "mismatched_balances": mismatched,
    }
