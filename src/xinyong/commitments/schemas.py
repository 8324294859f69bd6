"""Pydantic shapes: commitment templates (catalogue/commitments/*.yaml) and the API's bodies.

A template is one scenario's commitment letter (承诺书) of one type of the national typology
(国办发〔2019〕35号; 国办发〔2020〕42号 for 告知承诺; 《经营主体信用承诺实施指南》 for content,
procedure and consequences): its text, its clauses, what a breach costs (which 35号 requires to be
explicit), its term, and who may sign it. docs/commitments.md describes every field.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CommitmentType = Literal[
    "approval_substitute",
    "tolerant_acceptance",
    "public_declaration",
    "industry_self_discipline",
    "credit_repair",
]
# type → (中文, English, stage of the typology)
COMMITMENT_TYPES: dict[str, tuple[str, str]] = {
    "approval_substitute": ("审批替代型（告知承诺）", "approval substitute (notification commitment)"),
    "tolerant_acceptance": ("容缺受理型", "tolerant acceptance (documents missing)"),
    "public_declaration": ("主动公示型", "public declaration"),
    "industry_self_discipline": ("行业自律型", "industry self-discipline"),
    "credit_repair": ("信用修复型", "credit repair"),
}
# How the period of "one commitment per subject + template + period" is keyed: `once` (one ever),
# `yearly` (one per calendar year of signing), `per_signature` (the idempotency key is the period:
# a repair commitment per repair application).
PeriodRule = Literal["once", "yearly", "per_signature"]
_ID = r"^[a-z][a-z0-9_]*$"


class Template(BaseModel):
    """One commitment letter template (catalogue/commitments/<id>.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID, max_length=64)
    version: int = Field(ge=1, description="raise when the text changes; signed letters keep theirs")
    type: CommitmentType
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=200)
    scenario_zh: str = Field(min_length=1, description="the scenario the plan names (经营主体诚信经营 …)")
    basis: tuple[str, ...] = Field(min_length=1, description="legal basis / policy documents")
    accepted_by: str = Field(min_length=1, description="accepting authority (承诺受理单位)")
    text_zh: str = Field(min_length=1, description="the letter's opening")
    clauses: tuple[str, ...] = Field(min_length=1, description="承诺事项, one per item")
    breach_consequences_zh: str = Field(min_length=1, description="违诺后果, explicit (35号)")
    term_months: int | None = Field(None, ge=1, le=120, description="months in force; None: until withdrawn")
    period: PeriodRule = "yearly"
    pilots: tuple[str, ...] = Field((), description="pilot ids that use it; empty: any subject")
    districts: tuple[str, ...] = Field((), description="district codes that use it; empty: any")
    subject_kinds: tuple[str, ...] = ("enterprise", "individual_business")
    breach_severity: Literal["minor", "general", "serious"] = "general"
    online: bool = Field(True, description="may be signed online with the subject's account")

    @field_validator("districts")
    @classmethod
    def _codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if len(code) != 6 or not code.isdigit():
                raise ValueError(f"district code {code!r} is not 6 digits / 区划代码应为 6 位数字")
        return value

    @property
    def type_zh(self) -> str:
        return COMMITMENT_TYPES[self.type][0]

    def letter(self) -> str:
        """The letter as a subject signs it: opening, numbered clauses, consequences."""
        items = "\n".join(f"{i}. {c}" for i, c in enumerate(self.clauses, 1))
        return f"{self.text_zh}\n{items}\n违诺后果：{self.breach_consequences_zh}"


class SignIn(BaseModel):
    """POST /api/v1/commitments: sign (subject account, online) or record a paper signature (officer)."""

    model_config = ConfigDict(extra="forbid")

    template_id: str = Field(max_length=64)
    subject_id: str | None = Field(None, max_length=24, description="officers: whose; subjects: their own")
    channel: Literal["online", "paper"] = "online"
    idempotency_key: str | None = Field(None, max_length=100, description="default: subject+template+period")
    paper_ref: str | None = Field(None, max_length=200, description="paper letter number (paper only)")
    signed_on: dt.date | None = Field(None, description="paper: the date on the letter; default today")


class StepIn(BaseModel):
    """POST /api/v1/commitments/{id}/events: kept, breached, expired or withdrawn, with a reason."""

    model_config = ConfigDict(extra="forbid")

    event: Literal["kept", "breached", "expired", "withdrawn"]
    reason: str = Field(min_length=1, max_length=2000)
    effective_on: dt.date | None = Field(None, description="default today")


class EventOut(BaseModel):
    id: int
    event: str
    event_zh: str
    state: str
    state_zh: str
    effective_on: dt.date
    actor: str
    reason: str
    recorded_at: dt.datetime
    leaf_index: int
    breach_record_no: str | None = None


class CommitmentOut(BaseModel):
    id: str
    template_id: str
    template_version: int
    type: str
    type_zh: str
    name_zh: str
    subject_id: str
    subject_name: str | None = None
    district_code: str | None
    pilot: str | None
    channel: str
    signed_by: str
    signed_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None
    state: str | None
    state_zh: str
    as_of: dt.date
    text: str
    events: list[EventOut] = []


class RateOut(BaseModel):
    """Signing rate of one pilot as of a date (programme targets commitment_rate / commitment_count)."""

    pilot: str
    pilot_zh: str
    district_code: str
    district_name: str
    as_of: dt.date
    subjects: int = Field(description="roster subjects of the pilot (the carrier excluded)")
    signed_subjects: int = Field(description="of them, with a commitment signed by as_of and not withdrawn")
    rate: float = Field(description="signed_subjects / subjects (0 when no subjects)")
    signed_count: int = Field(description="commitments signed by as_of and not withdrawn")
    target_metric: str | None = None
    target_value: float | None = None
    target_deadline: dt.date | None = None
    target_met: bool | None = None
