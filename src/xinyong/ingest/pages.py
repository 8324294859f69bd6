"""Console page of ingestion: the quarantine (隔离区), open rejected rows with their reasons."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from xinyong.accounts.deps import require_console_role
from xinyong.catalogue.service import load_catalogue
from xinyong.console.templating import render
from xinyong.disclosure.policy import Viewer
from xinyong.ingest import service

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(require_console_role("city_admin", "department"))]


@router.get("/quarantine", response_class=HTMLResponse)
def quarantine_page(request: Request, viewer: Reader, batch: str | None = None):
    engine = request.app.state.engine
    batch_id = int(batch) if batch and batch.strip().isdigit() else None
    rows = service.list_quarantine(engine=engine, batch=batch_id, status="open", limit=500)
    if viewer.role != "city_admin":
        mine = {b for b in {q.batch_id for q in rows}
                if service.get_batch(engine=engine, batch_id=b).submitted_by == viewer.username}
        rows = [q for q in rows if q.batch_id in mine]
    kind_names = {k: f"{s.name_zh} {s.name_en}" for k, s in load_catalogue().kinds.items()}
    return render(request, "ingest/quarantine.html", rows=rows, batch=batch_id, viewer=viewer,
                  kind_names=kind_names)
