"""REST endpoints of risk early warning: alerts and watchlists. The city administrator sees all; a
district officer their district's (alerts by the subject's district); a bank (or any other login)
the watchlists it owns and their alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from xinyong import clock
from xinyong.accounts.deps import Db, require_role
from xinyong.alerts import service
from xinyong.alerts.schemas import AlertOut, FindingOut, WatchlistOut
from xinyong.disclosure.policy import Viewer

router = APIRouter(prefix="/api/v1", tags=["alerts"])
Watcher = Annotated[Viewer, Depends(require_role("city_admin", "district_officer", "bank"))]


def scope(viewer: Viewer) -> dict:
    return {
        "district_code": viewer.district_code if viewer.role == "district_officer" else None,
        "city": viewer.role == "city_admin",
        "owner": int(viewer.user_id) if viewer.user_id else None,
    }


@router.get("/alerts", response_model=list[AlertOut])
def get_alerts(db: Db, viewer: Watcher) -> list[AlertOut]:
    """Alerts newest first (at most 200), each with the findings the disclosure policy lets the caller see."""
    return [
        AlertOut(
            id=a.id,
            watchlist_id=a.watchlist_id,
            subject_id=a.subject_id,
            day=a.day,
            severity=a.severity,
            findings=[FindingOut.model_validate(f, from_attributes=True) for f in fs],
        )
        for a, fs in service.visible_alerts(db, viewer, as_of=clock.today(), **scope(viewer))
    ]


@router.get("/watchlists", response_model=list[WatchlistOut])
def get_watchlists(db: Db, viewer: Watcher) -> list[WatchlistOut]:
    """Watchlists the caller may see."""
    return [
        WatchlistOut.model_validate(w, from_attributes=True)
        for w in service.list_watchlists(db, **scope(viewer))
    ]
