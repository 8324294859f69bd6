"""Pydantic shapes of a district programme file (programmes/<code>_<name>.yaml).

A programme is one district's 2023 plan (行动方案) as data: the district, the plan, and its pilot
(试点): the carrier (载体: building, park, market …), the roster of subjects by role with the sizes
the seed names, the incentive scenarios (信易+ 场景) and the targets (工作目标) as KPIs that later
features compute from the store. docs/programmes.md describes every field.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Subject kinds a roster may hold (see xinyong.subjects.models.SUBJECT_KINDS).
RosterKind = Literal["enterprise", "individual_business", "person", "government", "village", "carrier"]

# How the demo generator names a roster's subjects (xinyong.demo.names).
NameStyle = Literal["company", "shop", "mixed", "homestay", "village", "person", "listed"]

_ID = r"^[a-z][a-z0-9_]*$"


class FormerCode(BaseModel):
    """A division code the district's area used before (宝坻县 120224 before 宝坻区 120115).
    Citizen IDs keep the code of their issue, so residents born earlier carry it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^\d{6}$")
    name: str
    since: int | None = Field(None, description="first year the code was in use (inclusive)")
    until: int = Field(description="last year the code was in use (inclusive)")


class District(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^\d{6}$", description="administrative division code (行政区划代码)")
    name: str
    name_en: str
    code_since: int | None = Field(None, description="year the current code came into use")
    former_codes: tuple[FormerCode, ...] = ()

    def code_in(self, year: int) -> str:
        """The division code a citizen ID issued for someone born in `year` carries."""
        if self.code_since is None or year >= self.code_since:
            return self.code
        for former in self.former_codes:
            if (former.since is None or year >= former.since) and year <= former.until:
                return former.code
        return self.code


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(description="short theme shown on the console, e.g. 诚信消费商圈")
    title_en: str = ""
    theme: str = Field("", description="the plan's subtitle, e.g. “信用+消费商圈”应用创新")
    document: str = Field("", description="title of the district's action plan (行动方案)")
    carrier: str = Field(description="the pilot carrier as the plan names it")


class Carrier(BaseModel):
    """The pilot's carrier (载体) as a subject of its own (kind `carrier`): a building, park or
    market that hosts the roster and is itself evaluated (河西 evaluates the building)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    name_en: str = ""
    type: str = Field(pattern=_ID, description="building | mall | park | market | hospital | area …")
    type_zh: str
    address: str = ""
    uscc_prefix: str | None = Field(
        None,
        pattern=r"^[0-9A-Y]{2}$",
        description="when the carrier is a registered unit (e.g. a hospital, 12)",
    )
    industry: str = ""


class NamedSubject(BaseModel):
    """A subject the seed names (e.g. 远东宏信（天津）融资租赁有限公司). Part of its roster's count."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    industry: str = ""
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)


class RosterGroup(BaseModel):
    """One role in the pilot's roster, with the size the seed gives (e.g. 300余个联营品牌)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str = Field(pattern=_ID)
    role_zh: str
    kind: RosterKind
    count: int = Field(ge=0, description="subjects of this role (per parent when per_parent)")
    seed_text: str = Field("", description="the seed's own words for this group, e.g. 300余个联营品牌")
    uscc_prefix: str | None = Field(
        None,
        pattern=r"^[0-9A-Y]{2}$",
        description="registration dept + category; default by kind (91, 92, 11, 54)",
    )
    prefix_mix: dict[str, float] = Field(
        default_factory=dict, description="several USCC prefixes with weights, e.g. {'12': 3, '52': 1}"
    )
    individual_share: float = Field(
        0.0, ge=0, le=1, description="share registered as 个体工商户 (92) when kind is enterprise"
    )
    industries: list[str] = Field(default_factory=list)
    name_style: NameStyle = "company"
    named: list[NamedSubject] = Field(default_factory=list)
    parent_role: str | None = Field(
        None, pattern=_ID, description="hosted by subjects of this role instead of the carrier"
    )
    per_parent: bool = Field(False, description="count is per parent subject (villagers per village)")
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _named_fit(self) -> RosterGroup:
        if len(self.named) > self.count:
            raise ValueError(f"named subjects ({len(self.named)}) exceed count ({self.count})")
        if self.per_parent and not self.parent_role:
            raise ValueError("per_parent needs parent_role")
        return self


class Scenario(BaseModel):
    """An incentive scenario (信易+ 场景) the plan launches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID)
    name_zh: str
    name_en: str = ""
    description_zh: str = ""
    rule: str = Field("", description="who qualifies, in words (the CEL rule lives with incentives)")


class Target(BaseModel):
    """A target (工作目标) as a KPI: `metric op value`, computed from the store, never typed in.

    `milestone` targets (a regulation issued, a system built) are `metric: milestone, op: "==",
    value: true`: done or not, recorded as an event by the district office.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID)
    text_zh: str = Field(description="the target in the seed's words")
    text_en: str = ""
    metric: str = Field(pattern=_ID)
    op: Literal[">=", "<=", "==", ">", "<"]
    value: float | int | bool
    unit: Literal["ratio", "count", "cny", "bool"] = "count"
    roles: list[str] = Field(default_factory=list, description="roster roles in scope (default: all)")
    scope: Literal["pilot", "district"] = Field(
        "pilot", description="count over the pilot or the whole district"
    )
    deadline: dt.date | None = None


class Pilot(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID)
    name_zh: str
    name_en: str = ""
    carrier: Carrier | None = None
    roster: list[RosterGroup] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Pilot:
        roles = [g.role for g in self.roster]
        dupes = {r for r in roles if roles.count(r) > 1}
        if dupes:
            raise ValueError(f"duplicate roster roles: {sorted(dupes)}")
        for i, group in enumerate(self.roster):
            if group.parent_role and group.parent_role not in roles[:i]:
                raise ValueError(
                    f"roster[{i}] ({group.role}): parent_role {group.parent_role!r} "
                    "must be an earlier roster role"
                )
        for t in self.targets:
            unknown = [r for r in t.roles if r not in roles]
            if unknown:
                raise ValueError(f"target {t.id}: unknown roles {unknown}")
        ids = [t.id for t in self.targets] + [s.id for s in self.scenarios]
        if len(ids) != len(set(ids)):
            raise ValueError("target and scenario ids must be unique")
        return self

    @property
    def roster_size(self) -> int:
        """Subjects in the roster (per-parent groups multiplied out), without the carrier."""
        sizes: dict[str, int] = {}
        for g in self.roster:
            sizes[g.role] = g.count * sizes[g.parent_role] if g.per_parent and g.parent_role else g.count
        return sum(sizes.values())


class Programme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    district: District
    plan: Plan
    pilot: Pilot
