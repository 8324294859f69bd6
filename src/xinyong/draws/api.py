"""REST API of random inspections (docs/api.md "Random inspections").

`GET /api/draws` lists the viewer's district's draws (officers; the city sees all). The published
document of a draw and its replay are public: anyone may check a draw without logging in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session

from xinyong.accounts.deps import DB, require_role
from xinyong.disclosure.policy import Viewer
from xinyong.draws import service
from xinyong.draws.pages import scope

router = APIRouter(prefix="/api/v1/draws", tags=["draws"])
Officer = Annotated[Viewer, Depends(require_role("city_admin", "district_officer"))]


@router.get("")
def api_list_draws(viewer: Officer, session: Session = DB) -> list[dict[str, Any]]:
    """Draws newest first: {draw_id, plan_id, district, department, as_of, status, algorithm,
    commitment, pool_digest, pool_targets, pool_inspectors, targets, results}."""
    return service.list_draws(session, district_code=scope(viewer))


def _doc(session: Session, draw_id: str) -> dict[str, Any]:
    try:
        return service.published_document(session, draw_id[:40])
    except service.DrawError:
        raise HTTPException(404, detail=f"抽查不存在 / draw not found: {draw_id}") from None


@router.get("/{draw_id}")
def api_draw_document(draw_id: str, session: Session = DB) -> dict[str, Any]:
    """The published document (public): plan, numbered pool snapshot, digests, commitment; after the draw
    also the secret, outside value, seed, targets with inspector ids, or the failure."""
    return _doc(session, draw_id)


@router.get("/{draw_id}/replay")
def api_draw_replay(draw_id: str, session: Session = DB) -> dict[str, Any]:
    """Recompute the draw from its published document (public): {ok, checks: {name: bool}, problems}."""
    return service.replay(_doc(session, draw_id))
