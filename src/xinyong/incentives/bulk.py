"""Benefits of many subjects at once (bench/benefits.py, reports): every scenario's rule translated to the
rules vocabulary (docs/rules.md) and run by `xinyong.rules.evaluate_many` — a facts table and one DuckDB
predicate per scenario, no per-subject loop.

Differences from the one-subject path (`service.benefits`), documented in docs/incentives.md: grades and
scores come from the newest *stored* evaluation run as of the date (not a fresh python-engine run);
`commitment_signed` counts commitment records of any status; reasons are not produced (ask
`service.benefits` for one subject)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from xinyong.incentives.scenarios import Scenario, load_scenarios

# incentives fact → rules fact (the same fact where the vocabularies differ only in name)
_NAMES = {
    "person_score": "person.score",
    "judgment_debtor": "(records.judgment_debtor_any_all > 0)",
    "serious_penalties": "records.penalty_serious_3y",
    "penalties": "records.penalty_any_1y",
    "commitment_signed": "(records.commitment_any_all > 0)",
    "honours": "records.honour_any_3y",
}
_IDENT = re.compile(r"(?<![\w.\"])(" + "|".join(_NAMES) + r")(?![\w])")


def _quote(items: Sequence[str]) -> str:
    return "[" + ", ".join(f'"{x}"' for x in items) + "]"


def bulk_rule(sc: Scenario) -> str:
    """The scenario's `who` and conditions as one rules-vocabulary expression."""
    parts = [f"kind in {_quote(sc.who.subject_kinds)}"]
    if sc.who.districts:
        parts.append(f"district in {_quote(sc.who.districts)}")
    if sc.who.pilots:
        parts.append(" || ".join(f'"{p}" in pilots' for p in sc.who.pilots))
    if sc.who.roles:
        parts.append(f"role in {_quote(sc.who.roles)}")
    for c in sc.conditions:
        parts.append(_IDENT.sub(lambda m: _NAMES[m.group(1)], c.expression))
    parts.append("!(records.judgment_debtor_any_all > 0)")
    return " && ".join(f"({p})" for p in parts)


def benefits_many(
    session_or_engine: Session | Engine,
    *,
    as_of: dt.date,
    subject_ids: Sequence[str] | None = None,
    scenarios: Sequence[Scenario] | None = None,
) -> dict[str, set[str]]:
    """{scenario id: subjects granted} for every subject (or the given ones) as of the date; members of a
    list that excludes from benefits (lists domain) are removed from every scenario.

    The rules package's vectorised parts: one `facts_table` with every fact any scenario reads (built once),
    then each scenario's checked rule as a DuckDB predicate over it (`evaluate_table`) — the same as
    `rules.evaluate_many` per scenario without rebuilding the facts table 15 times."""
    if isinstance(session_or_engine, Session):
        return _many(session_or_engine, as_of, subject_ids, scenarios)
    with Session(session_or_engine) as session:
        return _many(session, as_of, subject_ids, scenarios)


def _many(
    session: Session, as_of: dt.date, subject_ids: Sequence[str] | None, scenarios: Sequence[Scenario] | None
) -> dict[str, set[str]]:
    from xinyong.rules.service import check_expression, evaluate_table, facts_table

    # for_person: a benefit is decided for the person themself (a scenario may read `person.score`);
    # the result of such a scenario is personal — callers show it to nobody else (docs/rules.md)
    rules = {sc.id: check_expression(bulk_rule(sc), for_person=True) for sc in scenarios or load_scenarios()}
    keys = sorted({k for r in rules.values() for k in r.read_keys}, key=lambda k: (k[0], k[1] or ""))
    table = facts_table(session, read_keys=keys, as_of=as_of, subject_ids=subject_ids)
    out: dict[str, set[str]] = {}
    for sid, rule in rules.items():
        res = evaluate_table(rule, table)
        ids, ok = res.column("subject_id").to_pylist(), res.column("result").to_pylist()
        out[sid] = {i for i, r in zip(ids, ok, strict=True) if r}
    try:
        from xinyong.lists.service import excluded_subjects
    except ImportError:
        return out
    excluded = excluded_subjects(session, as_of)
    return {k: v - excluded for k, v in out.items()}
