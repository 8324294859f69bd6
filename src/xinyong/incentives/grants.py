"""The person's authorisation grants as seen by evaluation.privacy (registered in its GRANT_PROVIDERS, so
the evaluation domain never imports this one): a grant is *live* when not revoked and
`granted_at ≤ now < expires_at` (naive UTC). Both forms below say the same thing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, select
from sqlalchemy.orm import Session

from xinyong.accounts.service import utcnow
from xinyong.disclosure.policy import Viewer
from xinyong.incentives.models import ScoreGrant


def _user_id(viewer: Viewer) -> int | None:
    return int(viewer.user_id) if viewer.user_id and str(viewer.user_id).isdigit() else None


def live_grant(
    session: Session, *, subject_id: str, viewer: Viewer, now: dt.datetime | None = None
) -> ScoreGrant | None:
    """The viewer's live grant on this person's score, if any (latest expiry first)."""
    uid = _user_id(viewer)
    if uid is None:
        return None
    now = now or utcnow()
    return session.scalars(
        select(ScoreGrant)
        .where(
            ScoreGrant.subject_id == subject_id,
            ScoreGrant.grantee_user_id == uid,
            ScoreGrant.revoked_at.is_(None),
            ScoreGrant.granted_at <= now,
            ScoreGrant.expires_at > now,
        )
        .order_by(ScoreGrant.expires_at.desc(), ScoreGrant.id.desc())
        .limit(1)
    ).first()


def grant_clause(viewer: Viewer, subject_id: Any, now: dt.datetime | None = None) -> ColumnElement[bool]:
    """SQL: the viewer holds a live grant on the person in column `subject_id`."""
    uid = _user_id(viewer)
    if uid is None:
        return false()
    now = now or utcnow()
    return exists().where(
        and_(
            ScoreGrant.subject_id == subject_id,
            ScoreGrant.grantee_user_id == uid,
            ScoreGrant.revoked_at.is_(None),
            ScoreGrant.granted_at <= now,
            ScoreGrant.expires_at > now,
        )
    )


def grant_holder(session: Session, *, grant_id: int) -> tuple[int, str] | None:
    """(grantee user id, the person's subject id) of a grant, live or not; None for an unknown id."""
    g = session.get(ScoreGrant, grant_id)
    return None if g is None else (g.grantee_user_id, g.subject_id)
