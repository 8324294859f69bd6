"""信易贷 matching (docs/financing.md): needs → whitelists (rule + manual review) → pushed to named banks →
bank outcomes; and the per-pilot aggregates the plans count.

Money is integer fen (分), rates integer basis points. Every refusal is an IncentiveError (field, zh,
en, status) raised before anything is written. A bank user sees only subjects pushed to its bank; a
subject not pushed, or a non-public record without the subject's live authorisation, answers exactly
like a subject that does not exist (404).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.accounts.service import log_access, utcnow
from xinyong.books import service as books
from xinyong.disclosure.policy import PUBLIC, Viewer, present_record, present_subject, record_filter
from xinyong.financing.models import (
    Bank,
    BankUser,
    DataAuthorisation,
    Need,
    Outcome,
    Push,
    Whitelist,
    WhitelistEntry,
)
from xinyong.incentives import facts as facts_mod
from xinyong.incentives.errors import IncentiveError
from xinyong.incentives.scenarios import MAP_FACT, ScenarioError, compile_expression
from xinyong.incentives.service import names_personal_score
from xinyong.numbers import whole_number
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

MAX_FEN = 10**14  # 1 万亿元: above it an amount is a typo
EVENTS = {
    "contacted": ("已对接", "contacted"),
    "approved": ("已授信", "approved"),
    "rejected": ("已拒绝", "rejected"),
}
SLUG = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


def _err(field: str, zh: str, en: str, status: int = 422) -> IncentiveError:
    return IncentiveError(field, zh, en, status)


def parse_fen(value: Any, field: str = "amount_fen") -> int:
    """An amount in integer fen. Accepts int, or a decimal string/Decimal *of yuan* via parse_yuan;
    refuses negatives, zero, floats, booleans and fractions of a fen."""
    whole = whole_number(value)
    if whole is None:
        shown = repr(value)[:40]
        raise _err(
            field, f"金额必须是整数（分）：{shown}", f"amount must be an integer number of fen: {shown}"
        )
    value = whole
    if value <= 0:
        raise _err(field, f"金额必须为正数：{value}", f"amount must be positive: {value}")
    if value > MAX_FEN:
        raise _err(field, f"金额过大：{value}", f"amount too large: {value}")
    return value


def parse_yuan(text: str, field: str = "amount") -> int:
    """'1500000.50' (yuan) → fen, exactly: `books.parse_yuan` (Decimal, never float; the platform's one
    parser of typed yuan), then this domain's ceiling MAX_FEN. Raises IncentiveError naming `field`, with
    the yuan typed in the message: not a number, zero or negative, a fraction of a fen (more than two
    decimals that are not zeros), more than MAX_FEN."""
    try:
        fen = books.parse_yuan(text, field)
    except books.AmountError as exc:
        raise _err(field, exc.zh, exc.en) from None
    if fen > MAX_FEN:
        raise _err(field, f"金额过大：{text} 元", f"amount too large: {text} yuan")
    return fen


# --------------------------------------------------------------------------- banks


def register_bank(
    session: Session, *, bank_id: str, name: str, usernames: list[str] = (), now: dt.datetime | None = None
) -> Bank:
    """Create (or extend) a named bank and bind `bank` logins to it (idempotent)."""
    if not SLUG.match(bank_id or ""):
        raise _err("bank_id", "银行编号须为小写字母、数字、下划线", "bank_id must be lower_snake_case")
    bank = session.get(Bank, bank_id)
    if bank is None:
        bank = Bank(id=bank_id, name=name, created_at=now or utcnow())
        session.add(bank)
        session.flush()
    for username in usernames:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or user.role != "bank":
            raise _err("username", f"{username} 不是金融机构账户", f"{username} is not a bank login", 404)
        if session.get(BankUser, user.id) is None:
            session.add(BankUser(user_id=user.id, bank_id=bank_id))
    session.flush()
    return bank


def bank_of(session: Session, viewer: Viewer) -> str | None:
    """The bank a `bank` login belongs to, or None."""
    if viewer.role != "bank" or not viewer.user_id or not str(viewer.user_id).isdigit():
        return None
    link = session.get(BankUser, int(viewer.user_id))
    return link.bank_id if link else None


def bank_name(session: Session, bank_id: str | None) -> str | None:
    """The bank's name (交通银行天津分行) for headings, or None for no or an unknown bank."""
    bank = session.get(Bank, bank_id) if bank_id else None
    return bank.name if bank is not None else None


def _bank(session: Session, bank_id: str) -> Bank:
    bank = session.get(Bank, bank_id)
    if bank is None:
        raise _err("bank_id", f"未知银行 {bank_id}", f"unknown bank {bank_id}", 404)
    return bank


# --------------------------------------------------------------------------- needs


def declare_need(
    session: Session,
    *,
    subject_id: str,
    amount_fen: Any,
    term_months: Any,
    purpose: str,
    actor: str,
    idempotency_key: str,
    collective: bool = False,
    now: dt.datetime | None = None,
) -> Need:
    """A subject's financing need (amount in fen, term in months 1..360, purpose). Same key → same row."""
    amount = parse_fen(amount_fen)
    if isinstance(term_months, bool) or not isinstance(term_months, int) or not 1 <= term_months <= 360:
        raise _err(
            "term_months",
            f"期限须为1–360个月的整数：{term_months!r}",
            f"term must be 1..360 months: {term_months!r}",
        )
    purpose = (purpose or "").strip()
    if not purpose or len(purpose) > 500:
        raise _err("purpose", "用途必填且不超过500字", "purpose is required (≤ 500 characters)")
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise _err("idempotency_key", "幂等键必填", "idempotency_key is required")
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise _err("subject_id", f"主体 {subject_id} 不存在", f"no subject {subject_id}", 404)
    if collective and subject.kind != "village":
        raise _err(
            "collective", "集体授信需求只能由村（社区）提出", "a collective need is declared by a village"
        )
    prior = session.scalar(select(Need).where(Need.idempotency_key == key))
    if prior is not None:
        if prior.subject_id != subject_id:
            raise _err(
                "idempotency_key", "该幂等键已用于另一主体", "idempotency_key used for another subject", 409
            )
        return prior
    need = Need(
        subject_id=subject_id,
        district_code=subject.district_code,
        pilot=subject.pilot,
        amount_fen=amount,
        term_months=term_months,
        purpose=purpose,
        collective=collective,
        declared_by=(actor or "")[:100] or "unknown",
        declared_at=now or utcnow(),
        idempotency_key=key,
    )
    session.add(need)
    session.flush()
    return need


def subject_needs(session: Session, *, subject_id: str) -> list[dict[str, Any]]:
    """The subject's own needs, newest first, each with every bank's outcome state and history
    (outcome_state), for the subject's console page."""
    needs = session.scalars(select(Need).where(Need.subject_id == subject_id).order_by(Need.id.desc())).all()
    rows = (
        session.scalars(
            select(Outcome).where(Outcome.need_id.in_([n.id for n in needs])).order_by(Outcome.id)
        ).all()
        if needs
        else []
    )
    by: dict[int, dict[str, list[Outcome]]] = {}
    for o in rows:
        by.setdefault(o.need_id, {}).setdefault(o.bank_id, []).append(o)
    names = dict(session.execute(select(Bank.id, Bank.name)).all())
    return [
        {
            **need_dict(n),
            "outcomes": [
                {**outcome_state(outs), "bank_name": names.get(bank, bank)}
                for bank, outs in sorted(by.get(n.id, {}).items())
            ],
        }
        for n in needs
    ]


def need_dict(n: Need) -> dict[str, Any]:
    return {
        "id": n.id,
        "subject_id": n.subject_id,
        "district": n.district_code,
        "pilot": n.pilot,
        "amount_fen": n.amount_fen,
        "term_months": n.term_months,
        "purpose": n.purpose,
        "collective": n.collective,
        "declared_at": n.declared_at.isoformat(),
    }


# --------------------------------------------------------------------------- whitelists


def create_whitelist(
    session: Session,
    *,
    whitelist_id: str,
    name: str,
    rule: str,
    as_of: dt.date,
    actor: Viewer,
    district_code: str | None = None,
    pilot: str | None = None,
    parent_id: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[Whitelist, list[str]]:
    """Build a whitelist: every subject with an open need in the district/pilot (or, for a 信用村, every
    member of the village) for which `rule` holds as of the date is *proposed*; officers then approve or
    reject each (`review`). Returns the whitelist and the proposed subject ids. A rule that does not
    compile, an unknown id or a district outside the officer's scope: error, nothing written."""
    if not SLUG.match(whitelist_id or ""):
        raise _err(
            "whitelist_id", "白名单编号须为小写字母、数字、下划线", "whitelist_id must be lower_snake_case"
        )
    if session.get(Whitelist, whitelist_id) is not None:
        raise _err("whitelist_id", f"白名单 {whitelist_id} 已存在", f"whitelist {whitelist_id} exists", 409)
    try:
        compile_expression(rule)
    except ScenarioError as exc:
        raise _err("rule", exc.zh, exc.en) from None
    if names_personal_score(rule):  # a yes/no per person would tell officers and banks the score's range
        raise _err(
            "rule",
            "个人信用积分仅本人或获授权者可见，不能作为白名单规则条件",
            "the individual credit score is seen only by the person or a grant holder: a whitelist rule may not use it",
        )
    if actor.role == "district_officer":
        if district_code is None:
            district_code = actor.district_code
        if district_code != actor.district_code:
            raise _err("district_code", "只能为本区建立白名单", "only your own district", 403)
    elif actor.role != "city_admin":
        raise _err("role", "无权建立白名单", "may not build whitelists", 403)
    if parent_id:
        village = session.get(Subject, parent_id)
        if village is None or (district_code and village.district_code != district_code):
            raise _err("parent_id", f"主体 {parent_id} 不存在", f"no subject {parent_id}", 404)
        candidates = list(
            session.scalars(select(Subject.id).where(Subject.parent_id == parent_id).order_by(Subject.id))
        )
    else:
        q = select(Need.subject_id).where(Need.withdrawn_at.is_(None)).distinct()
        if district_code:
            q = q.where(Need.district_code == district_code)
        if pilot:
            q = q.where(Need.pilot == pilot)
        candidates = sorted(session.scalars(q))
    models = {m.group(2) for m in MAP_FACT.finditer(rule)}
    program = compile_expression(rule)
    now = now or utcnow()
    wl = Whitelist(
        id=whitelist_id,
        name=(name or whitelist_id)[:200],
        district_code=district_code,
        pilot=pilot,
        parent_id=parent_id,
        rule=rule,
        as_of=as_of,
        created_by=actor.label[:100],
        created_at=now,
    )
    session.add(wl)
    session.flush()
    proposed = []
    for sid in candidates:
        f = facts_mod.subject_facts(session, subject_id=sid, as_of=as_of, models=models)
        if facts_mod.excluded_from_benefits(session, subject_id=sid, as_of=as_of, facts=f):
            continue
        if program.execute(f):
            proposed.append(sid)
            session.add(
                WhitelistEntry(
                    whitelist_id=whitelist_id, subject_id=sid, decision="proposed", actor="rule", at=now
                )
            )
    session.flush()
    return wl, proposed


def _whitelist(session: Session, whitelist_id: str, actor: Viewer) -> Whitelist:
    wl = session.get(Whitelist, whitelist_id)
    if wl is None or (actor.role == "district_officer" and wl.district_code != actor.district_code):
        raise _err("whitelist_id", f"白名单 {whitelist_id} 不存在", f"no whitelist {whitelist_id}", 404)
    if actor.role not in ("city_admin", "district_officer"):
        raise _err("whitelist_id", f"白名单 {whitelist_id} 不存在", f"no whitelist {whitelist_id}", 404)
    return wl


def entries(session: Session, whitelist_id: str) -> dict[str, str]:
    """subject → latest decision (proposed | approved | rejected)."""
    rows = session.execute(
        select(WhitelistEntry.subject_id, WhitelistEntry.decision)
        .where(WhitelistEntry.whitelist_id == whitelist_id)
        .order_by(WhitelistEntry.id)
    )
    out: dict[str, str] = {}
    for sid, decision in rows:
        out[sid] = decision
    return out


def review(
    session: Session,
    *,
    whitelist_id: str,
    subject_id: str,
    approve: bool,
    actor: Viewer,
    note: str = "",
    now: dt.datetime | None = None,
) -> str:
    """人工审核: approve or reject a proposed (or manually added) subject. Appends a decision row."""
    _whitelist(session, whitelist_id, actor)
    current = entries(session, whitelist_id)
    if subject_id not in current:
        if session.get(Subject, subject_id) is None:
            raise _err("subject_id", f"主体 {subject_id} 不存在", f"no subject {subject_id}", 404)
        if not (note or "").strip():
            raise _err(
                "note", "人工加入白名单须写明理由", "adding a subject the rule did not propose needs a note"
            )
    decision = "approved" if approve else "rejected"
    session.add(
        WhitelistEntry(
            whitelist_id=whitelist_id,
            subject_id=subject_id,
            decision=decision,
            actor=actor.label[:100],
            note=(note or "")[:500],
            at=now or utcnow(),
        )
    )
    session.flush()
    return decision


def push(
    session: Session, *, whitelist_id: str, bank_id: str, actor: Viewer, now: dt.datetime | None = None
) -> list[str]:
    """Push every approved subject of the whitelist to the bank (already pushed ones are skipped).
    Returns the subject ids newly pushed."""
    _whitelist(session, whitelist_id, actor)
    _bank(session, bank_id)
    approved = [s for s, d in entries(session, whitelist_id).items() if d == "approved"]
    if not approved:
        raise _err("whitelist_id", "白名单中没有已审核通过的主体", "no approved subject on the whitelist")
    done = set(
        session.scalars(
            select(Push.subject_id).where(Push.whitelist_id == whitelist_id, Push.bank_id == bank_id)
        )
    )
    now = now or utcnow()
    new = [s for s in approved if s not in done]
    for sid in new:
        session.add(
            Push(
                whitelist_id=whitelist_id,
                bank_id=bank_id,
                subject_id=sid,
                pushed_by=actor.label[:100],
                pushed_at=now,
            )
        )
    session.flush()
    return new


# --------------------------------------------------------------------------- authorisations


def authorise_bank(
    session: Session,
    *,
    subject_id: str,
    bank_id: str,
    purpose: str,
    days: int,
    actor: Viewer,
    now: dt.datetime | None = None,
) -> DataAuthorisation:
    """The subject lets the bank see its authorised-level records for `days` (1..366)."""
    if not (actor.role == "subject" and actor.subject_id == subject_id) and not (
        actor.role == "city_admin" and actor.user_id == "cli"
    ):
        raise _err("subject_id", "只有主体本人可以授权", "only the subject may authorise", 403)
    _bank(session, bank_id)
    if not (purpose or "").strip():
        raise _err("purpose", "授权必须写明用途", "an authorisation needs a purpose")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise _err("days", "授权期限须为1–366天", "days must be 1..366")
    now = now or utcnow()
    auth = DataAuthorisation(
        subject_id=subject_id,
        bank_id=bank_id,
        purpose=purpose.strip()[:200],
        granted_by=actor.label[:100],
        granted_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    session.add(auth)
    session.flush()
    return auth


def live_authorisation(
    session: Session, *, subject_id: str, bank_id: str, now: dt.datetime | None = None
) -> DataAuthorisation | None:
    now = now or utcnow()
    return session.scalars(
        select(DataAuthorisation)
        .where(
            DataAuthorisation.subject_id == subject_id,
            DataAuthorisation.bank_id == bank_id,
            DataAuthorisation.revoked_at.is_(None),
            DataAuthorisation.granted_at <= now,
            DataAuthorisation.expires_at > now,
        )
        .limit(1)
    ).first()


# --------------------------------------------------------------------------- the bank's view


def _pushed(session: Session, bank_id: str, subject_id: str) -> bool:
    return (
        session.scalar(select(Push.id).where(Push.bank_id == bank_id, Push.subject_id == subject_id).limit(1))
        is not None
    )


def bank_subjects(session: Session, *, viewer: Viewer) -> list[dict[str, Any]]:
    """The bank workbench list: subjects pushed to the viewer's bank, with their open needs and the
    bank's latest outcome per need. Anyone else: an empty list."""
    bank_id = bank_of(session, viewer)
    if bank_id is None:
        return []
    ids = sorted(set(session.scalars(select(Push.subject_id).where(Push.bank_id == bank_id))))
    out = []
    for sid in ids:
        subject = session.get(Subject, sid)
        needs = session.scalars(
            select(Need).where(Need.subject_id == sid, Need.withdrawn_at.is_(None)).order_by(Need.id)
        ).all()
        out.append(
            {
                **present_subject(viewer, subject),
                "needs": [
                    {**need_dict(n), "outcome": _latest_outcome(session, n.id, bank_id)} for n in needs
                ],
                "authorised": live_authorisation(session, subject_id=sid, bank_id=bank_id) is not None,
            }
        )
    return out


def bank_subject_view(
    session: Session,
    *,
    viewer: Viewer,
    subject_id: str,
    as_of: dt.date,
    purpose: str = "信易贷授信审查",
    surface: str = "api",
) -> dict[str, Any]:
    """One pushed subject as the bank may see it: identity (masked), needs, public records, and the
    authorised-level records only under the subject's live authorisation. Not pushed → 404 as unknown.
    Logged in the access log."""
    bank_id = bank_of(session, viewer)
    subject = session.get(Subject, subject_id)
    if bank_id is None or subject is None or not _pushed(session, bank_id, subject_id):
        raise _err("subject_id", f"主体不存在 {subject_id}", f"subject not found: {subject_id}", 404)
    auth = live_authorisation(session, subject_id=subject_id, bank_id=bank_id)
    who = viewer if auth else PUBLIC
    records = session.scalars(
        select(Record)
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.subject_id == subject_id, record_filter(who, as_of))
        .order_by(Record.occurred_on.desc(), Record.id)
    ).all()
    log_access(
        session,
        viewer=viewer,
        subject_id=subject_id,
        purpose=auth.purpose if auth else purpose,
        surface=surface,
        detail={"what": "financing", "authorised": auth is not None, "as_of": as_of.isoformat()},
    )
    needs = session.scalars(select(Need).where(Need.subject_id == subject_id).order_by(Need.id)).all()
    return {
        "subject": present_subject(viewer, subject),
        "authorised": auth is not None,
        "needs": [{**need_dict(n), "outcome": _latest_outcome(session, n.id, bank_id)} for n in needs],
        "records": [record_line(present_record(viewer, r, subject)) for r in records],
    }


DISCLOSURE_ZH = {"public": "社会公开", "authorised": "授权查询", "government": "政务共享"}


def record_line(shown: dict[str, Any]) -> dict[str, Any]:
    """A presented (already masked) record with what a bank reads first: the kind's Chinese name
    (catalogue), a headline and up to two more of its descriptive fields (text/enum fields that are
    not the subject's identity and not personal), and the disclosure level in Chinese."""
    from xinyong.archive.service import kind_spec
    from xinyong.console.labels import field_value

    spec = kind_spec(shown["kind"])
    fields = shown.get("fields") or {}
    texts: list[str] = []
    if spec is not None:
        skip = spec.subject_field_names
        for f in spec.fields:
            if f.name in skip or f.type not in ("string", "enum") or f.personal:
                continue
            if fields.get(f.name) not in (None, ""):
                texts.append(str(field_value(shown["kind"], f.name, fields[f.name])))
            if len(texts) == 3:
                break
    kind_zh = spec.name_zh if spec is not None else shown["kind"]
    return {
        **shown,
        "kind_zh": kind_zh,
        "headline": texts[0] if texts else kind_zh,
        "detail": "；".join(texts[1:3]),
        "disclosure_zh": DISCLOSURE_ZH.get(shown.get("disclosure") or "", shown.get("disclosure")),
    }


def _latest_outcome(session: Session, need_id: int, bank_id: str) -> dict[str, Any] | None:
    """The need's state at this bank with its whole history (oldest first, never overwritten): the
    latest decision (approved / rejected) if there is one — a later "contacted" (a follow-up call) does
    not undo an approval — else the latest contact; None when nothing was recorded. The same rule as
    pilot_figures' granted amounts."""
    rows = session.scalars(
        select(Outcome).where(Outcome.need_id == need_id, Outcome.bank_id == bank_id).order_by(Outcome.id)
    ).all()
    return outcome_state(rows)


def outcome_state(rows: list[Outcome]) -> dict[str, Any] | None:
    """{**the meaningful outcome, "history": [every outcome, oldest first]} of one need at one bank."""
    if not rows:
        return None
    decisions = [o for o in rows if o.event != "contacted"]
    state = decisions[-1] if decisions else rows[-1]
    return {**outcome_dict(state), "history": [outcome_dict(o) for o in rows]}


def outcome_dict(o: Outcome) -> dict[str, Any]:
    return {
        "id": o.id,
        "need_id": o.need_id,
        "bank_id": o.bank_id,
        "event": o.event,
        "event_zh": EVENTS[o.event][0],
        "amount_fen": o.amount_fen,
        "rate_bp": o.rate_bp,
        "reason": o.reason,
        "actor": o.actor,
        "at": o.at.isoformat(),
    }


def record_outcome(
    session: Session,
    *,
    viewer: Viewer,
    need_id: Any,
    event: str,
    idempotency_key: str,
    amount_fen: Any = None,
    rate_bp: Any = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Outcome:
    """A bank records contact, approval (amount in fen ≤ … , rate in bp 1..10000) or rejection (reason).
    A need that does not exist, or whose subject was not pushed to the bank: 404 as unknown."""
    bank_id = bank_of(session, viewer)
    need = session.get(Need, need_id) if isinstance(need_id, int) and not isinstance(need_id, bool) else None
    if bank_id is None or need is None or not _pushed(session, bank_id, need.subject_id):
        raise _err("need_id", f"融资需求 {need_id} 不存在", f"no financing need {need_id}", 404)
    if event not in EVENTS:
        raise _err("event", f"未知结果 {event}（contacted/approved/rejected）", f"unknown event {event}")
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise _err("idempotency_key", "幂等键必填", "idempotency_key is required")
    amount = rate = None
    if event == "approved":
        amount = parse_fen(amount_fen)
        if isinstance(rate_bp, bool) or not isinstance(rate_bp, int) or not 1 <= rate_bp <= 10000:
            raise _err(
                "rate_bp",
                f"利率须为1–10000个基点的整数：{rate_bp!r}",
                f"rate must be 1..10000 basis points: {rate_bp!r}",
            )
        rate = rate_bp
    elif amount_fen is not None or rate_bp is not None:
        raise _err("amount_fen", "只有授信结果才有金额和利率", "only an approval has an amount and a rate")
    if event == "rejected" and not (reason or "").strip():
        raise _err("reason", "拒绝必须写明原因", "a rejection needs a reason")
    prior = session.scalar(select(Outcome).where(Outcome.idempotency_key == key))
    if prior is not None:
        if prior.need_id != need.id or prior.bank_id != bank_id:
            raise _err(
                "idempotency_key", "该幂等键已用于另一结果", "idempotency_key used for another outcome", 409
            )
        return prior
    o = Outcome(
        need_id=need.id,
        bank_id=bank_id,
        event=event,
        amount_fen=amount,
        rate_bp=rate,
        reason=(reason or "").strip()[:500],
        actor=viewer.label[:100],
        at=now or utcnow(),
        idempotency_key=key,
    )
    session.add(o)
    session.flush()
    return o


# --------------------------------------------------------------------------- aggregates


def pilot_figures(
    session: Session, *, district_code: str | None = None, pilot: str | None = None
) -> dict[str, Any]:
    """Per pilot (or district): needs declared (registrations: distinct subjects), needs contacted and
    coverage (needs with any bank outcome / needs), loans (approved needs), granted amount (fen; the
    latest approval per need and bank), whitelist size (distinct approved subjects)."""
    nq = select(Need).where(Need.withdrawn_at.is_(None))
    if district_code:
        nq = nq.where(Need.district_code == district_code)
    if pilot:
        nq = nq.where(Need.pilot == pilot)
    needs = session.scalars(nq).all()
    need_ids = [n.id for n in needs]
    outcomes = (
        session.scalars(select(Outcome).where(Outcome.need_id.in_(need_ids)).order_by(Outcome.id)).all()
        if need_ids
        else []
    )
    latest: dict[tuple[int, str], Outcome] = {}
    for o in outcomes:
        if o.event != "contacted":
            latest[(o.need_id, o.bank_id)] = o
    contacted = {o.need_id for o in outcomes}
    granted = [o for o in latest.values() if o.event == "approved"]
    whitelisted: set[str] = set()
    for wid in session.scalars(select(Whitelist.id)):
        whitelisted |= {sid for sid, d in entries(session, wid).items() if d == "approved"}
    if whitelisted and (district_code or pilot):  # count the pilot's / district's own subjects
        sq = select(Subject.id).where(Subject.id.in_(whitelisted))
        if district_code:
            sq = sq.where(Subject.district_code == district_code)
        if pilot:
            sq = sq.where(Subject.pilot == pilot)
        whitelisted = set(session.scalars(sq))
    pushed = (
        session.scalar(
            select(func.count(func.distinct(Push.subject_id))).where(Push.subject_id.in_(whitelisted))
        )
        if whitelisted
        else 0
    )
    return {
        "district": district_code,
        "pilot": pilot,
        "needs": len(needs),
        "registrations": len({n.subject_id for n in needs}),
        "needs_contacted": len(contacted),
        "coverage": (len(contacted) / len(needs)) if needs else None,
        "loans": len({o.need_id for o in granted}),
        "borrowers": len({n.subject_id for n in needs if n.id in {o.need_id for o in granted}}),
        "granted_fen": sum(o.amount_fen or 0 for o in granted),
        "whitelist_size": len(whitelisted),
        "pushed": int(pushed or 0),
    }
