"""Deterministic demo subjects for the sixteen pilots, read from the programme YAML files.

Everything a pilot contains comes from its programme: the carrier, each roster role with the size
the seed gives (300余个联营品牌, 近800个商户, 220家民宿 …), the subjects the seed names, the
industries. A 17th district therefore gets demo data with no Python change.

Determinism: every district draws from its own `random.Random` keyed by (seed, district, stream)
and its own `CodeMaker`, so one district's data does not depend on another's and the same seed
always yields the same subjects in the same order. `--subjects N` beyond the pilots adds generic
subjects, streamed (the generator never holds them all).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from xinyong.demo import names
from xinyong.demo.codes import CodeMaker
from xinyong.programmes.schemas import Programme, RosterGroup

# Default USCC prefix (registration department + category) per subject kind.
KIND_PREFIX = {"enterprise": "91", "individual_business": "92", "government": "11", "village": "54"}

# Generic subjects (benchmark scale): kind weights and the industries they draw from.
EXTRA_KINDS = (("enterprise", 55), ("individual_business", 35), ("person", 10))
EXTRA_INDUSTRIES = (
    "服装零售",
    "餐饮服务",
    "商务服务",
    "科技推广服务",
    "电子商务",
    "蔬菜批发",
    "水果批发",
    "住宿服务",
    "广告设计",
    "教育培训",
    "高端装备",
    "农产品加工",
    "数码产品零售",
    "家居用品零售",
)


@dataclass(frozen=True)
class DemoConfig:
    """What to build. `scale` shrinks every roster (tests); `subjects` pads to a total (benchmarks)."""

    seed: int = 2023
    scale: float = 1.0
    subjects: int = 0  # total wanted; 0 = exactly the pilots
    start: dt.date = dt.date(2021, 1, 1)  # records fall in [start, end]
    end: dt.date = dt.date(2026, 10, 31)


@dataclass
class DemoSubject:
    """One generated subject, in the shape `upsert_subjects` takes plus demo-only hints."""

    key: str  # its identifier: USCC, citizen ID or local code
    kind: str
    name: str
    district_code: str
    district_name: str
    uscc: str | None = None
    id_number: str | None = None
    local_code: str | None = None
    legal_rep: str | None = None
    industry: str | None = None
    address: str | None = None
    registered_on: dt.date | None = None
    pilot: str | None = None
    role: str | None = None
    parent_key: str | None = None
    attributes: dict = field(default_factory=dict)
    named: bool = False  # named in the seed: never given negative demo records
    female: bool | None = None


def stable_rng(*parts: object) -> random.Random:
    """A Random seeded from a hash of the parts (independent of PYTHONHASHSEED and call order)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def scaled(count: int, scale: float) -> int:
    if count <= 0:
        return 0
    return max(1, round(count * scale))


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


class DistrictMaker:
    """Makes the subjects of one district: its carrier, its roster, then generic extras."""

    def __init__(self, programme: Programme, config: DemoConfig) -> None:
        self.programme = programme
        self.config = config
        self.code = programme.district.code
        self.dname = programme.district.name
        self.codes = CodeMaker(config.seed, self.code)
        self.rng = stable_rng(config.seed, self.code, "subjects")
        self.extra_rng = stable_rng(config.seed, self.code, "extra")
        self.names_seen: set[str] = set()
        self.by_role: dict[str, list[DemoSubject]] = {}

    # -- identifiers and names ------------------------------------------------------------

    def _registered(self, kind: str) -> dt.date:
        rng = self.rng
        if kind == "village":
            return _date_between(rng, dt.date(2018, 3, 1), dt.date(2019, 6, 30))  # 赋码 of 村委会
        if kind == "individual_business":
            return _date_between(rng, dt.date(2010, 1, 1), dt.date(2023, 6, 30))
        # Enterprises: skewed recent, as the register is.
        year = min(2023, 1998 + int(rng.triangular(0, 26, 22)))
        return _date_between(rng, dt.date(year, 1, 1), dt.date(year, 12, 28))

    def _uscc(self, prefix: str, registered: dt.date | None) -> str:
        new_style = registered is not None and registered >= dt.date(2015, 10, 1) and prefix[0] == "9"
        if prefix in ("54", "52", "92"):  # codes first issued after the 2015 reform
            new_style = True
        return self.codes.uscc(prefix, new_style=new_style)

    def _unique(self, make) -> str:  # noqa: ANN001 - a zero-argument name factory
        for _ in range(20):
            name = make()
            if name not in self.names_seen:
                self.names_seen.add(name)
                return name
        name = make() + f"（{len(self.names_seen) + 1}）"  # 20 collisions in a row: number it
        self.names_seen.add(name)
        return name

    def _name(self, style: str, kind: str, prefix: str, industry: str, trade_len: int = 2) -> str:
        rng = self.rng

        def make() -> str:
            trade = names.trade_name(rng, trade_len)
            if prefix in names.INSTITUTION_PREFIXES:
                return names.institution_name(rng, trade, industry, self.dname)
            if kind == "individual_business" or style == "shop":
                return names.shop_name(rng, trade, industry, self.dname)
            return names.company_name(rng, trade, industry)

        return self._unique(make)

    # -- the pilot --------------------------------------------------------------------------

    def carrier(self) -> DemoSubject | None:
        c = self.programme.pilot.carrier
        if c is None:
            return None
        uscc = self._uscc(c.uscc_prefix, None) if c.uscc_prefix else None
        local = None if uscc else f"ZT{self.code}01"
        subject = DemoSubject(
            key=uscc or local,
            kind="carrier",
            name=c.name,
            district_code=self.code,
            district_name=self.dname,
            uscc=uscc,
            local_code=local,
            industry=c.industry or c.type_zh,
            address=names.road_address(self.rng, self.code, self.dname),
            pilot=self.programme.pilot.id,
            role="carrier",
            named=True,
            attributes={
                "role": "carrier",
                "role_zh": "试点载体",
                "carrier_type": c.type,
                "carrier_type_zh": c.type_zh,
            },
        )
        self.names_seen.add(c.name)
        self.by_role["carrier"] = [subject]
        return subject

    def roster(self) -> Iterator[DemoSubject]:
        carrier = self.by_role.get("carrier", [None])[0]
        for group in self.programme.pilot.roster:
            made: list[DemoSubject] = []
            parents = self.by_role.get(group.parent_role, []) if group.parent_role else []
            if group.per_parent:
                for parent in parents:
                    for _ in range(scaled(group.count, self.config.scale)):
                        made.append(self._member(group, len(made), parent))
            else:
                weights = [4 if p.attributes.get("focus") else 1 for p in parents]
                for i in range(scaled(group.count, self.config.scale)):
                    parent = self.rng.choices(parents, weights=weights)[0] if parents else carrier
                    made.append(self._member(group, i, parent))
            self.by_role[group.role] = made
            yield from made

    def _member(self, group: RosterGroup, index: int, parent: DemoSubject | None) -> DemoSubject:
        rng = self.rng
        named = group.named[index] if index < len(group.named) else None
        industry = (named.industry if named and named.industry else None) or (
            rng.choice(group.industries) if group.industries else None
        )
        attrs = {"role": group.role, "role_zh": group.role_zh, **group.attributes}
        if named:
            attrs.update(named.attributes)
        base = {
            "district_code": self.code,
            "district_name": self.dname,
            "pilot": self.programme.pilot.id,
            "role": group.role,
            "parent_key": parent.key if parent else None,
            "industry": industry,
            "named": named is not None,
        }
        if group.kind == "person":
            return self._person(attrs, parent, base)
        kind, prefix = self._kind_prefix(group)
        registered = self._registered(kind)
        if named:
            name = named.name
            self.names_seen.add(name)
        elif group.kind == "village":
            picked: dict[str, str] = {}

            def make() -> str:
                picked["town"], picked["village"] = names.village_name(rng, self.code)
                return f"天津市{self.dname}{picked['town']}{picked['village']}村民委员会"  # 民政部 naming

            name = self._unique(make)
            attrs.update(picked)
        elif group.name_style == "homestay" and parent is not None:
            village = parent.attributes.get("village", "")
            name = self._unique(lambda: names.homestay_name(rng, names.trade_name(rng), village, self.dname))
        else:
            name = self._name(group.name_style, kind, prefix, industry or group.role_zh)
        uscc = self._uscc(prefix, registered)
        if kind == "village":
            address = f"天津市{self.dname}{attrs.get('town', '')}{attrs.get('village', '')}村民委员会"
        else:
            address = self._address(parent, attrs)
        return DemoSubject(
            key=uscc,
            kind=kind,
            name=name,
            uscc=uscc,
            legal_rep=names.person_name(rng),
            address=address,
            registered_on=registered,
            attributes=attrs,
            **base,
        )

    def _kind_prefix(self, group: RosterGroup) -> tuple[str, str]:
        rng = self.rng
        if group.prefix_mix:
            prefix = rng.choices(list(group.prefix_mix), weights=list(group.prefix_mix.values()))[0]
        elif group.kind == "enterprise" and rng.random() < group.individual_share:
            prefix = "92"
        else:
            prefix = group.uscc_prefix or KIND_PREFIX.get(group.kind, "91")
        return kind_of_prefix(prefix, group.kind), prefix

    def _address(self, parent: DemoSubject | None, attrs: dict) -> str:
        rng = self.rng
        if parent is not None and parent.kind == "village":
            return f"天津市{self.dname}{parent.attributes.get('town', '')}{parent.attributes.get('village', '')}{rng.randint(1, 260)}号"
        carrier_type = parent.attributes.get("carrier_type") if parent is not None else None
        if parent is not None and parent.kind == "carrier" and carrier_type not in ("area", "hospital"):
            unit = names.unit_in(rng, carrier_type or "building")
            attrs["unit"] = unit
            return f"{parent.address}{parent.name}{unit}"
        return names.road_address(rng, self.code, self.dname)

    def _person(self, attrs: dict, parent: DemoSubject | None, base: dict) -> DemoSubject:
        rng = self.rng
        female = rng.random() < 0.5
        id_number, birth = self.codes.citizen_id(female, self.programme.district.code_in)
        attrs["birth_year"] = birth.year
        if parent is not None and parent.kind == "village":
            attrs.update(town=parent.attributes.get("town", ""), village=parent.attributes.get("village", ""))
        if parent is not None and parent.kind == "carrier":
            base["parent_key"] = None  # a patient is not hosted by the hospital; pilot says where they belong
        address = (
            self._address(parent, {})
            if parent is not None and parent.kind == "village"
            else names.road_address(rng, self.code, self.dname)
        )
        return DemoSubject(
            key=id_number,
            kind="person",
            name=names.person_name(rng, female),
            id_number=id_number,
            address=address,
            female=female,
            attributes=attrs,
            **base,
        )

    # -- benchmark padding -------------------------------------------------------------------

    def extra(self, index: int) -> DemoSubject:
        """The index-th generic (non-pilot) subject of this district."""
        rng = self.extra_rng
        kind = rng.choices([k for k, _ in EXTRA_KINDS], weights=[w for _, w in EXTRA_KINDS])[0]
        industry = rng.choice(EXTRA_INDUSTRIES)
        base = {
            "district_code": self.code,
            "district_name": self.dname,
            "industry": industry,
            "attributes": {"role": "general", "role_zh": "一般市场主体"},
        }
        if kind == "person":
            female = rng.random() < 0.5
            id_number, birth = self.codes.citizen_id(female, self.programme.district.code_in)
            base["attributes"]["birth_year"] = birth.year
            return DemoSubject(
                key=id_number,
                kind="person",
                name=names.person_name(rng, female),
                id_number=id_number,
                female=female,
                address=names.road_address(rng, self.code, self.dname),
                **base,
            )
        registered = _date_between(rng, dt.date(2000, 1, 1), dt.date(2024, 12, 31))
        prefix = KIND_PREFIX[kind]
        uscc = self.codes.uscc(prefix, new_style=registered >= dt.date(2015, 10, 1))
        trade = names.trade_name(rng, 3)  # 3 characters: a huge name space without a "seen" set
        name = (
            names.shop_name(rng, trade, industry, self.dname)
            if kind == "individual_business"
            else names.company_name(rng, trade, industry)
        )
        return DemoSubject(
            key=uscc,
            kind=kind,
            name=name,
            uscc=uscc,
            legal_rep=names.person_name(rng),
            address=names.road_address(rng, self.code, self.dname),
            registered_on=registered,
            **base,
        )


def kind_of_prefix(prefix: str, fallback: str) -> str:
    """Subject kind implied by a USCC prefix (11-13 government body, 92 individual business …)."""
    if prefix in ("11", "12", "13"):
        return "government"
    if prefix == "92":
        return "individual_business"
    if prefix in ("54", "55") or prefix.startswith("N"):
        return "village"
    if fallback in ("village", "government", "person", "carrier") and prefix == KIND_PREFIX.get(fallback):
        return fallback
    return "enterprise"


def pilot_subjects(
    programmes: tuple[Programme, ...], config: DemoConfig
) -> tuple[dict[str, DistrictMaker], Iterator[DemoSubject]]:
    """District makers (for later extras) and an iterator over every pilot subject, district by
    district: carrier first, then roster roles in file order (parents before children)."""
    makers = {p.district.code: DistrictMaker(p, config) for p in programmes}

    def walk() -> Iterator[DemoSubject]:
        for maker in makers.values():
            carrier = maker.carrier()
            if carrier is not None:
                yield carrier
            yield from maker.roster()

    return makers, walk()


def extra_subjects(makers: dict[str, DistrictMaker], count: int) -> Iterator[DemoSubject]:
    """`count` generic subjects spread round-robin over the districts, generated lazily."""
    order = list(makers.values())
    for i in range(count):
        yield order[i % len(order)].extra(i // len(order))
