"""The draw itself as a pure function of its published inputs (no store, no clock).

Inputs (all published; docs/draws.md "Replaying a draw"):

* the numbered pool snapshot (`pool_text`): one line per target candidate
  ``T<TAB>n<TAB>subject_id<TAB>tier<TAB>units<TAB>last`` (n = 0, 1, …, in subject-id order; units:
  the subject's own unit ids — itself and its carrier — comma-separated; last: the inspectors of its
  previous draw), then one line per inspector ``I<TAB>n<TAB>inspector_id<TAB>units``;
  `pool_digest` = SHA-256 of these UTF-8 bytes;
* the plan document (`plan`): tiers in order with their ratios (basis points), inspectors per
  target, avoidance switches, optional cap per inspector; `plan_digest` = SHA-256 of its
  canonical JSON (xinyong.ledger.service.canonical_json);
* the revealed secret (64 hex; its SHA-256 is the commitment published before the draw) and the
  optional outside value typed in by the officer.

seed = SHA-256("xinyong-draw|" ‖ algorithm ‖ "|" ‖ secret ‖ "|" ‖ outside ‖ "|" ‖ pool_digest ‖ "|" ‖ plan_digest).

Targets: per tier, in the plan's tier order, ``ceil(size × ratio_bp / 10000)`` members drawn with
`sampler.sample(subkey(seed, "tier:" + tier id), size, k)` over the tier's members in pool order.
Inspectors: one stream `subkey(seed, "inspectors")`; for each target in target order, draw
``below(P)`` over the inspector pool, skipping an inspector already chosen for the target, one of
its own unit (avoid_own_unit), one that inspected it last time (avoid_last_inspector) or one at the
cap, until `inspectors_per_target` are chosen. The eligible count is computed first; a target with
fewer eligible inspectors than needed is a *shortfall*: the draw fails listing every shortfall and
assigns nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from xinyong.draws.sampler import _TWO64, ALGORITHM, Stream, sample, subkey


@dataclass(frozen=True)
class Candidate:
    subject_id: str
    tier: str
    units: tuple[str, ...] = ()
    last: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inspector:
    inspector_id: str
    units: tuple[str, ...] = ()


@dataclass
class Shortfall:
    subject_id: str
    needed: int
    eligible: int
    own_unit: int
    last_time: int
    at_cap: int

    def text(self) -> str:
        return (
            f"{self.subject_id}: 需要 {self.needed} 名检查人员，可用 {self.eligible} 名"
            f"（本单位回避 {self.own_unit}，上次检查回避 {self.last_time}，已达上限 {self.at_cap}） / "
            f"needs {self.needed} inspectors, {self.eligible} eligible "
            f"(own unit {self.own_unit}, inspected last time {self.last_time}, at cap {self.at_cap})"
        )


class DrawShortfall(ValueError):
    """The inspector pool cannot satisfy avoidance for these targets; nothing was drawn."""

    def __init__(self, shortfalls: list[Shortfall]) -> None:
        self.shortfalls = shortfalls
        head = "; ".join(s.text() for s in shortfalls[:5])
        more = f" … (+{len(shortfalls) - 5})" if len(shortfalls) > 5 else ""
        super().__init__(
            f"检查人员不足，未抽取任何对象 / inspector pool cannot satisfy avoidance, nothing drawn: "
            f"{len(shortfalls)} target(s): {head}{more}"
        )


@dataclass
class DrawResult:
    seed: str
    targets: list[tuple[str, str]]  # (subject_id, tier) in draw order
    assignments: dict[str, list[str]] = field(default_factory=dict)  # subject_id → inspector ids

    def digest(self) -> str:
        """SHA-256 of the result lines ``subject_id<TAB>tier<TAB>inspectors`` (draw order)."""
        lines = "".join(f"{s}\t{t}\t{','.join(self.assignments.get(s, []))}\n" for s, t in self.targets)
        return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _clean(value: str) -> str:
    if any(c in value for c in "\t\n,"):
        raise ValueError(f"identifier contains a tab, newline or comma: {value!r} / 标识符含非法字符")
    return value


def pool_text(candidates: list[Candidate], inspectors: list[Inspector]) -> str:
    """The numbered pool snapshot (canonical; callers pass candidates and inspectors in id order)."""
    out = [
        f"T\t{n}\t{_clean(c.subject_id)}\t{_clean(c.tier)}\t{','.join(map(_clean, c.units))}"
        f"\t{','.join(map(_clean, c.last))}\n"
        for n, c in enumerate(candidates)
    ]
    out += [
        f"I\t{n}\t{_clean(i.inspector_id)}\t{','.join(map(_clean, i.units))}\n"
        for n, i in enumerate(inspectors)
    ]
    return "".join(out)


def parse_pool(text: str) -> tuple[list[Candidate], list[Inspector]]:
    """Inverse of pool_text (raises ValueError naming the line on bad input)."""
    candidates: list[Candidate] = []
    inspectors: list[Inspector] = []

    def split(v: str) -> tuple[str, ...]:
        return tuple(x for x in v.split(",") if x)

    for no, line in enumerate(text.splitlines(), 1):
        parts = line.split("\t")
        if parts[0] == "T" and len(parts) == 6 and int(parts[1]) == len(candidates):
            candidates.append(Candidate(parts[2], parts[3], split(parts[4]), split(parts[5])))
        elif parts[0] == "I" and len(parts) == 4 and int(parts[1]) == len(inspectors):
            inspectors.append(Inspector(parts[2], split(parts[3])))
        else:
            raise ValueError(f"pool line {no} is malformed / 名录快照第 {no} 行格式错误")
    return candidates, inspectors


def sha256_hex(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def commitment_of(secret_hex: str) -> str:
    """The published commitment: SHA-256 of the secret's 32 bytes, hex."""
    return hashlib.sha256(bytes.fromhex(secret_hex)).hexdigest()


def derive_seed(*, secret_hex: str, outside: str, pool_digest: str, plan_digest: str) -> bytes:
    text = f"xinyong-draw|{ALGORITHM}|{secret_hex}|{outside}|{pool_digest}|{plan_digest}"
    return hashlib.sha256(text.encode("utf-8")).digest()


def quota(size: int, ratio_bp: int) -> int:
    """ceil(size × ratio_bp / 10000), in integers (a ratio is a floor: 'not less than 3 %')."""
    return min(size, (size * ratio_bp + 9999) // 10000)


def strata(candidates: list[Candidate], tier_ids: list[str]) -> dict[str, list[int]]:
    """Pool positions of each tier's members, in pool order (part of the frozen, numbered pool)."""
    members: dict[str, list[int]] = {t: [] for t in tier_ids}
    appenders = {t: m.append for t, m in members.items()}
    for n, c in enumerate(candidates):
        add = appenders.get(c.tier)
        if add is not None:
            add(n)
    return members


def feasibility(candidates: list[Candidate], inspectors: list[Inspector], plan: dict) -> list[str]:
    """What can be known before the seed about whether the pool satisfies the plan: each problem as a
    "中文 / English" sentence (empty: no shortfall is knowable yet). Checked: the number of targets
    (Σ quota per tier) × inspectors per target against the pool, against the pool × the cap per
    inspector, and — for every candidate of a tier that will be sampled — the inspectors left after
    avoidance (own unit, inspected last time), which must be at least the inspectors per target. A
    draw that passes can still fail at the run only through the per-inspector cap, which depends on
    the order the seed gives."""
    tiers = [t["id"] for t in plan["tiers"]]
    ratios = {t["id"]: int(t["ratio_bp"]) for t in plan["tiers"]}
    members = strata(candidates, tiers)
    quotas = {t: quota(len(members[t]), ratios[t]) for t in tiers}
    n_targets = sum(quotas.values())
    per = int(plan.get("inspectors_per_target", 0))
    size = len(inspectors)
    if n_targets == 0 or per <= 0:
        return []
    problems: list[str] = []
    if size < per:
        problems.append(
            f"检查人员名录只有 {size} 名，每个对象需要 {per} 名（共 {n_targets} 个对象，需 {n_targets * per} 人次） / "
            f"the inspector pool has {size}, each target needs {per} "
            f"({n_targets} targets, {n_targets * per} assignments)"
        )
        return problems
    cap = plan.get("max_targets_per_inspector")
    if cap is not None and size * int(cap) < n_targets * per:
        problems.append(
            f"{n_targets} 个对象 × 每个 {per} 名 = {n_targets * per} 人次，超过 {size} 名检查人员 × "
            f"每人上限 {cap} = {size * int(cap)} / {n_targets} targets × {per} = {n_targets * per} "
            f"assignments exceed {size} inspectors × cap {cap} = {size * int(cap)}"
        )
    own = bool(plan.get("avoid_own_unit", True))
    last = bool(plan.get("avoid_last_inspector", True))
    by_unit: dict[str, set[int]] = {}
    if own:
        for n, ins in enumerate(inspectors):
            for u in ins.units:
                by_unit.setdefault(u, set()).add(n)
    index = {ins.inspector_id: n for n, ins in enumerate(inspectors)}
    short: list[Shortfall] = []
    for tier in tiers:
        if not quotas[tier]:
            continue
        for pos in members[tier]:
            c = candidates[pos]
            banned_unit: set[int] = set()
            if own:
                for u in c.units:
                    banned_unit |= by_unit.get(u, set())
            banned_last = {index[i] for i in c.last if i in index} - banned_unit if last else set()
            eligible = size - len(banned_unit) - len(banned_last)
            if eligible < per:
                short.append(Shortfall(c.subject_id, per, eligible, len(banned_unit), len(banned_last), 0))
    if short:
        head = "; ".join(s.text() for s in short[:5])
        more = f" … (+{len(short) - 5})" if len(short) > 5 else ""
        problems.append(
            f"{len(short)} 个可能抽中的对象回避后检查人员不足 / {len(short)} candidate(s) that may be "
            f"drawn lack inspectors after avoidance: {head}{more}"
        )
    return problems


def run_draw(
    *,
    candidates: list[Candidate],
    inspectors: list[Inspector],
    plan: dict,
    seed: bytes,
    members: dict[str, list[int]] | None = None,
) -> DrawResult:
    """Targets and their inspectors (see the module docstring); raises DrawShortfall. `members`:
    `strata(candidates, tier ids)` when the caller already has it."""
    tiers = [t["id"] for t in plan["tiers"]]
    ratios = {t["id"]: int(t["ratio_bp"]) for t in plan["tiers"]}
    if members is None:
        members = strata(candidates, tiers)
    targets: list[int] = []
    for tier in tiers:
        pos = members[tier]
        picks = sample(subkey(seed, f"tier:{tier}"), len(pos), quota(len(pos), ratios[tier]))
        targets.extend([pos[p] for p in picks])
    chosen = [candidates[n] for n in targets]
    result = DrawResult(seed=seed.hex(), targets=[(c.subject_id, c.tier) for c in chosen])
    per = int(plan.get("inspectors_per_target", 0))
    if per <= 0 or not targets:
        return result
    _assign(result, chosen, inspectors, plan, seed, per)
    return result


def _assign(
    result: DrawResult,
    targets: list[Candidate],
    inspectors: list[Inspector],
    plan: dict,
    seed: bytes,
    per: int,
) -> None:
    own = bool(plan.get("avoid_own_unit", True))
    last = bool(plan.get("avoid_last_inspector", True))
    cap = plan.get("max_targets_per_inspector")
    cap = int(cap) if cap is not None else None
    size = len(inspectors)
    index = {ins.inspector_id: n for n, ins in enumerate(inspectors)}
    by_unit: dict[str, set[int]] = {}
    if own:
        for n, ins in enumerate(inspectors):
            for u in ins.units:
                by_unit.setdefault(u, set()).add(n)
    unit_get = by_unit.get
    load = [0] * size
    capped: set[int] = set()
    # below(size), inlined: the pool size never changes, so the rejection limit is computed once
    nxt = Stream(subkey(seed, "inspectors")).next64
    limit = _TWO64 - _TWO64 % size if size else 0
    shortfalls: list[Shortfall] = []
    chosen_all: list[list[int]] = []
    empty: frozenset[int] = frozenset()
    for c in targets:
        banned_unit: set[int] | frozenset[int] = empty
        if own:
            for u in c.units:
                hit = unit_get(u)
                if hit:
                    banned_unit = banned_unit | hit
        banned_last: set[int] | frozenset[int] = empty
        if last and c.last:
            banned_last = {index[i] for i in c.last if i in index} - banned_unit
        banned = banned_unit | banned_last if banned_last else banned_unit
        at_cap = len(capped - banned) if capped else 0
        eligible = size - len(banned) - at_cap
        if eligible < per:
            shortfalls.append(
                Shortfall(c.subject_id, per, eligible, len(banned_unit), len(banned_last), at_cap)
            )
            chosen_all.append([])
            continue
        if shortfalls:
            chosen_all.append([])  # a failed draw assigns nothing; keep counting shortfalls only
            continue
        chosen: list[int] = []
        while len(chosen) < per:
            u = nxt()
            if u >= limit:
                continue
            j = u % size
            if j in banned or j in capped or j in chosen:
                continue
            chosen.append(j)
            if cap is not None:
                load[j] += 1
                if load[j] >= cap:
                    capped.add(j)
        chosen_all.append(chosen)
    if shortfalls:
        raise DrawShortfall(shortfalls)
    ids = [ins.inspector_id for ins in inspectors]
    result.assignments = {
        c.subject_id: [ids[j] for j in ch] for c, ch in zip(targets, chosen_all, strict=True)
    }
