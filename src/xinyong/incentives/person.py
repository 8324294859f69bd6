"""Individual credit score (个人信用积分, 海河分-like) and the person's authorisation grants.

The score is the model `models/person_haihe.yaml` run by the evaluation engine (python engine on one
subject): an integer 0–1000 (`decimals: 0`; the dimensions are clamped to 0..1000 and the weights add
up to 100, so the weighted sum cannot leave that range). See docs/person-score.md.

Who may read it (`may_read_score`):
* the person (a `subject` login bound to the person's subject id), always;
* a user holding a *live* grant from the person: not revoked, `granted_at ≤ now < expires_at`.
  Every read under a grant writes one access-log row (查询留痕) with the grant's purpose.
Nobody else — not the city, not a district office, not a bank — sees it; they get None.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.accounts.service import log_access, utcnow
from xinyong.disclosure.policy import Viewer
from xinyong.evaluation import privacy
from xinyong.evaluation import service as evaluation
from xinyong.incentives.errors import IncentiveError
from xinyong.incentives.grants import live_grant  # noqa: F401 - re-exported
from xinyong.incentives.models import ScoreGrant
from xinyong.subjects.models import Subject

PERSON_MODEL = "person_haihe"
MAX_GRANT_DAYS = 366  # an authorisation is for a purpose and a time; a year at most


def _person(session: Session, subject_id: str) -> Subject:
    subject = session.get(Subject, subject_id)
    if subject is None or subject.kind != "person":
        raise IncentiveError("subject_id", f"自然人主体 {subject_id} 不存在", f"no person {subject_id}", 404)
    return subject


is_self = privacy.is_person


def may_read_score(
    session: Session, *, subject_id: str, viewer: Viewer, now: dt.datetime | None = None
) -> tuple[bool, ScoreGrant | None]:
    """(allowed, the grant used or None). The person always; anyone else only under a live grant —
    decided by evaluation.privacy.result_access, the one decision for every score surface."""
    access = privacy.result_access(
        session, viewer=viewer, subject_id=subject_id, model_id=PERSON_MODEL, now=now
    )
    return access.allowed, access.grant


def _evaluate(session: Session, subject_id: str, as_of: dt.date) -> dict[str, Any] | None:
    return evaluation.evaluate_subject(session, subject_id=subject_id, model_id=PERSON_MODEL, as_of=as_of)


def person_score(
    session: Session,
    *,
    subject_id: str,
    as_of: dt.date,
    viewer: Viewer,
    now: dt.datetime | None = None,
    surface: str = "api",
) -> int | None:
    """The person's score (int, 0–1000) as of `as_of`, or None when the viewer may not see it, the
    subject is not a person or does not exist. A read under a grant is written to the access log
    (purpose = the grant's purpose) in the caller's transaction."""
    subject = session.get(Subject, subject_id)
    if subject is None or subject.kind != "person":
        return None
    allowed, grant = may_read_score(session, subject_id=subject_id, viewer=viewer, now=now)
    if not allowed:
        return None
    row = _evaluate(session, subject_id, as_of)
    if row is None:
        return None
    if grant is not None:
        log_access(
            session,
            viewer=viewer,
            subject_id=subject_id,
            purpose=grant.purpose,
            surface=surface,
            detail={"what": "person_score", "grant_id": grant.id, "as_of": as_of.isoformat()},
            now=now,
        )
    return int(row["score_units"])  # decimals: 0 → units are points


def score_report(
    session: Session,
    *,
    subject_id: str,
    as_of: dt.date,
    viewer: Viewer,
    now: dt.datetime | None = None,
    surface: str = "api",
) -> dict[str, Any]:
    """The score with its grade, reasons and what would raise it (repairable records with their dates,
    positive records that would add points). Raises IncentiveError 404 when the viewer may not see
    it (the same answer as "no such person": its existence is personal data)."""
    subject = session.get(Subject, subject_id)
    allowed, grant = (False, None)
    if subject is not None and subject.kind == "person":
        allowed, grant = may_read_score(session, subject_id=subject_id, viewer=viewer, now=now)
    if not allowed:
        raise IncentiveError("subject_id", f"自然人主体 {subject_id} 不存在", f"no person {subject_id}", 404)
    report = evaluation.explain(session, subject_id=subject_id, model_id=PERSON_MODEL, as_of=as_of)
    if grant is not None:
        log_access(
            session,
            viewer=viewer,
            subject_id=subject_id,
            purpose=grant.purpose,
            surface=surface,
            detail={"what": "person_score_report", "grant_id": grant.id, "as_of": as_of.isoformat()},
            now=now,
        )
    report["score"] = int(report["score"])
    report["range"] = [0, 1000]
    report["viewer_is_person"] = grant is None
    report["grant"] = (
        {
            "id": grant.id,
            "purpose": grant.purpose,
            "granted_at": grant.granted_at.isoformat(),
            "expires_at": grant.expires_at.isoformat(),
        }
        if grant is not None
        else None
    )
    return report


# --------------------------------------------------------------------------- grants


def grant_score_access(
    session: Session,
    *,
    subject_id: str,
    grantee_username: str,
    purpose: str,
    expires_at: dt.datetime,
    actor: Viewer,
    now: dt.datetime | None = None,
) -> ScoreGrant:
    """The person (or the CLI operator recording a paper authorisation) lets one user read the score
    for `purpose` until `expires_at` (naive UTC, after now, at most MAX_GRANT_DAYS ahead)."""
    now = now or utcnow()
    _person(session, subject_id)
    if not (is_self(actor, subject_id) or actor.role == "city_admin" and actor.user_id == "cli"):
        # only the person grants; to anyone else the person does not exist (its existence is personal data)
        raise IncentiveError("subject_id", f"自然人主体 {subject_id} 不存在", f"no person {subject_id}", 404)
    purpose = (purpose or "").strip()
    if not purpose:
        raise IncentiveError("purpose", "授权必须写明用途", "a grant needs a purpose")
    if len(purpose) > 200:
        raise IncentiveError("purpose", "用途不能超过200字", "purpose is longer than 200 characters")
    if expires_at <= now:
        raise IncentiveError("expires_at", "到期时间必须晚于现在", "expiry must be in the future")
    if expires_at > now + dt.timedelta(days=MAX_GRANT_DAYS):
        raise IncentiveError(
            "expires_at", f"授权期限最长{MAX_GRANT_DAYS}天", f"a grant lasts at most {MAX_GRANT_DAYS} days"
        )
    grantee = session.scalar(select(User).where(User.username == grantee_username))
    if grantee is None or not grantee.is_active:
        raise IncentiveError("grantee", f"用户 {grantee_username} 不存在", f"no user {grantee_username}", 404)
    if grantee.subject_id == subject_id:
        raise IncentiveError("grantee", "本人无需授权", "the person needs no grant")
    grant = ScoreGrant(
        subject_id=subject_id,
        grantee_user_id=grantee.id,
        purpose=purpose,
        granted_by=actor.label[:100],
        granted_at=now,
        expires_at=expires_at,
    )
    session.add(grant)
    session.flush()
    return grant


def revoke_grant(
    session: Session, *, grant_id: int, actor: Viewer, now: dt.datetime | None = None
) -> ScoreGrant:
    """Stamp `revoked_at` (once). Only the person (or the CLI operator)."""
    grant = session.get(ScoreGrant, grant_id)
    if grant is None or not (
        is_self(actor, grant.subject_id) or actor.role == "city_admin" and actor.user_id == "cli"
    ):
        raise IncentiveError("grant_id", f"授权 {grant_id} 不存在", f"no grant {grant_id}", 404)
    if grant.revoked_at is None:
        grant.revoked_at = now or utcnow()
        session.flush()
    return grant


def list_grants(session: Session, *, subject_id: str, actor: Viewer) -> list[dict[str, Any]]:
    """The person's grants, newest first, with the grantee's name and whether each is live."""
    if not (is_self(actor, subject_id) or actor.role == "city_admin" and actor.user_id == "cli"):
        raise IncentiveError("subject_id", f"自然人主体 {subject_id} 不存在", f"no person {subject_id}", 404)
    now = utcnow()
    rows = session.execute(
        select(ScoreGrant, User.username, User.display_name)
        .join(User, User.id == ScoreGrant.grantee_user_id)
        .where(ScoreGrant.subject_id == subject_id)
        .order_by(ScoreGrant.granted_at.desc(), ScoreGrant.id.desc())
    ).all()
    return [grant_dict(g, username, name, now) for g, username, name in rows]


def grant_dict(g: ScoreGrant, username: str, display_name: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": g.id,
        "subject_id": g.subject_id,
        "grantee": username,
        "grantee_name": display_name,
        "purpose": g.purpose,
        "granted_by": g.granted_by,
        "granted_at": g.granted_at.isoformat(),
        "expires_at": g.expires_at.isoformat(),
        "revoked_at": g.revoked_at.isoformat() if g.revoked_at else None,
        "live": g.revoked_at is None and g.granted_at <= now < g.expires_at,
    }


def grants_held(session: Session, *, viewer: Viewer, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The live grants the viewer holds (a bank's 授权查询 list), soonest expiry first, each with the
    person's name as the viewer may see it (masked for a bank: disclosure.present_subject)."""
    from xinyong.disclosure.policy import present_subject

    uid = int(viewer.user_id) if viewer.user_id and str(viewer.user_id).isdigit() else None
    if uid is None:
        return []
    now = now or utcnow()
    rows = session.execute(
        select(ScoreGrant, Subject)
        .join(Subject, Subject.id == ScoreGrant.subject_id)
        .where(
            ScoreGrant.grantee_user_id == uid,
            ScoreGrant.revoked_at.is_(None),
            ScoreGrant.granted_at <= now,
            ScoreGrant.expires_at > now,
        )
        .order_by(ScoreGrant.expires_at, ScoreGrant.id)
    ).all()
    return [
        {
            "id": g.id,
            "subject_id": g.subject_id,
            "name": present_subject(viewer, s)["name"],
            "purpose": g.purpose,
            "granted_at": g.granted_at.isoformat(),
            "expires_at": g.expires_at.isoformat(),
        }
        for g, s in rows
    ]
