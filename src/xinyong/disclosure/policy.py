"""The disclosure policy (信息披露规则): one decision used by every surface.

Pages, API, exports, reports and the CLI ask this module what a viewer may see. It has two
equivalent forms:

* `record_visible` / `subject_visible` — plain Python over one row, the *reference*;
* `record_filter` / `subject_filter` — SQL where-clauses over `Record` joined to `Subject`, which
  listing code must use, so the store (not a Python loop) decides what a viewer may list.

tests/disclosure/ checks both forms against each other for every viewer × disclosure level ×
district × publicity combination, on SQLite and PostgreSQL. The matrix is documented in
docs/disclosure.md; change both forms and that page together.

Vocabulary:
* disclosure level (公开属性) of a record: ``public`` (社会公开), ``authorised`` (授权查询),
  ``government`` (政务共享). Anything else is treated as the most restricted level.
* publicity window (公示期): a record is inside it when ``publicity_until`` is null or on/after the
  as-of date. After it ends the record leaves every public surface.
* occurrence: a record whose ``occurred_on`` is after the as-of date does not exist yet for anyone.
* status (记录状态, xinyong.status): derived from the record's status events effective by the as-of
  date. A *withdrawn* record (repaired 已修复, objection upheld 异议成立, revoked 已撤销, erased 已删除)
  leaves public disclosure, sharing (banks, other districts, other departments) and evaluation; its
  own scope (the subject's district office, the supplying department, the subject itself) still
  sees it, marked. An *erased* record is seen only by the city. A record under objection (异议中)
  stays visible and is marked on every surface. Withdrawn and erased are absorbing states
  (tests/status checks it on the transition table), which is what lets the SQL form be a plain
  NOT EXISTS over the status events effective by the as-of date.
* personal data (个人信息): names and ID numbers of natural persons, phone numbers, a person's
  address. Masked (张*明, 120101********1234, 138****5678) unless the viewer may see it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, and_, exists, false, or_, true
from sqlalchemy.orm import aliased

from xinyong.disclosure.masking import (  # noqa: F401 - re-exported: masking lives in masking.py
    PERSON_ID_KEYS,
    PERSON_NAME_KEYS,
    PHONE_KEYS,
    _keep_as_uscc,
    _looks_like_person_name,
    mask_text,
    mask_value,
)
from xinyong.records.models import Record
from xinyong.status.models import ACTIVE, ERASED, REPAIRED, REVOKED, UPHELD, StatusEvent
from xinyong.subjects.identifiers import check_citizen_id, mask_id_number, mask_name
from xinyong.subjects.models import Subject

ROLES: dict[str, str] = {
    "public": "社会公众",
    "city_admin": "市级管理员",
    "district_officer": "区诚信办",
    "department": "行业部门",
    "bank": "金融机构",
    "subject": "信用主体",
}
LOGIN_ROLES = tuple(r for r in ROLES if r != "public")

PUBLIC_LEVEL = "public"
AUTHORISED_LEVEL = "authorised"
GOVERNMENT_LEVEL = "government"
LEVELS = (PUBLIC_LEVEL, AUTHORISED_LEVEL, GOVERNMENT_LEVEL)

# Record statuses (xinyong.status) that take a record out of public disclosure, sharing and
# evaluation, and those that hide it from everyone but the city.
WITHDRAWN_STATUSES = frozenset({REPAIRED, UPHELD, REVOKED, ERASED})
ERASED_STATUSES = frozenset({ERASED})

# Subjects whose very existence is personal data. Every other kind (enterprises, individual
# businesses, government bodies, villages, carriers) is on a public register, so its card is public.
PRIVATE_SUBJECT_KINDS = frozenset({"person"})


@dataclass(frozen=True)
class Viewer:
    """Who is looking. Built from a login (accounts.deps.current_viewer) or by the CLI."""

    role: str  # one of ROLES
    user_id: str | None = None
    district_code: str | None = None  # district_officer: the one district it runs
    kinds: frozenset[str] | None = None  # department: the record kinds it supplies
    subject_id: str | None = None  # subject: the subject account's own subject
    username: str | None = None

    PUBLIC: ClassVar[Viewer]
    OPERATOR: ClassVar[Viewer]

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"未知角色 {self.role!r} / unknown role {self.role!r}; one of {sorted(ROLES)}")

    @property
    def is_public(self) -> bool:
        return self.role == "public"

    @property
    def label(self) -> str:
        """Who, for the access log and page headers: 'username (role)'."""
        return f"{self.username or self.user_id or 'anonymous'} ({self.role})"


Viewer.PUBLIC = Viewer(role="public")
# The operator at the CLI works with the database's own rights (issue #3 §6): the full view.
Viewer.OPERATOR = Viewer(role="city_admin", user_id="cli", username="cli")
PUBLIC = Viewer.PUBLIC
OPERATOR = Viewer.OPERATOR


# --------------------------------------------------------------------------- reference (Python)


def in_publicity(record: Any, as_of: dt.date) -> bool:
    return record.publicity_until is None or record.publicity_until >= as_of


def occurred_by(record: Any, as_of: dt.date) -> bool:
    """The record has happened by the as-of date (an undated record always has)."""
    return record.occurred_on is None or record.occurred_on <= as_of


def counts_in_evaluation(status: str) -> bool:
    """Whether a record with this status (as of the evaluation date) counts in a credit grade."""
    return status not in WITHDRAWN_STATUSES


def _publicly_disclosed(record: Any, as_of: dt.date, status: str) -> bool:
    return (
        record.disclosure == PUBLIC_LEVEL and in_publicity(record, as_of) and status not in WITHDRAWN_STATUSES
    )


def _own_district(viewer: Viewer, subject: Any) -> bool:
    return (
        viewer.role == "district_officer"
        and viewer.district_code is not None
        and subject.district_code == viewer.district_code
    )


def _own_subject(viewer: Viewer, subject_id: str | None) -> bool:
    return viewer.role == "subject" and viewer.subject_id is not None and subject_id == viewer.subject_id


def record_visible(viewer: Viewer, record: Any, subject: Any, as_of: dt.date, status: str = ACTIVE) -> bool:
    """May `viewer` see `record` (of `subject`) as of `as_of`? The reference for `record_filter`.

    `status` is the record's status as of `as_of` (`xinyong.status.service.statuses` /
    `derive_status`); the default `active` is right only for a record without status events.
    Whether the subject itself may be seen is a separate question (`subject_visible`); surfaces
    check that first and answer 404 when it fails.
    """
    role = viewer.role
    if not occurred_by(record, as_of):
        return False
    if role == "city_admin":
        return True
    if status in ERASED_STATUSES:
        return False
    if role == "district_officer":
        return _own_district(viewer, subject) or _publicly_disclosed(record, as_of, status)
    if role == "department":
        return record.kind in (viewer.kinds or ()) or _publicly_disclosed(record, as_of, status)
    if role == "bank":
        return (
            record.disclosure in (PUBLIC_LEVEL, AUTHORISED_LEVEL)
            and in_publicity(record, as_of)
            and status not in WITHDRAWN_STATUSES
        )
    if role == "subject":
        return _own_subject(viewer, record.subject_id) or _publicly_disclosed(record, as_of, status)
    return _publicly_disclosed(record, as_of, status)


def subject_visible(viewer: Viewer, subject: Any) -> bool:
    """May `viewer` know that `subject` exists? False must look exactly like "not found" (404)."""
    if viewer.role == "city_admin":
        return True
    if _own_district(viewer, subject) or _own_subject(viewer, subject.id):
        return True
    return subject.kind not in PRIVATE_SUBJECT_KINDS


def sees_personal_data(viewer: Viewer, subject: Any | None) -> bool:
    """Unmasked names / ID numbers of the subject's people: the city, the subject's own district
    office and the subject itself. Departments get it only inside records of their own kinds
    (see `present_record`), banks and the public never."""
    if viewer.role == "city_admin":
        return True
    if subject is None:
        return False
    return _own_district(viewer, subject) or _own_subject(viewer, subject.id)


def full_archive(viewer: Viewer, subject: Any) -> bool:
    """True when the viewer sees the subject's whole archive (non-public records included);
    such reads must be written to the access log (查询留痕) with `accounts.deps.log_access`."""
    return sees_personal_data(viewer, subject)


def list_membership_visible(viewer: Viewer, subject: Any | None, *, public_list: bool) -> bool:
    """May `viewer` see that `subject` is on a credit list (xinyong.lists)? Callers have checked
    `subject_visible` first. A public list's memberships (红名单, 严重失信主体名单) are public; a
    non-public list's (重点关注, 白名单) are seen by the city, the subject's own district office, banks
    (whitelists are shared with them for 信易贷) and the subject itself."""
    if public_list or viewer.role in ("city_admin", "bank"):
        return True
    if subject is None:
        return False
    return _own_district(viewer, subject) or _own_subject(viewer, subject.id)


# --------------------------------------------------------------------------- the same policy in SQL


def _sql_in_publicity(as_of: dt.date) -> ColumnElement[bool]:
    return or_(Record.publicity_until.is_(None), Record.publicity_until >= as_of)


def _sql_occurred_by(as_of: dt.date) -> ColumnElement[bool]:
    return or_(Record.occurred_on.is_(None), Record.occurred_on <= as_of)


def _sql_has_status(statuses: frozenset[str], as_of: dt.date) -> ColumnElement[bool]:
    """The record reached one of these (absorbing) statuses by the as-of date: EXISTS over its
    status events (index ix_record_status_events_record). EXISTS is two-valued, so NOT stays exact.
    An anonymous alias correlated to `Record` only, so the clause also works in queries that read
    status events themselves."""
    event = aliased(StatusEvent)
    return (
        exists()
        .where(
            event.record_id == Record.id,
            event.effective_on <= as_of,
            event.status.in_(sorted(statuses)),
        )
        .correlate(Record)
    )


def _sql_publicly_disclosed(as_of: dt.date) -> ColumnElement[bool]:
    return and_(
        Record.disclosure == PUBLIC_LEVEL,
        _sql_in_publicity(as_of),
        ~_sql_has_status(WITHDRAWN_STATUSES, as_of),
    )


def _sql_own_district(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.role != "district_officer" or viewer.district_code is None:
        return false()
    # The explicit IS NOT NULL keeps the clause two-valued (NULL district → false, not unknown),
    # so it stays correct under NOT as well.
    return and_(Subject.district_code.is_not(None), Subject.district_code == viewer.district_code)


def _sql_own_subject(viewer: Viewer, column: Any) -> ColumnElement[bool]:
    if viewer.role != "subject" or viewer.subject_id is None:
        return false()
    return column == viewer.subject_id


def record_filter(viewer: Viewer, as_of: dt.date) -> ColumnElement[bool]:
    """`record_visible` as a where-clause; the query must join `Subject` on `Record.subject_id`.

    `as_of` may be a date or a bound parameter of type Date. Usage: ``select(Record).join(Subject,
    Subject.id == Record.subject_id).where(record_filter(viewer, as_of), subject_filter(viewer))``.
    """
    role = viewer.role
    occurred = _sql_occurred_by(as_of)
    if role == "city_admin":
        return occurred
    if role == "district_officer":
        scope = or_(_sql_own_district(viewer), _sql_publicly_disclosed(as_of))
    elif role == "department":
        kinds = sorted(viewer.kinds or ())
        own_kinds = Record.kind.in_(kinds) if kinds else false()
        scope = or_(own_kinds, _sql_publicly_disclosed(as_of))
    elif role == "bank":
        scope = and_(
            Record.disclosure.in_([PUBLIC_LEVEL, AUTHORISED_LEVEL]),
            _sql_in_publicity(as_of),
            ~_sql_has_status(WITHDRAWN_STATUSES, as_of),
        )
    elif role == "subject":
        scope = or_(_sql_own_subject(viewer, Record.subject_id), _sql_publicly_disclosed(as_of))
    else:
        scope = _sql_publicly_disclosed(as_of)
    return and_(occurred, ~_sql_has_status(ERASED_STATUSES, as_of), scope)


def subject_filter(viewer: Viewer) -> ColumnElement[bool]:
    """`subject_visible` as a where-clause over `Subject`."""
    if viewer.role == "city_admin":
        return true()
    return or_(
        _sql_own_district(viewer),
        _sql_own_subject(viewer, Subject.id),
        Subject.kind.not_in(sorted(PRIVATE_SUBJECT_KINDS)),
    )


# --------------------------------------------------------------------------- presentation (masking)


def _personal_names(subject: Any | None) -> tuple[str, ...]:
    if subject is None:
        return ()
    names = [subject.legal_rep] if subject.legal_rep else []
    if subject.kind in PRIVATE_SUBJECT_KINDS and subject.name:
        names.append(subject.name)
    if subject.id_number:
        names.append(subject.id_number)
    attributes = subject.attributes or {}
    names += [str(attributes[k]) for k in PERSON_ID_KEYS if attributes.get(k)]
    names += [
        str(attributes[k]) for k in PERSON_NAME_KEYS if _looks_like_person_name(str(attributes.get(k) or ""))
    ]
    return tuple(names)


def present_subject(viewer: Viewer, subject: Any) -> dict[str, Any]:
    """Identity fields of a subject, masked unless the viewer may see personal data.

    Callers must have checked `subject_visible` first. Values keep their Python types (dates stay
    `datetime.date`); FastAPI and Jinja render them.
    """
    out: dict[str, Any] = {
        "id": subject.id,
        "kind": subject.kind,
        "name": subject.name,
        "uscc": subject.uscc,
        "id_number": subject.id_number,
        "local_code": subject.local_code,
        "division_code": subject.division_code,
        "district_code": subject.district_code,
        "legal_rep": subject.legal_rep,
        "industry": subject.industry,
        "address": subject.address,
        "registered_on": subject.registered_on,
        "pilot": subject.pilot,
        "parent_id": subject.parent_id,
        "attributes": dict(subject.attributes or {}),
        "source": subject.source,
        "masked": False,
    }
    if sees_personal_data(viewer, subject):
        return out
    names = _personal_names(subject)
    person = subject.kind in PRIVATE_SUBJECT_KINDS
    out.update(
        name=mask_name(subject.name) if person else mask_text(subject.name, names),
        id_number=mask_id_number(subject.id_number) if subject.id_number else None,
        # A citizen ID stored as a "USCC" (data from before issue 10's import check) is personal.
        uscc=mask_id_number(subject.uscc)
        if subject.uscc and check_citizen_id(subject.uscc).valid and not _keep_as_uscc(subject.uscc)
        else subject.uscc,
        legal_rep=mask_name(subject.legal_rep) if subject.legal_rep else None,
        address=None if person else subject.address,
        attributes=mask_value(None, out["attributes"], names),
        masked=True,
    )
    return out


def present_record(viewer: Viewer, record: Any, subject: Any | None = None) -> dict[str, Any]:
    """A record's fields with personal data masked unless the viewer may see it.

    Pass the record's `subject` when you have it: it lets the subject's own district office and
    the subject itself see names unmasked, and lets masking find the legal representative's and a
    person's name inside free text. Without it only the city (and a department, for its own kinds)
    sees unmasked data — the safe side.
    """
    out: dict[str, Any] = {
        "id": record.id,
        "kind": record.kind,
        "subject_id": record.subject_id,
        "source": record.source,
        "source_record_id": record.source_record_id,
        "occurred_on": record.occurred_on,
        "publicity_until": record.publicity_until,
        "valid_until": record.valid_until,
        "severity": record.severity,
        "polarity": record.polarity,
        "disclosure": record.disclosure,
        "amount": record.amount,
        "fields": dict(record.fields or {}),
        "original": dict(record.original or {}),
        "first_seen": record.first_seen,
        "last_seen": record.last_seen,
        "masked": False,
    }
    if subject is not None and subject.id != record.subject_id:
        raise ValueError("present_record: subject does not own the record")
    own_kind = viewer.role == "department" and record.kind in (viewer.kinds or ())
    if sees_personal_data(viewer, subject) or own_kind:
        return out
    names = _personal_names(subject)
    out.update(
        fields=mask_value(None, out["fields"], names),
        original=mask_value(None, out["original"], names),
        source_record_id=mask_text(record.source_record_id, names) if record.source_record_id else None,
        masked=True,
    )
    return out
