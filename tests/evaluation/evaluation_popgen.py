"""Synthetic populations for the evaluation tests: a seeded random generator and a hypothesis strategy."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import strategies as st

from xinyong.evaluation.semantics import day

AS_OF = dt.date(2026, 6, 30)
KINDS = [
    "penalty",
    "inspection",
    "commitment",
    "honour",
    "complaint",
    "contract_performance",
    "tax_grade",
    "judgment_debtor",
    "business_anomaly",
    "licence",
    "financing",
]
FIELD_VALUES = {
    "f_result": ["passed", "rectify", "failed", "not_found"],
    "f_inspection_type": ["routine", "random", "fire", "special"],
    "f_status": ["signed", "kept", "breached", "applied", "granted"],
    "f_resolution": ["pending", "resolved", "mediated", "unfounded"],
    "f_performance": ["in_progress", "performed", "breached"],
    "f_grade": ["A", "B", "M", "C", "D"],
    "f_removed_on": ["2025-01-01"],
    "f_fine_amount": ["0.5", "12", "3.25"],
}
ROLES = [
    "tenant_firm",
    "market_merchant",
    "homestay",
    "exhibition_firm",
    "eco_subject",
    "pilot_street",
    "carrier",
]
VENUES = ["养老院", "网吧", "医院", "学校", "商场"]
SUBJECT_KINDS = ["enterprise", "individual_business", "government", "carrier", "person"]
DISTRICTS = ["120103", "120104", "120114", "120118", "120119", "120112", "120117"]


def make_subject(
    i: int, kind: str, parent: str | None, district: str, role: str | None, venue: str | None
) -> dict:
    return {
        "id": f"s{i:05d}",
        "kind": kind,
        "district_code": district,
        "parent_id": parent,
        "sa_role": role,
        "sa_venue_type": venue,
    }


def make_record(
    i: int,
    subject_id: str,
    kind: str,
    occurred: int | None,
    publicity: int | None,
    valid: int | None,
    severity: str | None,
    amount: float | None,
    fields: dict[str, str | None],
) -> dict:
    return {
        "id": f"r{i:06d}",
        "kind": kind,
        "subject_id": subject_id,
        "occurred_day": occurred,
        "publicity_until_day": publicity,
        "valid_until_day": valid,
        "severity": severity,
        "polarity": "negative",
        "disclosure": "public",
        "source": "test",
        "amount": amount,
        **fields,
    }


def random_population(seed: int, n_subjects: int, n_records: int) -> dict[str, list[dict[str, Any]]]:
    """A seeded random population that touches every branch the models have."""
    rng = random.Random(seed)
    base = day(AS_OF)
    carriers = [
        make_subject(i, "carrier", None, "120103", "carrier", None) for i in range(max(1, n_subjects // 20))
    ]
    subjects = list(carriers)
    for i in range(len(carriers), n_subjects):
        parent = rng.choice(carriers)["id"] if rng.random() < 0.4 else None
        subjects.append(
            make_subject(
                i,
                rng.choice(SUBJECT_KINDS[:3]),
                parent,
                rng.choice(DISTRICTS),
                rng.choice(ROLES),
                rng.choice(VENUES),
            )
        )
    records = []
    for i in range(n_records):
        fields = {k: rng.choice([*v, None]) for k, v in FIELD_VALUES.items() if rng.random() < 0.6}
        occurred = None if rng.random() < 0.03 else base - rng.randint(-30, 1500)
        publicity = None if rng.random() < 0.5 else base + rng.randint(-400, 400)
        valid = None if rng.random() < 0.6 else base + rng.randint(-400, 400)
        amount = None if rng.random() < 0.4 else round(rng.uniform(0, 300000), 2)
        records.append(
            make_record(
                i,
                rng.choice(subjects)["id"],
                rng.choice(KINDS),
                occurred,
                publicity,
                valid,
                rng.choice(["minor", "general", "serious", None]),
                amount,
                fields,
            )
        )
    manual = [
        {
            "subject_id": s["id"],
            "model_id": "nankai_street",
            "indicator_id": rng.choice(["culture_expert", "service_expert", "finance_expert"]),
            "value_milli": rng.randint(0, 1000) * 1000,
            "effective_day": base - rng.randint(-10, 300),
            "seq": k,
        }
        for k, s in enumerate(subjects)
        if rng.random() < 0.5
    ]
    return {"subjects": subjects, "records": records, "manual": manual}


@st.composite
def populations(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """Hypothesis: small populations with edge values (window edges, ties, nulls, as-of boundaries)."""
    base = day(AS_OF)
    n = draw(st.integers(1, 8))
    subjects = [make_subject(0, "carrier", None, "120103", "carrier", None)]
    for i in range(1, n + 1):
        subjects.append(
            make_subject(
                i,
                draw(st.sampled_from(SUBJECT_KINDS[:3])),
                draw(st.sampled_from([None, "s00000"])),
                draw(st.sampled_from(DISTRICTS[:3])),
                draw(st.sampled_from(ROLES)),
                draw(st.sampled_from(VENUES)),
            )
        )
    edge_days = st.sampled_from([0, 1, 364, 365, 366, 729, 730, 1094, 1095, 1096, -1])
    offsets = st.one_of(edge_days, st.integers(-40, 1500))
    records = []
    for i in range(draw(st.integers(0, 25))):
        fields = {k: draw(st.sampled_from([*v, None])) for k, v in FIELD_VALUES.items()}
        occ = draw(st.one_of(st.none(), offsets))
        pub = draw(st.one_of(st.none(), st.integers(-3, 3)))
        val = draw(st.one_of(st.none(), st.integers(-3, 3)))
        amount = draw(
            st.one_of(st.none(), st.sampled_from([0.0, 9999.99, 10000.0, 100000.0, 0.01, 123456.785]))
        )
        records.append(
            make_record(
                i,
                draw(st.sampled_from(subjects))["id"],
                draw(st.sampled_from(KINDS)),
                None if occ is None else base - occ,
                None if pub is None else base + pub,
                None if val is None else base + val,
                draw(st.sampled_from(["minor", "general", "serious", None])),
                amount,
                fields,
            )
        )
    manual = [
        {
            "subject_id": draw(st.sampled_from(subjects))["id"],
            "model_id": "nankai_street",
            "indicator_id": draw(st.sampled_from(["culture_expert", "service_expert"])),
            "value_milli": draw(st.integers(0, 100)) * 10000 + draw(st.sampled_from([0, 5000, 1234])),
            "effective_day": base - draw(st.integers(-2, 2)),
            "seq": k,
        }
        for k in range(draw(st.integers(0, 4)))
    ]
    return {"subjects": subjects, "records": records, "manual": manual}
