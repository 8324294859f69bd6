"""List definitions as data (catalogue/lists/*.yaml) and the API's shapes.

A definition carries: legal basis (document + article), deciding authority, whether the list is
public, entry (a rule — its CEL expression is saved as a versioned rule `lists.<id>.entry` — or
manual only), whether entry needs an officer's decision (`decision: officer`: candidates go to the
review queue) or is automatic, the duration of a membership, and exit conditions (term end; for
automatic lists the criteria no longer holding, or an explicit exit rule). docs/lists.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME = r"^[a-z][a-z0-9_]{0,47}$"
CATEGORIES = {
    "red": ("守信激励名单（红名单）", "red list (trustworthiness incentives)"),
    "black": ("严重失信主体名单（黑名单）", "serious dishonesty list (blacklist)"),
    "focus": ("重点关注名单", "focus list"),
    "white": ("白名单", "whitelist"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(_Strict):
    years: int = Field(0, ge=0, le=50)
    months: int = Field(0, ge=0, le=600)
    days: int = Field(0, ge=0, le=20000)


class Entry(_Strict):
    mode: Literal["rule", "manual"]
    expression: str | None = Field(None, description="CEL over subject facts (docs/rules.md); mode rule")
    decision: Literal["automatic", "officer"] = Field(
        "officer", description="automatic: sync lists at once; officer: candidates wait in the review queue"
    )
    criteria_zh: str = Field("", description="the entry criteria in words, as the basis states them")


class Exit(_Strict):
    duration: Duration | None = Field(None, description="membership term from the start date; None: open")
    when_criteria_lapse: bool = Field(
        False, description="automatic lists: leave at the first sync where the entry rule no longer holds"
    )
    expression: str | None = Field(None, description="automatic lists: leave when this rule holds")
    early_exit_zh: str = Field("", description="early exit on application: conditions and procedure in words")
    remedies_zh: str = Field("", description="objection / review remedies (国办发〔2020〕49号 requires them)")


class ListDefinition(_Strict):
    id: str = Field(pattern=NAME)
    name_zh: str
    name_en: str
    category: Literal["red", "black", "focus", "white"]
    district: str | None = Field(None, pattern=r"^\d{6}$", description="district code; None: city-wide")
    authority: str = Field(min_length=2, description="认定机关 (deciding authority)")
    legal_basis: str = Field(min_length=4, description="document and article")
    public: bool = Field(description="memberships shown on the public card (社会公开)")
    excludes_from_benefits: bool = Field(False, description="members get no incentive (失信惩戒)")
    scope_kinds: tuple[str, ...] = Field((), description="subject kinds the entry rule may list; () = any")
    entry: Entry
    exit: Exit = Exit()
    note: str = ""

    @property
    def entry_rule_id(self) -> str:
        return f"lists.{self.id}.entry"

    @property
    def exit_rule_id(self) -> str:
        return f"lists.{self.id}.exit"

    @property
    def category_zh(self) -> str:
        return CATEGORIES[self.category][0]


# --------------------------------------------------------------------------- API shapes


class ListOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    category: str
    category_zh: str
    district: str | None
    authority: str
    legal_basis: str
    public: bool
    excludes_from_benefits: bool
    entry_mode: str
    entry_decision: str
    entry_expression: str | None
    entry_rule_version: int | None = None
    duration: dict[str, int] | None
    exit_zh: str
    members: int | None = None
    pending: int | None = None


class MembershipOut(BaseModel):
    id: int
    list_id: str
    list_name_zh: str
    subject_id: str
    subject_name: str | None = None
    listed_on: dt.date
    start_on: dt.date
    planned_end_on: dt.date | None
    end_on: dt.date | None = Field(description="the earlier of the planned end and the exit")
    status: str = Field(description="pending | active | expired | exited (as of the date)")
    status_zh: str
    authority: str
    basis: str
    reason: str
    via: str
    rule_id: str | None
    rule_version: int | None
    exit_kind: str | None = None
    exit_reason: str | None = None
    leaf_index: int
    exit_leaf_index: int | None = None


class CandidateOut(BaseModel):
    id: int
    list_id: str
    list_name_zh: str
    subject_id: str
    subject_name: str | None = None
    found_on: dt.date
    rule_id: str
    rule_version: int
    facts: dict[str, Any]
    status: str
    decided_by: str | None
    decision_reason: str | None
    membership_id: int | None


class ManualEntryIn(BaseModel):
    subject_id: str = Field(max_length=24)
    basis: str = Field("", max_length=2000, description="legal basis of this entry: document, article, 文号")
    reason: str = Field("", max_length=2000)
    start_on: dt.date | None = None
    listed_on: dt.date | None = None


class ExitIn(BaseModel):
    reason: str = Field("", max_length=2000)
    exit_on: dt.date | None = None


class DecisionIn(BaseModel):
    decision: Literal["accept", "reject"]
    reason: str = Field("", max_length=2000)


class SyncOut(BaseModel):
    list_id: str
    as_of: dt.date
    rule_version: int | None
    entered: int
    exited: int
    expired: int
    candidates: int
