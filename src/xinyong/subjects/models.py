"""Tables of the subject registry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType

# Subject kinds (主体类别). Kept as strings so a new kind needs no migration.
SUBJECT_KINDS = {
    "enterprise": "企业",
    "individual_business": "个体工商户",
    "person": "自然人",
    "government": "政府机构",
    "village": "村（社区）",
    "carrier": "载体（楼宇/园区/市场）",
}


class Subject(Base):
    """A credit subject (信用主体). Personal data (id_number, names of persons, legal_rep) is
    stored in full and masked by the disclosure policy wherever it is shown."""

    __tablename__ = "subjects"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)  # deterministic, see service.subject_id
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)  # 居民身份证号 (personal)
    local_code: Mapped[str | None] = mapped_column(String(64), unique=True)  # carriers without a USCC
    division_code: Mapped[str | None] = mapped_column(String(6))
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    legal_rep: Mapped[str | None] = mapped_column(String(100))  # 法定代表人 (personal)
    industry: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    pilot: Mapped[str | None] = mapped_column(String(64), index=True)  # programme pilot id (试点)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("subjects.id"))  # the carrier hosting it
    attributes: Mapped[dict] = mapped_column(JsonType, default=dict)
    source: Mapped[str] = mapped_column(String(100))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_subjects_district_kind", "district_code", "kind"),)
