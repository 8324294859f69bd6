"""信易+ scenarios as data (`scenarios/*.yaml`, directory XINYONG_SCENARIOS_DIR): who a scenario serves,
its eligibility as CEL conditions over the subject's facts (docs/incentives.md "Facts"), and the
benefit. Loading validates every file and compiles every expression; errors name file, scenario,
condition and reason in Chinese and English."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import cel
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xinyong.settings import REPO_ROOT

BENEFIT_TYPES: dict[str, tuple[str, str]] = {
    "tolerant_acceptance": ("承诺制与容缺受理", "commitment-based and tolerant acceptance"),
    "onsite_service": ("云服务、上门服务", "cloud or on-site service"),
    "fast_track_approval": ("优先办理、压缩时限", "priority approval, shorter time limits"),
    "inspection_waiver": ("免于单独执法检查", "no separate inspections"),
    "reduced_inspection": ("降低抽查比例", "fewer random inspections"),
    "discount": ("折扣优惠", "discount"),
    "priority_recommendation": ("优先推荐", "priority recommendation"),
    "honour_selection": ("评选推荐", "selection for an honour"),
    "event_invitation": ("活动邀请", "event invitation"),
    "subsidy": ("资金补贴", "subsidy"),
    "credit_line": ("信用授信", "credit line"),
    "consulting": ("信用咨询服务", "credit consulting"),
    "policy_package": ("惠企政策包", "policy package"),
    "credit_product": ("信用产品", "credit product"),
}

# Facts a condition may name (the vocabulary; docs/incentives.md). Map facts are read as `grade.MODEL`.
FACTS: dict[str, tuple[str, str]] = {
    "kind": ("主体类别", "subject kind"),
    "district": ("所属区（行政区划代码）", "district code"),
    "pilot": ("试点", "pilot id"),
    "role": ("试点角色", "roster role (attributes.role)"),
    "industry": ("行业", "industry"),
    "grade": ("各模型的等级（如 grade.city_enterprise）", "grade by model (grade.MODEL)"),
    "score": ("各模型的得分（取整）", "score by model, floored (score.MODEL)"),
    "person_score": (
        "个人信用积分（自然人，0–1000；非自然人为 -1）",
        "individual score (-1 if not a person)",
    ),
    "judgment_debtor": ("失信被执行人（未移除）", "listed judgment debtor"),
    "serious_penalties": ("严重行政处罚数（3年内）", "serious penalties in 3 years"),
    "penalties": ("行政处罚数（1年内）", "penalties in 1 year"),
    "commitment_signed": ("已签署信用承诺", "a credit commitment signed or kept"),
    "honours": ("表彰荣誉数（3年内）", "honours in 3 years"),
    "lists": ("所在名单", "ids of the lists the subject is in"),
}
MAP_FACT = re.compile(r"\b(grade|score)\.([a-z][a-z0-9_]*)")


class ScenarioError(ValueError):
    def __init__(self, where: str, zh: str, en: str) -> None:
        super().__init__(f"{where}: {zh} / {en}")
        self.where, self.zh, self.en = where, zh, en


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Improve(_Strict):
    """How to say what would make a failed condition hold: a model's grade or score."""

    model: str
    grades: list[str] = Field(default_factory=list)
    min_score: int | None = None


class Condition(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    expression: str
    zh: str  # the condition in words (shown when it fails, and as a matching reason when it holds)
    en: str
    hint_zh: str | None = None  # what the subject can do
    hint_en: str | None = None
    improve: Improve | None = None


class Who(_Strict):
    subject_kinds: list[str]
    districts: list[str] = Field(default_factory=list)
    pilots: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)


class Benefit(_Strict):
    type: str
    zh: str
    en: str


class Policy(_Strict):
    """One policy of a policy package (惠企政策包): who among the eligible it fits, and why."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    roles: list[str] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)


class Scenario(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    district: str | None = None  # None: city-wide
    programme_scenario: str | None = None  # the scenario id in programmes/<district>.yaml it implements
    who: Who
    benefit: Benefit
    conditions: list[Condition] = Field(min_length=1)
    policies: list[Policy] = Field(default_factory=list)
    department: str | None = None  # who grants it

    @property
    def expression(self) -> str:
        """The whole eligibility rule: every condition holds."""
        return " && ".join(f"({c.expression})" for c in self.conditions)

    def models(self) -> set[str]:
        out = {c.improve.model for c in self.all_conditions() if c.improve}
        for c in self.all_conditions():
            out |= {m.group(2) for m in MAP_FACT.finditer(c.expression)}
        return out

    def all_conditions(self) -> list[Condition]:
        return [*self.conditions, *(c for p in self.policies for c in p.conditions)]


class ScenarioFile(_Strict):
    scenarios: list[Scenario]


@lru_cache(maxsize=4096)
def compile_expression(expression: str) -> object:
    """Compile a CEL condition; ScenarioError on a syntax error or an unknown fact (with the name)."""
    try:
        program = cel.compile(expression)
    except ValueError as exc:
        msg = str(exc).split("ERROR: ", 1)[-1].splitlines()[0]
        raise ScenarioError("expression", f"规则无法编译：{msg}", f"rule does not compile: {msg}") from None
    unknown = sorted(set(program.variables()) - set(FACTS))
    if unknown:
        raise ScenarioError(
            "expression",
            f"未知事实 {', '.join(unknown)}（可用：{', '.join(FACTS)}）",
            f"unknown fact {', '.join(unknown)} (known: {', '.join(FACTS)})",
        )
    return program


def check_scenario(sc: Scenario, models: set[str] | None = None) -> list[str]:
    """Every problem of one scenario (empty: fine)."""
    errors = []
    if sc.benefit.type not in BENEFIT_TYPES:
        errors.append(f"{sc.id}.benefit.type: 未知优惠类型 {sc.benefit.type} / unknown benefit type")
    for c in sc.all_conditions():
        try:
            compile_expression(c.expression)
        except ScenarioError as exc:
            errors.append(f"{sc.id}.{c.id}: {exc.zh} / {exc.en}")
    if models is not None:
        for m in sorted(sc.models() - models):
            errors.append(f"{sc.id}: 未知模型 {m} / unknown model {m}")
    return errors


def scenarios_dir() -> Path:
    return Path(os.environ.get("XINYONG_SCENARIOS_DIR") or REPO_ROOT / "scenarios").resolve()


def load_file(path: Path, models: set[str] | None = None) -> list[Scenario]:
    try:
        data = ScenarioFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise ScenarioError(path.name, f"{loc}: 格式错误 {first['msg']}", f"{loc}: {first['msg']}") from None
    errors = [e for sc in data.scenarios for e in check_scenario(sc, models)]
    if errors:
        raise ScenarioError(path.name, "; ".join(errors), "see the Chinese text for each error")
    return data.scenarios


@lru_cache(maxsize=4)
def _load(directory: Path) -> tuple[Scenario, ...]:
    from xinyong.evaluation.service import load_models

    models = set(load_models())
    out: dict[str, Scenario] = {}
    for path in sorted(directory.glob("*.yaml")):
        for sc in load_file(path, models):
            if sc.id in out:
                raise ScenarioError(path.name, f"场景编号重复 {sc.id}", f"duplicate scenario id {sc.id}")
            out[sc.id] = sc
    return tuple(out.values())


def load_scenarios(directory: Path | None = None) -> tuple[Scenario, ...]:
    return _load((directory or scenarios_dir()).resolve())


def get_scenario(scenario_id: str) -> Scenario:
    """The scenario, or ScenarioError naming the unknown id."""
    for sc in load_scenarios():
        if sc.id == scenario_id:
            return sc
    raise ScenarioError("scenario_id", f"未知场景 {scenario_id}", f"unknown scenario {scenario_id}")


def applies_to(sc: Scenario, *, kind: str, district: str | None, pilot: str | None, role: str | None) -> bool:
    """Is the subject among those the scenario serves (who)? Out-of-scope scenarios are not listed."""
    w = sc.who
    return (
        kind in w.subject_kinds
        and (not w.districts or district in w.districts)
        and (not w.pilots or pilot in w.pilots)
        and (not w.roles or role in w.roles)
    )


Kind = Literal["granted", "refused"]
