"""Pydantic shapes of the accounts API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from xinyong.apitypes import UtcDateTime, UtcDateTimeIn
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
    created_at: UtcDateTime
    last_login_at: UtcDateTime | None


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
    expires_at: UtcDateTime


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    expires_at: UtcDateTimeIn | None = None


class ApiKeyOut(_Out):
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: UtcDateTime
    expires_at: UtcDateTime | None
    last_used_at: UtcDateTime | None
    revoked_at: UtcDateTime | None


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
    at: UtcDateTime = Field(description="when, in UTC with its offset (…+00:00)")
    user_id: str | None
    username: str | None
    role: str
    viewer_district: str | None
    subject_id: str
    subject_district: str | None
    purpose: str
    surface: str
    detail: dict
