"""Pydantic shapes of an archive (信用档案). The same object feeds the console page, the JSON API,
the CLI and the PDF report, so every surface shows the same content."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from xinyong.status.models import ACTIVE, STATUSES

EXPIRED = "expired"


# Where a record stands on the as-of date (记录状态): the status vocabulary of xinyong.status (active,
# objection, repaired, upheld, revoked, erased) plus the date rule's `expired` (已过期: publicity or
# validity ended before the as-of date). One vocabulary: this enum is built from it.
RecordStatus = StrEnum(
    "RecordStatus", {name: name for name in (ACTIVE, EXPIRED, *(s for s in STATUSES if s != ACTIVE))}
)

STATUS_LABELS: dict[RecordStatus, tuple[str, str]] = {
    RecordStatus(name): labels for name, labels in {**STATUSES, EXPIRED: ("已过期", "expired")}.items()
}


POLARITY_LABELS: dict[str, tuple[str, str]] = {
    "positive": ("守信激励信息", "positive"),
    "negative": ("失信约束信息", "negative"),
    "neutral": ("基础与监管信息", "registration & supervision"),
}


VIEW_LABELS: dict[str, str] = {
    "public": "公开版 public",
    "department": "政务共享版 department",
    "bank": "授权查询版 authorised",
    "full": "完整版 full",
}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class FieldLabel(_Out):
    name: str
    label_zh: str
    label_en: str


class ArchiveVersion(_Out):
    """One version of a corrected record (更正历史), fields passed through the disclosure policy."""

    version: int
    recorded_on: dt.date = Field(description="date this version was collected (UTC)")
    batch_id: int | None
    content_id: str
    occurred_on: dt.date | None
    amount: float | None
    fields: dict[str, Any]


class ArchiveRecord(_Out):
    """One record as the viewer may see it. `fields` were passed through the disclosure policy
    (personal fields masked for the public)."""

    id: str
    kind: str
    status: RecordStatus
    status_zh: str
    polarity: str
    severity: str | None
    disclosure: str
    occurred_on: dt.date | None
    publicity_until: dt.date | None
    valid_until: dt.date | None
    source: str = Field(description="who supplied the record (数据来源)")
    source_record_id: str | None
    collected_on: dt.date = Field(description="date the platform first collected it (归集日期)")
    amount: float | None
    fields: dict[str, Any]
    version: int = Field(1, description="the version shown: the one current as of the archive's date")
    corrected: bool = Field(False, description="corrected (已更正) by the archive's date: version > 1")
    history: list[ArchiveVersion] = Field(
        default_factory=list,
        description="versions recorded by the archive's date, oldest first (only for corrected records)",
    )


class KindGroup(_Out):
    kind: str
    name_zh: str
    name_en: str
    polarity: str
    field_labels: list[FieldLabel]
    records: list[ArchiveRecord]
    counts: dict[str, int]


class SubjectView(_Out):
    """Identity and registration facts (身份与登记信息), as presented to the viewer."""

    id: str
    kind: str
    kind_zh: str
    name: str
    uscc: str | None = None
    id_number: str | None = None
    local_code: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    division_code: str | None = None
    legal_rep: str | None = None
    industry: str | None = None
    address: str | None = None
    registered_on: dt.date | None = None
    pilot: str | None = None
    source: str | None = None


class GradeView(_Out):
    """A grade from the evaluation domain, shown as it is given (model, grade, score, reasons)."""

    model: str
    model_id: str = ""
    grade: str
    grade_label: str | None = None
    score: float | None = None
    as_of: dt.date | None = None
    reasons: list[str] = Field(default_factory=list, description="top reason codes, one line each")
    stale_since: dt.date | None = Field(
        None, description="评价后有新记录: the day records changed after the grade"
    )

    @property
    def stale_note(self) -> str:
        """The words every surface shows next to a stale grade ('' when it is current)."""
        return (
            f"评价后有新记录（{self.stale_since.isoformat()}） / records changed since"
            if self.stale_since
            else ""
        )


class SectionItem(_Out):
    label: str
    value: str
    note: str | None = None
    note_en: str | None = None


class ArchiveSection(_Out):
    """A block another domain adds to the archive through archive.service.ARCHIVE_SECTIONS."""

    id: str
    title_zh: str
    title_en: str
    items: list[SectionItem]
    href: str | None = Field(None, description="a page with the whole story (e.g. the benefits page)")
    href_label: str | None = None


class Archive(_Out):
    subject: SubjectView
    as_of: dt.date
    view: str = Field(description="the disclosure level applied (public / department / subject / full …)")
    groups: list[KindGroup]
    grades: list[GradeView]
    counts: dict[str, int] = Field(description="records per status")
    sections: list[ArchiveSection] = Field(
        default_factory=list, description="blocks added by other domains (e.g. supervision tier)"
    )
    merged_from: str | None = Field(
        None,
        description="the id asked for when it was merged into this subject (主体合并): its archive is this one",
    )
    merged_ids: list[str] = Field(
        default_factory=list, description="subjects an officer merged into this one (docs/subjects.md)"
    )
    # The evaluation results `grades` was made from, in evaluation's full shape (not part of the output).
    _grade_results: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    @property
    def grade_results(self) -> list[dict[str, Any]]:
        """The results behind `grades` as evaluation.service.latest_grades gave them (reasons, what would
        change them …), for the console's grade cards: the page draws both from the archive's one read of
        the grades, so one view of a person's score under a grant is one logged read."""
        return self._grade_results

    def by_polarity(self, polarity: str) -> list[KindGroup]:
        return [g for g in self.groups if g.polarity == polarity]


class SubjectSummary(_Out):
    """One row of a subject list/search."""

    id: str
    kind: str
    kind_zh: str
    name: str
    uscc: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    industry: str | None = None
    pilot: str | None = None


class SubjectPage(_Out):
    total: int
    limit: int
    offset: int
    items: list[SubjectSummary]
