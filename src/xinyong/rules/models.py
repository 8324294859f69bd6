"""Rule versions (规则版本). Append-only: saving a changed expression adds a version, nothing is
overwritten, so every decision can name the exact rule text that made it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType


class RuleVersion(Base):
    """One version of a rule: its CEL source, the facts it reads, who saved it and why."""

    __tablename__ = "rule_versions"

    rule_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 1, 2, …
    expression: Mapped[str] = mapped_column(Text)  # CEL source (the subset in docs/rules.md)
    vocabulary: Mapped[str] = mapped_column(String(32))  # fact vocabulary it was checked against
    facts: Mapped[list] = mapped_column(
        JsonType
    )  # fact columns it reads, e.g. ["kind", "grade[city_enterprise]"]
    sha256: Mapped[str] = mapped_column(String(64))  # of the expression text
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC
