"""Pydantic shapes of the accounts API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from xinyong.disclosure.policy import LOGIN_ROLES


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    role: str = Field(description=f"one of {', '.join(LOGIN_ROLES)}")
    display_name: str | None = Field(default=None, max_length=100)
    password: str | None = Field(default=None, description="omit for an API-key-only (machine) account")
    district_code: str | None = Field(default=None, pattern=r"^\d{6}$", description="district_officer only")
    kinds: list[str] = Field(default_factory=list, description="department only: record kinds it supplies")
    subject_id: str | None = Field(default=None, description="subject accounts only")
    sources: list[str] = Field(
        default_factory=list, description="department only: data sources (数据来源) it may push under"
    )


class SourcesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(description="the complete list of data sources the department may push under")


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=100)
    is_active: bool | None = None


class UserOut(_Out):
    id: int
    username: str
    display_name: str
    role: str
    district_code: str | None
    kinds: list[str]
    sources: list[str]
    subject_id: str | None
    is_active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    password: str


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: dt.datetime


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    expires_at: dt.datetime | None = None


class ApiKeyOut(_Out):
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the API key; shown once, only its digest is stored")


class ViewerOut(BaseModel):
    role: str
    username: str | None
    display_name: str | None
    district_code: str | None
    kinds: list[str] | None
    subject_id: str | None
    via: str


class AccessLogOut(_Out):
    id: int
    at: dt.datetime = Field(description="when, in UTC with its offset (…+00:00)")
    user_id: str | None
    username: str | None
    role: str
    viewer_district: str | None
    subject_id: str
    subject_district: str | None
    purpose: str
    surface: str
    detail: dict

    @field_validator("at")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime:
        """The store keeps naive UTC; the API says so (`2026-11-30T12:00:00+00:00`)."""
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
