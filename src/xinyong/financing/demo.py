"""Demo activity of 信易贷 (DEMO_STEPS): banks, needs of the financing pilots, whitelists built by a rule and
approved, pushed to the banks, and the banks' outcomes — enough to meet the seed's figures (西青 ≥ 30 firms and
≥ 30 M CNY, 北辰 ≥ 20 and ≥ 10 M CNY, 河北 100 % contacted, 蓟州 信用村). Idempotent (keys, existing ids)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from xinyong.accounts.models import User
from xinyong.accounts.service import DEMO_PASSWORD, create_user, viewer_for
from xinyong.disclosure.policy import OPERATOR
from xinyong.financing import service as fin
from xinyong.financing.models import Whitelist
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

# pilot → (district, bank, needs, amount per need in fen, approved share)
PLANS = {
    "xiqing_industrial_chains": ("120111", "bocom", 40, 120_000_000, 0.9),  # 1.2 M CNY each
    "beichen_medical_park": ("120113", "bocom", 28, 60_000_000, 0.9),
    "hebei_italian_style_town": ("120105", "psbc", 12, 30_000_000, 0.5),
    "jizhou_homestays": ("120119", "psbc", 0, 0, 0),
}
RULE = "!judgment_debtor && serious_penalties == 0"


def seed_demo(*, engine, as_of: dt.date, now: dt.datetime | None = None) -> dict:  # noqa: ANN001
    now = now or dt.datetime.combine(as_of, dt.time(10, 0))
    counts = {"needs": 0, "whitelisted": 0, "pushed": 0, "outcomes": 0}
    with session_scope(engine) as s:
        bank_user = s.scalar(select(User).where(User.username == "bank"))
        fin.register_bank(
            s, bank_id="bocom", name="交通银行天津分行", usernames=["bank"] if bank_user else [], now=now
        )
        if s.scalar(select(User.id).where(User.username == "psbc")) is None:
            create_user(
                s,
                username="psbc",
                role="bank",
                display_name="邮储银行天津分行",
                password=DEMO_PASSWORD,
                now=now,
            )
        fin.register_bank(s, bank_id="psbc", name="中国邮政储蓄银行天津分行", usernames=["psbc"], now=now)
        for pilot, (district, bank_id, n, fen, share) in PLANS.items():
            firms = (
                list(
                    s.scalars(
                        select(Subject.id)
                        .where(
                            Subject.pilot == pilot, Subject.kind.in_(["enterprise", "individual_business"])
                        )
                        .order_by(Subject.id)
                        .limit(n)
                    )
                )
                if n
                else []
            )
            for i, sid in enumerate(firms):
                fin.declare_need(
                    s,
                    subject_id=sid,
                    amount_fen=fen,
                    term_months=12 + 12 * (i % 3),
                    purpose="流动资金周转（演示）",
                    actor="demo",
                    idempotency_key=f"demo:{sid}",
                    now=now,
                )
                counts["needs"] += 1
            if pilot == "jizhou_homestays":
                village = s.scalar(
                    select(Subject.id)
                    .where(Subject.pilot == pilot, Subject.kind == "village")
                    .order_by(Subject.name.desc())
                    .limit(1)
                )
                if village is None:
                    continue
                fin.declare_need(
                    s,
                    subject_id=village,
                    amount_fen=2_000_000_000,
                    term_months=36,
                    purpose="信用村民宿集体授信（演示）",
                    actor="demo",
                    idempotency_key=f"demo:{village}",
                    collective=True,
                    now=now,
                )
                firms = [village]
                wl_id, parent = "demo_jizhou_credit_village", village
            else:
                wl_id, parent = f"demo_{pilot}", None
            if s.get(Whitelist, wl_id) is None:
                _, proposed = fin.create_whitelist(
                    s,
                    whitelist_id=wl_id,
                    name=f"{pilot} 信易贷白名单（演示）",
                    rule=RULE,
                    as_of=as_of,
                    actor=OPERATOR,
                    district_code=district,
                    pilot=None if parent else pilot,
                    parent_id=parent,
                    now=now,
                )
                for sid in proposed:
                    fin.review(s, whitelist_id=wl_id, subject_id=sid, approve=True, actor=OPERATOR, now=now)
                counts["whitelisted"] += len(proposed)
                if proposed:
                    counts["pushed"] += len(
                        fin.push(s, whitelist_id=wl_id, bank_id=bank_id, actor=OPERATOR, now=now)
                    )
            counts["outcomes"] += _outcomes(s, bank_id, firms, share, now)
    return counts


def _outcomes(s, bank_id: str, subject_ids: list[str], share: float, now: dt.datetime) -> int:  # noqa: ANN001
    from xinyong.financing.models import BankUser, Need

    link = s.scalar(select(BankUser).where(BankUser.bank_id == bank_id).limit(1))
    if link is None:
        return 0
    viewer = viewer_for(s.get(User, link.user_id))
    made = 0
    for i, sid in enumerate(subject_ids):
        for need in s.scalars(select(Need).where(Need.subject_id == sid)):
            try:
                fin.record_outcome(
                    s,
                    viewer=viewer,
                    need_id=need.id,
                    event="contacted",
                    idempotency_key=f"demo:c:{need.id}",
                    now=now,
                )
                if i < int(len(subject_ids) * share):
                    fin.record_outcome(
                        s,
                        viewer=viewer,
                        need_id=need.id,
                        event="approved",
                        amount_fen=need.amount_fen,
                        rate_bp=365 + 10 * (i % 5),
                        idempotency_key=f"demo:a:{need.id}",
                        now=now,
                    )
                else:
                    fin.record_outcome(
                        s,
                        viewer=viewer,
                        need_id=need.id,
                        event="rejected",
                        reason="经营流水不足（演示）",
                        idempotency_key=f"demo:r:{need.id}",
                        now=now,
                    )
                made += 1
            except fin.IncentiveError:  # not pushed (the rule left it out): nothing to record
                continue
    return made
