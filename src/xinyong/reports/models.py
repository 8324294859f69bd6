"""The register of issued credit reports (报告登记): what each report number committed to."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType


class IssuedReport(Base):
    """One issued report, written when the PDF is produced (reports.service.register_report).

    ``number`` (XYR-<as-of>-<12 hex>) is the first 12 hex digits of ``digest``, the SHA-256 of the
    archive's canonical JSON — exactly what the report states. ``viewer`` is who it was issued to
    (role, district, kinds, subject: the disclosure level it was built at), ``records_digest`` the
    digest of the records that viewer could see on the issue day (to tell a verifier whether the
    archive changed since). ``issued_at`` is UTC; ``valid_until`` the last local day it verifies."""

    __tablename__ = "reports"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    view: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    records_digest: Mapped[str] = mapped_column(String(64))
    viewer: Mapped[dict] = mapped_column(JsonType)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    valid_until: Mapped[dt.date] = mapped_column(Date)
