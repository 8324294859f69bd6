"""Console pages of learned scorecards: the saved reports under the models directory (/scorecards),
one report with its bins, WoE/IV, per-group metrics and plots (/scorecards/{id}), and its PNG plots.

Reads only the files `xinyong scorecard train` wrote (`<models dir>/<id>.report/`); officers of the
city, the districts and the departments may look (the reports hold no personal data).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from xinyong.accounts.deps import require_console_role
from xinyong.console.templating import render
from xinyong.disclosure.policy import Viewer

router = APIRouter(include_in_schema=False)
officer = require_console_role("city_admin", "district_officer", "department")
MODEL_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PLOTS = {"roc": "roc.png", "calibration": "calibration.png"}


def _models_dir(request: Request) -> Path:
    return Path(request.app.state.settings.models_dir)


def _reports(folder: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted(folder.glob("*.report/report.json")):
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return sorted(out, key=lambda r: r.get("trained_at", ""), reverse=True)


def _folder(request: Request, model_id: str) -> Path:
    if not MODEL_ID.match(model_id):
        raise HTTPException(404, detail="没有此评分卡 / no such scorecard")
    folder = _models_dir(request) / f"{model_id}.report"
    if not (folder / "report.json").is_file():
        raise HTTPException(404, detail="没有此评分卡报告 / no report for this scorecard")
    return folder


@router.get("/scorecards", response_class=HTMLResponse)
def scorecards_page(request: Request, viewer: Viewer = Depends(officer)):
    return render(request, "scorecards.html", reports=_reports(_models_dir(request)), viewer=viewer)


@router.get("/scorecards/{model_id}", response_class=HTMLResponse)
def scorecard_page(request: Request, model_id: str, viewer: Viewer = Depends(officer)):
    rep = json.loads((_folder(request, model_id) / "report.json").read_text(encoding="utf-8"))
    return render(request, "scorecard.html", r=rep, viewer=viewer)


@router.get("/scorecards/{model_id}/{plot}.png")
def scorecard_plot(request: Request, model_id: str, plot: str, viewer: Viewer = Depends(officer)):
    path = _folder(request, model_id) / PLOTS.get(plot, "-")
    if plot not in PLOTS or not path.is_file():
        raise HTTPException(404, detail="没有此图 / no such plot")
    return FileResponse(path, media_type="image/png")
