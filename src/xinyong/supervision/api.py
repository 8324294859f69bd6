"""REST API of tiered supervision (docs/api.md "Tiered supervision")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import DB, require_role
from xinyong.apitypes import Day
from xinyong.disclosure.policy import Viewer
from xinyong.supervision import service

router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])
Officer = Annotated[Viewer, Depends(require_role("city_admin", "district_officer"))]


@router.get("/schemes")
def api_schemes(viewer: Officer, session: Session = DB) -> list[dict[str, Any]]:
    """Schemes in force (a district officer: its district's), each as its validated document."""
    district = viewer.district_code if viewer.role == "district_officer" else None
    return [
        s.model_dump(mode="json")
        for s in service.all_schemes(session).values()
        if district is None or s.district == district
    ]


@router.get("/subjects/{subject_id}")
def api_subject_tiers(
    subject_id: str,
    viewer: Officer,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD, default today")] = None,
    session: Session = DB,
) -> list[dict[str, Any]]:
    """A subject's tier under each scheme of its district, with the reason (中文 / English)."""
    from xinyong.archive.service import SubjectNotFound, visible_subject

    try:
        subject = visible_subject(session, subject_id=subject_id[:64], viewer=viewer)
    except SubjectNotFound as exc:
        raise HTTPException(404, detail=exc.message) from None
    if viewer.role == "district_officer" and subject.district_code != viewer.district_code:
        raise HTTPException(404, detail=SubjectNotFound(subject_id[:64]).message)
    return [
        d.as_dict() for d in service.tiers_of_subject(session, subject=subject, as_of=as_of or clock.today())
    ]
