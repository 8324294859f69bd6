"""Console page of risk early warning (/alerts): watchlists and alerts with their findings, scoped
as the API (city: all; district officer: their district; bank: the lists it owns)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import db_session, require_console_role
from xinyong.alerts import service
from xinyong.alerts.api import scope
from xinyong.alerts.models import SEVERITIES, WATCHLIST_KINDS
from xinyong.console.templating import render
from xinyong.disclosure.policy import Viewer

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(db_session)]
Watcher = Annotated[Viewer, Depends(require_console_role("city_admin", "district_officer", "bank"))]


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, db: Db, viewer: Watcher):
    return render(
        request,
        "alerts/alerts.html",
        alerts=service.visible_alerts(db, viewer, as_of=clock.today(), **scope(viewer)),
        watchlists=service.list_watchlists(db, **scope(viewer)),
        severities=SEVERITIES,
        kinds=WATCHLIST_KINDS,
        viewer=viewer,
    )
