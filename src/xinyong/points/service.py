"""宝坻 village points (党建引领信用积分): enrol villages, claims with evidence, committee decisions,
the 积分超市 (stock-kept catalogue), monthly rankings and district counts.

Accounts in the books (unit points unless said):

| account | floor | meaning |
|---|---|---|
| `points:issue:<village>` | none | points the village has awarded (goes negative) |
| `points:villager:<subject>` | 0 | a villager's points |
| `points:shop:<village>` | none | points spent at the village's 积分超市 |
| `points:stock:<village>:<sku>` (items) | 0 | goods on the shelf |
| `points:goods:<village>` (items) | none | goods delivered in (restock, negative) and out (redeemed) |

A redemption is ONE transaction: villager −cost×qty, shop +cost×qty, stock −qty, goods +qty, so the
points and the stock move together or not at all, and neither goes below 0.
Rules: the scheme YAML (schemes/). Errors are PointsError / BooksError with zh, en and field.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from xinyong.books import service as books
from xinyong.books.models import BookAccount, BookPosting, BookTransaction
from xinyong.books.service import BooksError, PostRequest, check_amount
from xinyong.disclosure.masking import mask_value
from xinyong.points.models import PointsClaim, PointsCommitteeMember, PointsDecision, PointsVillage
from xinyong.points.schemas import PointsScheme
from xinyong.subjects.models import Subject

SCHEMES = Path(__file__).with_name("schemes")
DEFAULT_SCHEME = "baodi_party_led"
AWARD, REDEEM, RESTOCK = "points.award", "points.redeem", "points.restock"


class PointsError(BooksError):
    code = "points"


class QuantityError(PointsError, books.AmountError):
    """A quantity that is not a whole number of items above 0 (worded for goods, not money)."""

    code = "quantity"


def load_scheme(scheme_id: str) -> dict[str, Any]:
    """The scheme `schemes/<scheme_id>.yaml` as a dict, validated by `schemas.PointsScheme` after
    `extends:` has merged its items and goods (by id/sku) over the parent's.

    Raises PointsError (field "scheme") naming the file, the field path and the reason: a missing file,
    bad YAML, an invalid field, a duplicate id, an `extends` cycle. Validated once per version of the
    files (their modification times are the cache key); every call returns its own copy."""
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in SCHEMES.glob("*.yaml")))
    return copy.deepcopy(_validated(str(SCHEMES), scheme_id, stamp))


@functools.lru_cache(maxsize=64)
def _validated(directory: str, scheme_id: str, _stamp: tuple) -> dict[str, Any]:
    return check_scheme(_merged(Path(directory), scheme_id, ()), f"{scheme_id}.yaml")


def check_scheme(data: dict[str, Any], name: str) -> dict[str, Any]:
    """`data` (one merged scheme) validated, as a plain dict; PointsError names `name` and the field."""
    try:
        return PointsScheme.model_validate(data).model_dump(exclude_none=True)
    except ValidationError as exc:
        problems = [(".".join(map(str, e["loc"])) or "(top)", e["msg"]) for e in exc.errors()]
        raise PointsError(
            f"积分方案 {name} 无效：" + "；".join(f"{loc}：{msg}" for loc, msg in problems),
            f"invalid points scheme {name}: " + "; ".join(f"{loc}: {msg}" for loc, msg in problems),
            "scheme",
        ) from None


def read_scheme_file(path: Path) -> dict[str, Any]:
    """One scheme file as written (YAML mapping), before `extends:` is merged."""
    name = path.name
    if not path.is_file():
        raise PointsError(f"积分方案不存在：{path.stem}", f"no points scheme {path.stem}", "scheme")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PointsError(
            f"积分方案 {name} YAML 语法错误：{exc}", f"{name}: YAML syntax error: {exc}", "scheme"
        ) from None
    if not isinstance(data, dict):
        raise PointsError(f"积分方案 {name} 应为映射", f"{name}: a scheme must be a mapping", "scheme")
    for key, id_key in (("items", "id"), ("catalogue", "sku")):
        rows = data.get(key) or []
        keys = [r.get(id_key) for r in rows if isinstance(r, dict)]
        twice = sorted({str(k) for k in keys if keys.count(k) > 1})
        if twice:  # the merge below would keep the last silently
            raise PointsError(
                f"积分方案 {name} 的 {key} 中编号重复：{', '.join(twice)}",
                f"{name}: duplicate ids in {key}: {', '.join(twice)}",
                "scheme",
            )
    return data


def _merged(directory: Path, scheme_id: str, seen: tuple[str, ...]) -> dict[str, Any]:
    if scheme_id in seen:
        chain = " → ".join((*seen, scheme_id))
        raise PointsError(
            f"积分方案继承成环：{chain}", f"points schemes extend in a cycle: {chain}", "scheme"
        )
    data = read_scheme_file(directory / f"{scheme_id}.yaml")
    parent = data.get("extends")
    if not parent:
        return data
    return _merge(_merged(directory, str(parent), (*seen, scheme_id)), data)


def _merge(base: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """`data` over its parent `base`: its items and goods replace or join the parent's by id/sku."""
    data = dict(data)
    for key in ("items", "catalogue"):
        merged = {x.get("id") or x.get("sku"): x for x in base.get(key, [])}
        merged |= {x.get("id") or x.get("sku"): x for x in data.get(key, []) if isinstance(x, dict)}
        data[key] = list(merged.values())
    return base | data


def check_scheme_file(path: Path) -> dict[str, Any]:
    """A scheme file as `load_scheme` would take it (for `xinyong points check` before the file is put
    in schemes/): its `extends:` is resolved in schemes/. Raises PointsError as `load_scheme` does."""
    data = read_scheme_file(path)
    if data.get("extends"):
        data = _merge(_merged(SCHEMES, str(data["extends"]), (path.stem,)), data)
    return check_scheme(data, path.name)


def scheme_for(session: Session, village_id: str) -> dict[str, Any]:
    row = session.get(PointsVillage, village_id)
    if row is None:
        raise PointsError("该村未实施信用积分制", "this village is not on a points scheme", "village")
    own = SCHEMES / f"{village_id}.yaml"
    return load_scheme(village_id if own.exists() else row.scheme_id)


def _item(scheme: dict, item_id: str) -> dict:
    for item in scheme["items"]:
        if item["id"] == item_id:
            return item
    raise PointsError(f"积分事项不存在：{item_id}", f"no such item in the scheme: {item_id}", "item")


def _goods(scheme: dict, sku: str) -> dict:
    for g in scheme["catalogue"]:
        if g["sku"] == sku:
            return g
    raise PointsError(f"积分超市无此商品：{sku}", f"no such goods in the catalogue: {sku}", "sku")


def villager_code(subject_id: str) -> str:
    return f"points:villager:{subject_id}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ----------------------------------------------------------------------------------- set-up


def enrol_village(
    session: Session, *, village_id: str, joined_on: dt.date, scheme_id: str = DEFAULT_SCHEME
) -> PointsVillage:
    """Put a village on the scheme (idempotent) and open its accounts."""
    village = session.get(Subject, village_id)
    if village is None or village.kind != "village":
        raise PointsError("只有村（社区）可以实施积分制", "only a village can run the scheme", "village")
    row = session.get(PointsVillage, village_id)
    if row is None:
        row = PointsVillage(
            village_id=village_id,
            scheme_id=scheme_id,
            district_code=village.district_code,
            joined_on=joined_on,
        )
        session.add(row)
        session.flush()
    scheme = scheme_for(session, village_id)
    d = village.district_code
    books.open_account(
        session,
        code=f"points:issue:{village_id}",
        unit="points",
        domain="points",
        floor=None,
        subject_id=village_id,
        district_code=d,
    )
    books.open_account(
        session,
        code=f"points:shop:{village_id}",
        unit="points",
        domain="points",
        floor=None,
        subject_id=village_id,
        district_code=d,
    )
    books.open_account(
        session,
        code=f"points:goods:{village_id}",
        unit="items",
        domain="points",
        floor=None,
        subject_id=village_id,
        district_code=d,
    )
    for g in scheme["catalogue"]:
        books.open_account(
            session,
            code=f"points:stock:{village_id}:{g['sku']}",
            unit="items",
            domain="points",
            floor=0,
            subject_id=village_id,
            district_code=d,
            name=g["name_zh"],
        )
    return row


def mark_exemplary(session: Session, *, village_id: str, on: dt.date) -> None:
    """Record a village as 先进典型 (exemplary) from `on`."""
    row = session.get(PointsVillage, village_id)
    if row is None:
        raise PointsError("该村未实施信用积分制", "this village is not on a points scheme", "village")
    if row.exemplary_on is None:
        row.exemplary_on = on


def add_committee_member(session: Session, *, village_id: str, username: str, name: str, on: dt.date) -> None:
    if session.get(PointsVillage, village_id) is None:
        raise PointsError("该村未实施信用积分制", "this village is not on a points scheme", "village")
    exists = session.scalar(
        select(PointsCommitteeMember.id).where(
            PointsCommitteeMember.village_id == village_id, PointsCommitteeMember.username == username
        )
    )
    if exists is None:
        session.add(PointsCommitteeMember(village_id=village_id, username=username, name=name, added_on=on))
        session.flush()


def committee_villages(session: Session, username: str | None) -> list[str]:
    """The villages whose committee `username` sits on."""
    if not username:
        return []
    return list(
        session.scalars(
            select(PointsCommitteeMember.village_id)
            .where(PointsCommitteeMember.username == username)
            .order_by(PointsCommitteeMember.village_id)
        )
    )


def _require_committee(session: Session, village_id: str, username: str | None) -> None:
    if village_id not in committee_villages(session, username):
        raise PointsError(
            f"{username or '匿名'} 不是本村村委会成员，无权审批或兑换",
            f"{username or 'anonymous'} is not on this village's committee and may not approve or redeem",
            "actor",
        )


def _villager(session: Session, villager_id: str) -> Subject:
    person = session.get(Subject, villager_id)
    if person is None or person.kind != "person" or person.parent_id is None:
        raise PointsError("村民不存在或未登记所属村", "unknown villager or no village on record", "villager")
    return person


# ----------------------------------------------------------------------------------- claims


def claim(
    session: Session,
    *,
    villager_id: str,
    item_id: str,
    evidence: dict[str, str],
    claimed_on: dt.date,
    idempotency_key: str,
    submitted_by: str,
    now: dt.datetime | None = None,
) -> PointsClaim:
    """A claim for a scheme item with the evidence the item requires (every listed key non-empty).
    The same key returns the first claim; with other content it is a ConflictError."""
    person = _villager(session, villager_id)
    scheme = scheme_for(session, person.parent_id)
    item = _item(scheme, item_id)
    missing = [k for k in item.get("evidence", []) if not str((evidence or {}).get(k, "")).strip()]
    if missing:
        raise PointsError(
            f"缺少证明材料：{item.get('evidence_zh', '')}（{', '.join(missing)}）",
            f"evidence missing: {', '.join(missing)}",
            "evidence",
        )
    found = session.scalar(select(PointsClaim).where(PointsClaim.idempotency_key == idempotency_key))
    if found is not None:
        if (found.villager_id, found.item_id, found.evidence, found.claimed_on) != (
            villager_id,
            item_id,
            dict(evidence),
            claimed_on,
        ):
            raise books.ConflictError(
                f"幂等键 {idempotency_key} 已用于另一项申报",
                f"key {idempotency_key} was used for another claim",
                "idempotency_key",
            )
        return found
    row = PointsClaim(
        idempotency_key=idempotency_key,
        village_id=person.parent_id,
        villager_id=villager_id,
        item_id=item_id,
        points=int(item["points"]),
        evidence=dict(evidence),
        claimed_on=claimed_on,
        submitted_by=submitted_by,
        created_at=now or _now(),
    )
    session.add(row)
    session.flush()
    return row


def decide(
    session: Session,
    *,
    claim_id: int,
    actor: str,
    approve: bool,
    decided_on: dt.date,
    reason: str = "",
    now: dt.datetime | None = None,
) -> PointsDecision:
    """The committee decides a claim once. Refused: actor not on that village's committee; claim
    already decided otherwise; a deduction the villager's balance cannot cover. Approval moves the
    points (issue → villager, or villager → issue for a deduction) in the same transaction."""
    row = session.get(PointsClaim, claim_id)
    if row is None:
        raise PointsError(f"申报 {claim_id} 不存在", f"no claim {claim_id}", "claim_id")
    _require_committee(session, row.village_id, actor)
    decision = "approved" if approve else "rejected"
    done = session.scalar(select(PointsDecision).where(PointsDecision.claim_id == claim_id))
    if done is not None:
        if done.decision == decision:
            return done
        raise PointsError(
            f"申报 {claim_id} 已{'批准' if done.decision == 'approved' else '驳回'}",
            f"claim {claim_id} was already {done.decision}",
            "claim_id",
        )
    tid = None
    if approve:
        person = session.get(Subject, row.villager_id)
        books.open_account(
            session,
            code=villager_code(row.villager_id),
            unit="points",
            domain="points",
            floor=0,
            subject_id=row.villager_id,
            district_code=person.district_code if person else None,
        )
        issue = f"points:issue:{row.village_id}"
        legs = ((issue, -row.points), (villager_code(row.villager_id), row.points))
        posted = books.post(
            session,
            PostRequest(
                idempotency_key=f"points:claim:{claim_id}",
                legs=legs,
                kind=AWARD,
                actor=actor,
                memo=row.item_id,
                meta={"claim": claim_id, "item": row.item_id, "village": row.village_id},
                effective_on=dt.datetime.combine(decided_on, dt.time()),
            ),
            now=now,
        )
        tid = posted.transaction_id
    out = PointsDecision(
        claim_id=claim_id,
        decision=decision,
        actor=actor,
        reason=reason[:500],
        decided_on=decided_on,
        transaction_id=tid,
        recorded_at=now or _now(),
    )
    session.add(out)
    session.flush()
    return out


def pending_claims(
    session: Session, village_ids: list[str], *, villager_id: str | None = None
) -> list[PointsClaim]:
    """Claims not yet decided in these villages (only one villager's when `villager_id` is given)."""
    decided = select(PointsDecision.claim_id)
    q = select(PointsClaim).where(PointsClaim.village_id.in_(village_ids), PointsClaim.id.not_in(decided))
    if villager_id is not None:
        q = q.where(PointsClaim.villager_id == villager_id)
    return list(session.scalars(q.order_by(PointsClaim.id)))


# ----------------------------------------------------------------------------------- 积分超市


def restock(
    session: Session,
    *,
    village_id: str,
    sku: str,
    quantity: object,
    actor: str,
    idempotency_key: str,
    on: dt.date,
    now: dt.datetime | None = None,
) -> books.Posted:
    """Goods delivered to the village shop (committee member)."""
    qty = check_amount(quantity, "quantity")
    _require_committee(session, village_id, actor)
    _goods(scheme_for(session, village_id), sku)
    return books.post(
        session,
        PostRequest(
            idempotency_key=f"points:restock:{village_id}:{idempotency_key}",
            legs=((f"points:goods:{village_id}", -qty), (f"points:stock:{village_id}:{sku}", qty)),
            kind=RESTOCK,
            actor=actor,
            meta={"sku": sku, "quantity": qty},
            effective_on=dt.datetime.combine(on, dt.time()),
        ),
        now=now,
    )


def redeem(
    session: Session,
    *,
    villager_id: str,
    sku: str,
    quantity: object,
    actor: str,
    idempotency_key: str,
    on: dt.date,
    now: dt.datetime | None = None,
) -> books.Posted:
    """Exchange points for goods at the counter (committee member). Refused with nothing changed:
    quantity not a positive integer, goods not in the catalogue, not enough points
    (BelowFloorError on the villager), not enough stock (BelowFloorError on the stock)."""
    try:
        qty = check_amount(quantity, "quantity")
    except books.AmountError as exc:
        raise QuantityError(
            f"数量必须是大于 0 的整数（件），收到 {quantity!r}",
            f"quantity must be a whole number of items greater than 0, got {quantity!r}",
            "quantity",
        ) from exc
    person = _villager(session, villager_id)
    village = person.parent_id
    _require_committee(session, village, actor)
    goods = _goods(scheme_for(session, village), sku)
    cost = int(goods["cost"]) * qty
    books.open_account(
        session,
        code=villager_code(villager_id),
        unit="points",
        domain="points",
        floor=0,
        subject_id=villager_id,
        district_code=person.district_code,
    )
    try:
        return books.post(
            session,
            PostRequest(
                idempotency_key=f"points:redeem:{village}:{idempotency_key}",
                legs=(
                    (villager_code(villager_id), -cost),
                    (f"points:shop:{village}", cost),
                    (f"points:stock:{village}:{sku}", -qty),
                    (f"points:goods:{village}", qty),
                ),
                kind=REDEEM,
                actor=actor,
                memo=sku,
                meta={"sku": sku, "quantity": qty, "cost": cost},
                effective_on=dt.datetime.combine(on, dt.time()),
            ),
            now=now,
        )
    except books.BelowFloorError as exc:
        if ":stock:" in exc.zh:
            raise PointsError(
                f"{goods['name_zh']} 库存不足", f"not enough {goods['name_en']} in stock", "quantity"
            ) from exc
        raise PointsError(f"积分不足：需 {cost} 分", f"not enough points: {cost} needed", "quantity") from exc


# ----------------------------------------------------------------------------------- reads


def history(session: Session, villager_id: str) -> dict[str, Any]:
    """A villager's balance and movements, newest first: [{on, kind, item, points, transaction}]."""
    code = villager_code(villager_id)
    try:
        bal = books.balance(session, code)
    except books.UnknownAccountError:
        return {"balance": 0, "movements": []}
    rows = session.execute(
        select(
            BookTransaction.id,
            BookTransaction.effective_on,
            BookTransaction.kind,
            BookTransaction.memo,
            BookPosting.amount,
        )
        .join(BookPosting, BookPosting.transaction_id == BookTransaction.id)
        .join(BookAccount, BookAccount.id == BookPosting.account_id)
        .where(BookAccount.code == code)
        .order_by(BookTransaction.effective_on.desc(), BookTransaction.id.desc())
    ).all()
    return {
        "balance": bal,
        "movements": [
            {"transaction": t, "on": on.date(), "kind": k, "item": memo, "points": int(a)}
            for t, on, k, memo, a in rows
        ],
    }


@dataclass(frozen=True)
class RankRow:
    rank: int
    name: str  # masked as on public cards
    points: int


def monthly_ranking(session: Session, *, village_id: str, month: str) -> list[RankRow]:
    """Villagers of `village_id` by net points awarded in `month` (YYYY-MM; awards minus deductions,
    redemptions do not count), names masked; equal points share a rank (1, 1, 3)."""
    y, m = (int(p) for p in month.split("-"))
    start = dt.datetime(y, m, 1)
    end = dt.datetime(y + (m == 12), m % 12 + 1, 1)
    rows = session.execute(
        _village_awards(select(Subject.name, func.sum(BookPosting.amount)), village_id=village_id, end=end)
        .where(BookTransaction.effective_on >= start)
        .group_by(Subject.id, Subject.name)
    ).all()
    ordered = sorted(((int(p), n) for n, p in rows), key=lambda x: (-x[0], x[1]))
    out: list[RankRow] = []
    for i, (pts, name) in enumerate(ordered):
        rank = out[-1].rank if out and out[-1].points == pts else i + 1
        out.append(RankRow(rank, mask_value("legal_rep", name), pts))  # masked as on public cards
    return out


def latest_ranking_month(session: Session, *, village_id: str, until: str) -> str | None:
    """The latest month (YYYY-MM) not after `until` in which villagers of `village_id` were awarded or
    deducted points — the newest month `monthly_ranking` has rows for — or None when there is none."""
    y, m = (int(p) for p in until.split("-"))
    end = dt.datetime(y + (m == 12), m % 12 + 1, 1)
    last = session.scalar(
        _village_awards(select(func.max(BookTransaction.effective_on)), village_id=village_id, end=end)
    )
    return None if last is None else last.strftime("%Y-%m")


def _village_awards(stmt: Select, *, village_id: str, end: dt.datetime) -> Select:
    """`stmt` over the postings of awards, deductions and their reversals to the villagers of
    `village_id` effective before `end`: what the monthly ranking counts."""
    return (
        stmt.select_from(BookPosting)
        .join(BookTransaction, BookTransaction.id == BookPosting.transaction_id)
        .join(BookAccount, BookAccount.id == BookPosting.account_id)
        .join(Subject, Subject.id == BookAccount.subject_id)
        .where(
            Subject.parent_id == village_id,
            BookAccount.code.like("points:villager:%"),
            BookTransaction.kind.in_([AWARD, "reversal"]),
            BookTransaction.effective_on < end,
        )
    )


def district_counts(session: Session, *, district_code: str | None) -> dict[str, int]:
    """Villages on the scheme, exemplary villages, villagers with points, points awarded and spent,
    claims pending."""
    vq = select(PointsVillage)
    if district_code:
        vq = vq.where(PointsVillage.district_code == district_code)
    villages = session.scalars(vq).all()
    ids = [v.village_id for v in villages]

    def total(kind: str, prefix: str) -> int:
        if not ids:
            return 0
        return int(
            session.scalar(
                select(func.coalesce(func.sum(BookPosting.amount), 0))
                .join(BookTransaction, BookTransaction.id == BookPosting.transaction_id)
                .join(BookAccount, BookAccount.id == BookPosting.account_id)
                .where(
                    BookTransaction.kind == kind,
                    BookAccount.code.like(prefix),
                    BookAccount.subject_id.in_(ids),
                )
            )
            or 0
        )

    villagers = 0
    if ids:
        villagers = int(
            session.scalar(
                select(func.count())
                .select_from(BookAccount)
                .join(Subject, Subject.id == BookAccount.subject_id)
                .where(BookAccount.code.like("points:villager:%"), Subject.parent_id.in_(ids))
            )
            or 0
        )
    return {
        "villages_on_scheme": len(villages),
        "exemplary_villages": sum(v.exemplary_on is not None for v in villages),
        "villagers_with_points": villagers,
        "points_awarded": -total(AWARD, "points:issue:%"),
        "points_redeemed": total(REDEEM, "points:shop:%"),
        "claims_pending": len(pending_claims(session, ids)) if ids else 0,
    }


# ----------------------------------------------------------------------------------- archive


def sync_archive(engine, *, village_id: str | None = None, now: dt.datetime | None = None) -> int:  # noqa: ANN001
    """Points events into the subjects' archives as `points_event` records (through
    `xinyong.ingest.service.ingest_rows`, source 宝坻区信用积分平台): one record per award, deduction
    or redemption, keyed `JF-<transaction id>`, so re-running adds nothing. Returns rows accepted."""
    from xinyong.ingest.service import ingest_rows
    from xinyong.store.db import session_scope

    with session_scope(engine) as session:
        q = (
            select(
                BookTransaction.id,
                BookTransaction.kind,
                BookTransaction.effective_on,
                BookTransaction.memo,
                BookPosting.amount,
                Subject.name,
                Subject.id_number,
                Subject.parent_id,
            )
            .join(BookPosting, BookPosting.transaction_id == BookTransaction.id)
            .join(BookAccount, BookAccount.id == BookPosting.account_id)
            .join(Subject, Subject.id == BookAccount.subject_id)
            .where(BookAccount.code.like("points:villager:%"), BookTransaction.kind.in_([AWARD, REDEEM]))
            .order_by(BookTransaction.id)
        )
        if village_id:
            q = q.where(Subject.parent_id == village_id)
        rows = session.execute(q).all()
        village_names = (
            dict(
                session.execute(
                    select(Subject.id, Subject.name).where(Subject.id.in_({r.parent_id for r in rows}))
                ).all()
            )
            if rows
            else {}
        )
    if not rows:
        return 0
    out = [
        {
            "subject_name": r.name,
            "subject_kind": "person",
            "id_number": r.id_number,
            "event_no": f"JF-{r.id}",
            "scheme": "党建引领信用积分",
            "points": str(int(r.amount)),
            "category": "兑换" if r.kind == REDEEM else ("扣分" if r.amount < 0 else "加分"),
            "reason": r.memo,
            "event_date": r.effective_on.date().isoformat(),
            "recorded_by": village_names.get(r.parent_id, ""),
        }
        for r in rows
        if r.id_number
    ]
    result = ingest_rows(
        engine=engine,
        rows=out,
        source="宝坻区信用积分平台",
        kind="points_event",
        submitted_by="points",
        now=now,
    )
    return result.accepted
