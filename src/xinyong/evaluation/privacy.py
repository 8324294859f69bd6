"""Who may see a personal score (个人信用积分): the one decision every surface that shows an evaluation
result asks — the archive page and API, the grades API and history, the grade card, the exports, the
list filters and sorts, the public card, the person-score pages of xinyong.incentives, benefit uses of
score-gated scenarios, and `xinyong explain` (evaluation.service.explain_for). Rules never read a
personal score for officers: `personal_models()` marks `grade`/`score` of these models as personal facts
that only a rule acting for the person may read (xinyong.rules.facts, docs/rules.md).

A model is *personal* when every kind of subject it grades is one whose very existence is personal
data (disclosure.policy.PRIVATE_SUBJECT_KINDS, i.e. natural persons): `person_haihe` today. A result
of a personal model is seen only by

* the person (a `subject` login bound to that subject id), and
* a user holding the person's *live* authorisation grant (purpose, expiry; not revoked) — the grants
  live in a higher domain (xinyong.incentives), so they are reached through `GRANT_PROVIDERS`, module
  names each defining `live_grant(session, *, subject_id, viewer, now) -> grant | None` (the grant has
  `.id` and `.purpose`), `grant_clause(viewer, subject_id_column, now) -> SQL boolean` and
  `grant_holder(session, *, grant_id) -> (grantee user id, person's subject id) | None` (the CLI names
  a grant: `xinyong explain --grant`).

Nobody else sees it: not the city administrator, not a district office, not a department, not a bank
without a grant, not the public, not the CLI operator. Results of other models are governed by the
subject's own disclosure (subject_filter), as before.

Two equivalent forms, as in disclosure.policy: `result_access` (Python, the reference, one subject) and
`result_filter` (SQL over a model-id and a subject-id column, for listings). tests/evaluation/
test_privacy.py checks them against each other. A read under a grant is logged with `log_grant_read`.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import Session

from xinyong.disclosure.policy import PRIVATE_SUBJECT_KINDS, Viewer

GRANT_PROVIDERS: list[str] = [
    "xinyong.incentives.grants",
]


@dataclass(frozen=True)
class Access:
    """May the viewer see the result; `grant` is the grant that allows it (None: not personal, or the
    person themself)."""

    allowed: bool
    grant: Any = None


class Withheld(PermissionError):
    """The viewer may not see this personal result (message in Chinese and English)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


def withheld(model_id: str, subject_id: str) -> Withheld:
    return Withheld(
        f"{model_id} 是个人信用积分（自然人 {subject_id}），仅本人或持有本人有效授权者可见",
        f"{model_id} is a person's credit score (person {subject_id}): seen only by the person or a holder "
        "of the person's live grant",
    )


def personal_models() -> frozenset[str]:
    """Ids of the loaded models that grade natural persons only (results are personal data)."""
    from xinyong.evaluation.service import load_models

    return frozenset(
        m.id for m in load_models().values() if set(m.subject_kinds) <= set(PRIVATE_SUBJECT_KINDS)
    )


@lru_cache(maxsize=1)
def _providers() -> tuple[ModuleType, ...]:
    out = []
    for name in GRANT_PROVIDERS:
        try:
            out.append(importlib.import_module(name))
        except ImportError:  # a provider domain that is not installed grants nothing
            continue
    return tuple(out)


def is_person(viewer: Viewer, subject_id: str) -> bool:
    return viewer.role == "subject" and viewer.subject_id is not None and viewer.subject_id == subject_id


def result_access(
    session: Session,
    *,
    viewer: Viewer,
    subject_id: str,
    model_id: str,
    now: dt.datetime | None = None,
    personal: frozenset[str] | None = None,
) -> Access:
    """The reference decision for one (subject, model) result."""
    personal = personal_models() if personal is None else personal
    if model_id not in personal or is_person(viewer, subject_id):
        return Access(True)
    for provider in _providers():
        grant = provider.live_grant(session, subject_id=subject_id, viewer=viewer, now=now)
        if grant is not None:
            return Access(True, grant)
    return Access(False)


def result_filter(
    viewer: Viewer,
    *,
    model_id: Any,
    subject_id: Any,
    now: dt.datetime | None = None,
    personal: frozenset[str] | None = None,
) -> ColumnElement[bool]:
    """SQL: the result in columns (`model_id`, `subject_id`) may be shown to the viewer."""
    personal = personal_models() if personal is None else personal
    if not personal:
        return true()
    allowed: list[ColumnElement[bool]] = [model_id.not_in(sorted(personal))]
    if viewer.role == "subject" and viewer.subject_id:
        allowed.append(subject_id == viewer.subject_id)
    for provider in _providers():
        allowed.append(provider.grant_clause(viewer, subject_id, now))
    return or_(*allowed) if allowed else false()


def _user_viewer(session: Session, user: Any) -> Viewer | None:
    if user is None or not user.is_active:
        return None
    from xinyong.accounts.service import viewer_for

    return viewer_for(user)


def viewer_for_user(session: Session, *, username: str) -> Viewer | None:
    """The viewer of an active login (the CLI acting as that user), or None."""
    from sqlalchemy import select

    from xinyong.accounts.models import User

    return _user_viewer(session, session.scalar(select(User).where(User.username == username)))


def viewer_for_grant(session: Session, *, grant_id: int, subject_id: str) -> Viewer | None:
    """The holder of grant `grant_id` on the person `subject_id`, as a viewer (the CLI acting for a
    grant holder); None for an unknown grant, a grant on another person or an inactive holder. Whether
    the holder may read now is still `result_access`'s decision (the grant must be live)."""
    from xinyong.accounts.models import User

    for provider in _providers():
        found = provider.grant_holder(session, grant_id=grant_id)
        if found is not None:
            user_id, person = found
            return _user_viewer(session, session.get(User, user_id)) if person == subject_id else None
    return None


def log_grant_read(
    session: Session,
    *,
    viewer: Viewer,
    subject_id: str,
    access: Access,
    surface: str,
    what: str,
    as_of: dt.date,
    now: dt.datetime | None = None,
) -> None:
    """One access-log row (查询留痕) for a personal result read under a grant (purpose = the grant's)."""
    if access.grant is None:
        return
    from xinyong.accounts.service import log_access

    log_access(
        session,
        viewer=viewer,
        subject_id=subject_id,
        purpose=access.grant.purpose,
        surface=surface,
        detail={"what": what, "grant_id": access.grant.id, "as_of": as_of.isoformat()},
        now=now,
    )
