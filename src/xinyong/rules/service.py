"""The rule service: check, save (versioned), and evaluate rules over subject facts (docs/rules.md).

* `check_expression` — parse + type-check a CEL expression against a fact vocabulary; RuleError
  (position, zh, en) when it does not compile, names an unknown fact or is not boolean, or reads a
  personal fact (a person's score, `facts.personal_refusal`) without `for_person=True`. This is the one
  place the rule "nobody but the person or a grant holder sees a person's score" (evaluation/privacy.py)
  is applied to rules: every consumer acting for officers (lists, supervision, draws, alerts, the CLI)
  checks with the default and so refuses such a rule; only 信易+ benefits decided for the person pass
  `for_person=True`.
* `save_rule` — append a version (kept forever; an unchanged expression returns the current one).
* `evaluate` — one subject as of a date with the reference evaluator (the `cel` package): result,
  the facts it read, and the rule version.
* `evaluate_many` — every (or the given) subject at once: the facts table is built with a few grouped
  queries and the rule runs as one DuckDB SQL predicate over it (vectorised; 1M subjects).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cel
import duckdb
import pyarrow as pa
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.rules import facts as F
from xinyong.rules.check import check, column_name, parse_type, to_sql
from xinyong.rules.lang import RuleError, parse
from xinyong.rules.models import RuleVersion
from xinyong.subjects.models import Subject

RULE_ID = re.compile(r"^[a-z][a-z0-9_.\-]{0,63}$")
_CEL_POS = re.compile(r"<input>:(\d+):(\d+)")


class SubjectNotFound(LookupError):
    def __init__(self, subject_id: str) -> None:
        super().__init__(f"主体不存在 / subject not found: {subject_id}")
        self.subject_id = subject_id


@dataclass
class CheckedRule:
    """A rule that passed `check_expression`: its SQL predicate and the fact columns it reads."""

    expression: str
    vocabulary: str
    sql: str
    reads: list[str]  # column names, sorted: "kind", "grade[city_enterprise]", "records.negative_any_3y"
    read_keys: list[tuple[str, str | None]]  # (fact, map key) pairs, same order
    program: Any = field(repr=False)  # cel.Program

    def run(self, facts: dict[str, Any]) -> bool:
        """Evaluate with the reference evaluator over {column name: value} (all of `reads`)."""
        result = self.program.execute(activation(self.read_keys, facts))
        if not isinstance(result, bool):  # pragma: no cover - the checker guarantees bool
            raise RuleError("结果不是布尔值", f"result is not boolean: {result!r}")
        return result


@dataclass
class Decision:
    """The outcome of a rule for one subject: result, the facts it read ({column: value}), and the
    rule id/version (None for an ad-hoc expression)."""

    result: bool
    facts: dict[str, Any]
    rule_id: str | None
    rule_version: int | None
    subject_id: str = ""
    as_of: dt.date | None = None
    expression: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "expression": self.expression,
            "result": self.result,
            "facts": {k: list(v) if isinstance(v, tuple) else v for k, v in self.facts.items()},
        }


def activation(read_keys: Sequence[tuple[str, str | None]], facts: dict[str, Any]) -> dict[str, Any]:
    """The CEL variables for the given (fact, key) reads: dotted facts become nested maps."""
    out: dict[str, Any] = {}
    for fact, key in read_keys:
        value = facts[column_name(fact, key)]
        if isinstance(value, tuple):
            value = list(value)
        *path, last = fact.split(".")
        node = out
        for part in path:
            node = node.setdefault(part, {})
        if key is None:
            node[last] = value
        else:
            node.setdefault(last, {})[key] = value
    return out


def _cel_compile(expression: str) -> Any:
    try:
        return cel.compile(expression)
    except Exception as exc:  # noqa: BLE001 - the reference parser's errors are ValueError/RuntimeError
        m = _CEL_POS.search(str(exc))
        pos = (int(m.group(1)), int(m.group(2))) if m else None
        first = str(exc).splitlines()[0][:300]
        raise RuleError("CEL 无法编译该表达式", f"CEL cannot compile it: {first}", pos) from exc


def _refusal(vocab: dict[str, F.FactSpec], for_person: bool) -> Any:
    if for_person:
        return None

    def refuse(fact: str, key: str | None) -> tuple[str, str] | None:
        spec = vocab.get(fact)
        return F.personal_refusal(fact, key) if spec is not None and spec.is_personal(key) else None

    return refuse


def check_expression(
    expression: str, *, vocabulary: str = "subject", for_person: bool = False
) -> CheckedRule:
    """Compile and check `expression` against the named fact vocabulary (`facts.vocabulary`).

    Raises RuleError (`.position` = (line, column), `.zh`, `.en`) for a syntax error or anything
    outside the documented CEL subset, an unknown fact or map key, a type error, or a non-boolean
    result. The accepted expression also compiles with the reference `cel` package.

    `for_person`: the rule decides something for the person themself (信易+ benefits shown to the
    person). Without it (every officer-facing consumer) a read of a personal fact — the grade or score
    of a personal model, `person.score` — is refused at its position with `facts.personal_refusal`."""
    if not isinstance(expression, str) or not expression.strip():
        raise RuleError("表达式为空", "empty expression", (1, 1))
    vocab = F.vocabulary(vocabulary)
    types = {k: parse_type(s.type, s.keys) for k, s in vocab.items()}
    tree = parse(expression)
    checked = check(tree, types, refuse=_refusal(vocab, for_person))
    program = _cel_compile(expression)
    read_keys = sorted(checked.reads, key=lambda fk: column_name(*fk))
    return CheckedRule(
        expression=expression,
        vocabulary=vocabulary,
        sql=to_sql(tree),
        reads=[column_name(*fk) for fk in read_keys],
        read_keys=read_keys,
        program=program,
    )


def check_fact(name: str, *, vocabulary: str = "subject", for_person: bool = False) -> tuple[str, str | None]:
    """Check that `name` is one fact of the vocabulary (`kind`, `grade["city_enterprise"]`, …) that a
    consumer may read (the same personal-fact refusal as `check_expression`): its (fact, key).
    Consumers naming facts outside an expression (alert `watch` values, a supervision scheme's
    model) use this. RuleError otherwise."""
    if not isinstance(name, str) or not name.strip():
        raise RuleError("事实名为空", "empty fact name", (1, 1))
    vocab = F.vocabulary(vocabulary)
    types = {k: parse_type(s.type, s.keys) for k, s in vocab.items()}
    tree = parse(name)
    checked = check(tree, types, refuse=_refusal(vocab, for_person), boolean=False)
    if len(checked.reads) != 1 or getattr(tree, "fact", None) is None:
        raise RuleError(f"{name!r} 不是单个事实", f"{name!r} is not a single fact", (1, 1))
    return next(iter(checked.reads))


# --------------------------------------------------------------------------- versions


def rule_history(session: Session, rule_id: str) -> list[RuleVersion]:
    """Every version of a rule, oldest first ([] for an unknown rule)."""
    return list(
        session.scalars(
            select(RuleVersion).where(RuleVersion.rule_id == rule_id).order_by(RuleVersion.version)
        )
    )


def get_rule(session: Session, rule_id: str, version: int | None = None) -> RuleVersion:
    """The newest (or the given) version; RuleError when there is none."""
    stmt = select(RuleVersion).where(RuleVersion.rule_id == rule_id)
    stmt = (
        stmt.where(RuleVersion.version == version) if version else stmt.order_by(RuleVersion.version.desc())
    )
    row = session.scalars(stmt.limit(1)).first()
    if row is None:
        raise RuleError(f"规则不存在：{rule_id}", f"no such rule: {rule_id}")
    return row


def list_rules(session: Session) -> list[RuleVersion]:
    """The newest version of every rule, by id."""
    newest = (
        select(RuleVersion.rule_id, func.max(RuleVersion.version).label("v"))
        .group_by(RuleVersion.rule_id)
        .subquery()
    )
    stmt = (
        select(RuleVersion)
        .join(newest, (newest.c.rule_id == RuleVersion.rule_id) & (newest.c.v == RuleVersion.version))
        .order_by(RuleVersion.rule_id)
    )
    return list(session.scalars(stmt))


def save_rule(
    session: Session,
    *,
    rule_id: str,
    expression: str,
    actor: str,
    reason: str,
    vocabulary: str = "subject",
    now: dt.datetime | None = None,
    for_person: bool = False,
) -> RuleVersion:
    """Check and append a version of `rule_id` (in the caller's transaction). An expression equal to
    the newest version's returns that version unchanged. RuleError (nothing written) for a bad id,
    a missing actor or reason, or an expression `check_expression` refuses (with `for_person`: a
    personal fact without it)."""
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
        raise RuleError(
            f"规则编号无效 {rule_id!r}（小写字母开头，字母数字 _ . -，≤64）",
            f"invalid rule id {rule_id!r} (lowercase letter first, then a-z 0-9 _ . -, ≤ 64)",
        )
    if not (actor or "").strip():
        raise RuleError("缺少保存人", "actor is required")
    if not (reason or "").strip():
        raise RuleError("缺少保存理由", "reason is required")
    checked = check_expression(expression, vocabulary=vocabulary, for_person=for_person)
    current = session.scalars(
        select(RuleVersion)
        .where(RuleVersion.rule_id == rule_id)
        .order_by(RuleVersion.version.desc())
        .limit(1)
    ).first()
    if current is not None and current.expression == expression and current.vocabulary == vocabulary:
        return current
    row = RuleVersion(
        rule_id=rule_id,
        version=(current.version + 1) if current else 1,
        expression=expression,
        vocabulary=vocabulary,
        facts=checked.reads,
        sha256=hashlib.sha256(expression.encode("utf-8")).hexdigest(),
        actor=actor.strip(),
        reason=reason.strip(),
        saved_at=(now or clock.now()).astimezone(dt.UTC).replace(tzinfo=None),
    )
    session.add(row)
    session.flush()
    return row


# --------------------------------------------------------------------------- facts


def subject_facts(
    session: Session, *, subject_id: str, as_of: dt.date, for_person: bool = False
) -> dict[str, Any]:
    """Every fact of the subject as of the date, {column name: value}: base facts (map facts one
    column per key, e.g. "grade[city_enterprise]") plus every provider's. Record counts go through
    the disclosure policy's Python reference functions (tests compare them with the SQL form).
    Personal facts (a person's score and its grade) are left out unless `for_person` (the caller acts
    for the person themself). SubjectNotFound for an unknown subject."""
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise SubjectNotFound(subject_id)
    vocab = F.vocabulary()
    out: dict[str, Any] = {
        "kind": subject.kind or "",
        "district": subject.district_code or "",
        "industry": subject.industry or "",
        "pilots": (subject.pilot,) if subject.pilot else (),
    }
    for model in vocab["grade"].keys or ():
        grade, score = F.latest_results(session, model, as_of, [subject_id]).get(subject_id, ("", -1.0))
        out[column_name("grade", model)] = grade
        out[column_name("score", model)] = score
    counts = [k for k in vocab if k.startswith("records.")]
    out.update(F.record_counts_reference(session, subject_id, counts, as_of))
    for module in F._provider_modules():
        values = module.provide(session, subject_ids=[subject_id], as_of=as_of).get(subject_id, {})
        for key, spec in module.VOCABULARY.items():
            if spec.keys:
                given = values.get(key) or {}
                for k in spec.keys:
                    out[column_name(key, k)] = given.get(k, spec.default)
            else:
                out[key] = values.get(key, spec.default)
    if for_person:
        return out
    personal = {column_name(f, None) for f, s in vocab.items() if s.personal}
    personal |= {column_name(f, k) for f, s in vocab.items() for k in s.personal_keys}
    return {k: v for k, v in out.items() if k not in personal}


_ARROW = {"string": pa.string(), "int": pa.int64(), "double": pa.float64(), "bool": pa.bool_()}


def _arrow_type(spec: F.FactSpec, key: str | None) -> pa.DataType:
    t = parse_type(spec.type, spec.keys)
    if isinstance(t, tuple) and t[0] == "map":
        t = t[1]
    if isinstance(t, tuple) and t[0] == "list":
        return pa.list_(_ARROW[t[1]])
    return _ARROW[t]


def facts_table(
    session: Session,
    *,
    read_keys: Sequence[tuple[str, str | None]],
    as_of: dt.date,
    subject_ids: Sequence[str] | None = None,
) -> pa.Table:
    """An Arrow table: `subject_id` plus one column per (fact, key) read, for every subject (or the
    given ones), values as of the date. A few grouped queries, no per-subject loop in the store.
    `read_keys` must come from a rule `check_expression` accepted (personal facts only for_person)."""
    vocab = F.vocabulary()
    ids_filter = list(subject_ids) if subject_ids is not None else None
    query_ids = ids_filter if ids_filter is not None and len(ids_filter) <= 2000 else None
    stmt = select(Subject.id, Subject.kind, Subject.district_code, Subject.industry, Subject.pilot).order_by(
        Subject.id
    )
    if query_ids is not None:
        stmt = stmt.where(Subject.id.in_(query_ids))
    rows = session.execute(stmt).all()
    if ids_filter is not None and query_ids is None:
        wanted = set(ids_filter)
        rows = [r for r in rows if r[0] in wanted]
    ids = [r[0] for r in rows]
    columns: dict[str, list[Any]] = {}
    base = {"kind": 1, "district": 2, "industry": 3}
    counts = [
        f for f, _ in read_keys if f.startswith("records.") and f in vocab and vocab[f].source == "records"
    ]
    count_values = F.record_counts_sql(session, counts, as_of, query_ids)
    providers: dict[str, dict[str, dict[str, Any]]] = {}
    for fact, key in read_keys:
        name = column_name(fact, key)
        if fact in base:
            columns[name] = [r[base[fact]] or "" for r in rows]
        elif fact == "pilots":
            columns[name] = [[r[4]] if r[4] else [] for r in rows]
        elif fact in ("grade", "score") and key is not None:
            got = F.latest_results(session, key, as_of, query_ids)
            idx, default = (0, "") if fact == "grade" else (1, -1.0)
            columns[name] = [got[i][idx] if i in got else default for i in ids]
        elif fact in counts:
            pos = counts.index(fact)
            columns[name] = [count_values[i][pos] if i in count_values else 0 for i in ids]
        else:
            columns[name] = _provided(session, providers, fact, key, ids, as_of, query_ids)
    arrays = {"subject_id": pa.array(ids, pa.string())}
    for fact, key in read_keys:
        name = column_name(fact, key)
        arrays[name] = pa.array(columns[name], _arrow_type(vocab[fact], key))
    return pa.table(arrays)


def _provided(
    session: Session,
    cache: dict[str, dict[str, dict[str, Any]]],
    fact: str,
    key: str | None,
    ids: list[str],
    as_of: dt.date,
    query_ids: list[str] | None,
) -> list[Any]:
    for module in F._provider_modules():
        spec = module.VOCABULARY.get(fact)
        if spec is None:
            continue
        if module.__name__ not in cache:
            cache[module.__name__] = module.provide(session, subject_ids=query_ids, as_of=as_of)
        values = cache[module.__name__]
        out = []
        for i in ids:
            v = values.get(i, {}).get(fact, spec.default if key is None else {})
            if key is not None:
                v = (v or {}).get(key, spec.default)
            out.append(list(v) if isinstance(v, tuple) else v)
        return out
    raise RuleError(f"未知事实 {fact!r}", f"unknown fact {fact!r}")  # pragma: no cover - checked before


def evaluate_table(rule: CheckedRule, table: pa.Table) -> pa.Table:
    """Run the rule's SQL predicate over a facts table (DuckDB): a table (subject_id, result)."""
    con = duckdb.connect()
    try:
        con.register("facts", table)
        return con.sql(f"SELECT subject_id, {rule.sql} AS result FROM facts").to_arrow_table()
    finally:
        con.close()


# --------------------------------------------------------------------------- evaluation


def evaluate(
    session: Session,
    *,
    expression: str | None = None,
    rule_id: str | None = None,
    subject_id: str,
    as_of: dt.date,
    version: int | None = None,
    for_person: bool = False,
) -> Decision:
    """Evaluate a saved rule (newest version, or `version`) or an ad-hoc expression for one subject
    as of a date, with the reference evaluator. Decision.facts are only the facts the rule read.
    A rule reading a personal fact is refused (RuleError) unless `for_person` (check_expression)."""
    if (expression is None) == (rule_id is None):
        raise RuleError("须给出 expression 或 rule_id 之一", "give exactly one of expression or rule_id")
    rule_version = None
    vocabulary = "subject"
    if rule_id is not None:
        row = get_rule(session, rule_id, version)
        expression, rule_version, vocabulary = row.expression, row.version, row.vocabulary
    assert expression is not None
    rule = check_expression(expression, vocabulary=vocabulary, for_person=for_person)
    facts = subject_facts(session, subject_id=subject_id, as_of=as_of, for_person=for_person)
    read = {name: facts[name] for name in rule.reads}
    return Decision(
        result=rule.run(read),
        facts=read,
        rule_id=rule_id,
        rule_version=rule_version,
        subject_id=subject_id,
        as_of=as_of,
        expression=expression,
    )


def evaluate_many(
    session_or_engine: Session | Engine,
    *,
    expression: str,
    as_of: dt.date,
    subject_ids: Sequence[str] | None = None,
    for_person: bool = False,
) -> dict[str, bool]:
    """{subject id: result} for every subject (or the given ones) as of the date, vectorised: facts
    table (`facts_table`) + one DuckDB predicate. Agrees with `evaluate` (tests/rules). A rule
    reading a personal fact is refused (RuleError) unless `for_person` (check_expression)."""
    rule = check_expression(expression, for_person=for_person)
    if isinstance(session_or_engine, Session):
        table = facts_table(session_or_engine, read_keys=rule.read_keys, as_of=as_of, subject_ids=subject_ids)
    else:
        with Session(session_or_engine) as session:
            table = facts_table(session, read_keys=rule.read_keys, as_of=as_of, subject_ids=subject_ids)
    out = evaluate_table(rule, table)
    return dict(zip(out.column("subject_id").to_pylist(), out.column("result").to_pylist(), strict=True))
