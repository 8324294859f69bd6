"""Scheme versions saved from the console (the shipped schemes are YAML under supervision/).

Append-only: a save is a new version; the newest version of a scheme id is in force."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base


class SchemeVersion(Base):
    """One saved version of a supervision scheme (YAML text as the officer saved it)."""

    __tablename__ = "supervision_scheme_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scheme_id: Mapped[str] = mapped_column(String(64))
    district_code: Mapped[str] = mapped_column(String(6))
    text: Mapped[str] = mapped_column(Text)  # the scheme YAML
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(2000))
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_supervision_scheme_versions_scheme", "scheme_id", "id"),)
