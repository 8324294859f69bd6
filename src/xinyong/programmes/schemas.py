"""Pydantic shapes of a district programme file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class District(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^\d{6}$", description="administrative division code (行政区划代码)")
    name: str
    name_en: str


class Plan(BaseModel):
    model_config = ConfigDict(extra="allow")

    title: str
    carrier: str


class Programme(BaseModel):
    model_config = ConfigDict(extra="allow")

    district: District
    plan: Plan
