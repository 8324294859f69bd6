"""Request and response bodies of the credit-medical API (amounts in fen, integers)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

Amount = int | float | str | None  # checked by books.check_amount so the refusal names zh/en and field


class ChargeIn(BaseModel):
    patient_id: str = Field(max_length=64, description="the patient's subject id")
    amount_fen: Amount = Field(description="charge in fen (integer > 0)")
    idempotency_key: str = Field(
        min_length=1, max_length=120, description="the hospital's key of this charge"
    )
    charged_on: dt.date
    visit_no: str = Field("", max_length=100)


class ChargeOut(BaseModel):
    transaction_id: int
    replayed: bool
    available_fen: int


class SignUpIn(BaseModel):
    subject_id: str = Field(max_length=64)
    as_of: dt.date | None = None


class LineOut(BaseModel):
    subject_id: str
    score: int
    line_fen: int
    status: str
    signed_on: dt.date


class RepaymentIn(BaseModel):
    subject_id: str = Field(max_length=64)
    amount_fen: Amount = None
    idempotency_key: str = Field(min_length=1, max_length=120)
    paid_on: dt.date


class StatementOut(BaseModel):
    month: str
    due_on: dt.date
    charged_fen: int
    paid_fen: int
    outstanding_fen: int
    interest_fen: int
    overdue_days: int
    status: str
    charges: list[dict]


class PatientOut(BaseModel):
    subject_id: str
    line_fen: int
    available_fen: int
    status: str
    statements: list[StatementOut]
