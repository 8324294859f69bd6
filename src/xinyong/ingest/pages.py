"""Console pages of ingestion (归集) in the browser: upload a file, watch it import, and work the
quarantine (隔离区): edit a rejected row's fields and resubmit it, or reject it with a reason.

Every action calls the same service functions as the CLI and the API (`service.ingest_grid`,
`service.retry_quarantined`, `service.reject_quarantined`); every form carries the session's CSRF
token (checked by `require_console_role` on POST). Uploads run in a background thread; the job page
polls `/ingest/jobs/{job}/status` with htmx until the batch is written.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from xinyong.accounts.deps import Auth, check_source, get_auth, may_push_kind, require_console_role
from xinyong.apitypes import RowId
from xinyong.catalogue.service import header_index, load_catalogue, normalise_header
from xinyong.console.templating import render
from xinyong.disclosure.policy import Viewer
from xinyong.ingest import service
from xinyong.ingest.readers import ReaderError, read_file
from xinyong.numbers import whole_number

router = APIRouter(include_in_schema=False)
UPLOAD_ROLES = ("city_admin", "department")
Reader = Annotated[Viewer, Depends(require_console_role(*UPLOAD_ROLES))]
ACCEPTED_SUFFIXES = (".csv", ".txt", ".xlsx", ".jsonl", ".ndjson", ".json")
MAX_JOBS = 50  # finished jobs kept per app (the batch itself is in the database for good)


@dataclass
class UploadJob:
    """One browser upload being imported. `done`/`total` are rows (service.Progress)."""

    id: str
    owner: str | None
    filename: str
    state: str = "reading"  # reading | importing | done | failed
    done: int = 0
    total: int = 0
    result: service.BatchResult | None = None
    error: dict[str, str] | None = None
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


def _jobs(request: Request) -> dict[str, UploadJob]:
    state = request.app.state
    if not hasattr(state, "upload_jobs"):
        state.upload_jobs = {}
    return state.upload_jobs


def _run(job: UploadJob, *, engine: Any, path: Path, source: str, kind: str | None, viewer: Viewer) -> None:
    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total

    try:
        grid = read_file(path)
        spec, _ = service.resolve_kind(grid, kind)
        if not may_push_kind(viewer, spec.id):
            raise ReaderError(
                f"本账号无权报送 {spec.name_zh}（{spec.id}）类信息",
                f"this account may not submit records of kind {spec.id}",
            )
        job.state, job.total = "importing", grid.num_rows
        job.result = service.ingest_grid(
            engine=engine,
            grid=grid,
            source=source,
            kind=spec.id,
            filename=job.filename,
            submitted_by=viewer.username,
            progress=progress,
        )
        job.state = "done"
    except ReaderError as exc:
        job.state, job.error = "failed", {"zh": exc.zh, "en": exc.en}
    except Exception as exc:  # noqa: BLE001 - shown on the job page instead of dying silently
        job.state, job.error = (
            "failed",
            {"zh": "导入时发生内部错误，未写入任何数据", "en": f"internal error: {exc}"},
        )
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def _default_source(request: Request, auth: Auth) -> str:
    """The form's source: a department's first registered source (it may push under no other,
    accounts.deps.check_source), else the account's name."""
    if auth.viewer.role == "department" and auth.user_id is not None:
        from sqlalchemy.orm import Session

        from xinyong.accounts.models import User

        with Session(bind=request.app.state.engine) as session:
            user = session.get(User, auth.user_id)
            if user is not None and user.sources:
                return sorted(user.sources)[0]
    return auth.display_name or auth.viewer.username or ""


def _kinds_for(viewer: Viewer) -> dict[str, str]:
    kinds = load_catalogue().kinds
    return {k: s.name_zh for k, s in kinds.items() if may_push_kind(viewer, k)}


@router.get("/ingest/upload", response_class=HTMLResponse)
def upload_page(request: Request, viewer: Reader) -> Response:
    """上传归集文件: a form with a drop zone (static/upload.js) and a plain file input."""
    auth = get_auth(request)
    return render(
        request,
        "ingest/upload.html",
        kinds=_kinds_for(viewer),
        viewer=viewer,
        error=None,
        source=_default_source(request, auth),
        accept=",".join(ACCEPTED_SUFFIXES),
    )


@router.post("/ingest/upload")
def upload(
    request: Request,
    viewer: Reader,
    file: Annotated[UploadFile, File()],
    source: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
) -> Response:
    """Save the file, start the import in a thread, and send the browser to the job page (303)."""
    settings = request.app.state.settings
    from xinyong.ingest.api import upload_name

    name = upload_name(file.filename) if file.filename else ""
    error = None
    if not name:
        error = "请选择要上传的文件 / choose a file to upload"
    elif not name.lower().endswith(ACCEPTED_SUFFIXES):
        error = f"不支持的文件类型：{name}（支持 XLSX、CSV、JSONL） / unsupported file type"
    elif not source.strip():
        error = "请填写数据来源 / the source is required"
    if error is None:
        try:  # a department speaks only for the sources registered for it (issue 9)
            check_source(request, viewer, source.strip())
        except HTTPException as exc:
            error = f"{exc.detail['zh']} / {exc.detail['en']}"
    if error is None:
        folder = Path(tempfile.mkdtemp(prefix="xinyong-upload-"))
        from xinyong.ingest.api import _save_upload

        try:
            path = _save_upload(file, settings.max_upload_mb, folder)
        except HTTPException as exc:
            shutil.rmtree(folder, ignore_errors=True)
            error = f"{exc.detail['zh']} / {exc.detail['en']}"
    if error is not None:
        response = render(
            request,
            "ingest/upload.html",
            kinds=_kinds_for(viewer),
            viewer=viewer,
            error=error,
            source=source,
            accept=",".join(ACCEPTED_SUFFIXES),
        )
        response.status_code = 422
        return response
    jobs = _jobs(request)
    job = UploadJob(id=secrets.token_urlsafe(12), owner=viewer.username, filename=name)
    for old in list(jobs)[:-MAX_JOBS]:
        if jobs[old].state in ("done", "failed"):
            del jobs[old]
    jobs[job.id] = job
    job.thread = threading.Thread(
        target=_run,
        kwargs={
            "job": job,
            "engine": request.app.state.engine,
            "path": path,
            "source": source.strip(),
            "kind": kind or None,
            "viewer": viewer,
        },
        name=f"upload-{job.id}",
        daemon=True,
    )
    job.thread.start()
    return RedirectResponse(f"/ingest/jobs/{job.id}", status_code=303)


def _job(request: Request, viewer: Viewer, job_id: str) -> UploadJob:
    job = _jobs(request).get(job_id)
    if job is None or (viewer.role != "city_admin" and job.owner != viewer.username):
        raise HTTPException(404, detail="没有这个上传任务 / no such upload")
    return job


def _job_context(request: Request, job: UploadJob) -> dict[str, Any]:
    rows = []
    if job.result is not None and job.result.rejected:
        rows = service.list_quarantine(
            engine=request.app.state.engine, batch=job.result.batch, status=None, limit=200
        )
    kinds = load_catalogue().kinds
    return {"job": job, "rows": rows, "kind_name": kinds[job.result.kind].name_zh if job.result else ""}


@router.get("/ingest/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str, viewer: Reader) -> Response:
    return render(request, "ingest/job.html", **_job_context(request, _job(request, viewer, job_id)))


@router.get("/ingest/jobs/{job_id}/status", response_class=HTMLResponse)
def job_status(request: Request, job_id: str, viewer: Reader) -> Response:
    """The progress fragment; it stops polling (no hx-trigger) once the job is done or failed."""
    return render(request, "ingest/_job_status.html", **_job_context(request, _job(request, viewer, job_id)))


# --------------------------------------------------------------------------- quarantine


def _visible_row(request: Request, viewer: Viewer, quarantine_id: int) -> Any:
    engine = request.app.state.engine
    try:
        q = service.get_quarantine(engine=engine, quarantine_id=quarantine_id)
    except ReaderError as exc:
        raise HTTPException(404, detail=f"{exc.zh} / {exc.en}") from exc
    if (
        viewer.role != "city_admin"
        and service.get_batch(engine=engine, batch_id=q.batch_id).submitted_by != viewer.username
    ):
        raise HTTPException(
            404, detail=f"隔离区没有编号为 {quarantine_id} 的记录 / no quarantined row {quarantine_id}"
        )
    return q


@router.get("/quarantine", response_class=HTMLResponse)
def quarantine_page(request: Request, viewer: Reader, batch: str | None = None) -> Response:
    engine = request.app.state.engine
    batch_id = whole_number(batch)
    batch_id = batch_id if batch_id is not None and 0 <= batch_id < 10**9 else None
    rows = service.list_quarantine(engine=engine, batch=batch_id, status="open", limit=500)
    if viewer.role != "city_admin":
        mine = {
            b
            for b in {q.batch_id for q in rows}
            if service.get_batch(engine=engine, batch_id=b).submitted_by == viewer.username
        }
        rows = [q for q in rows if q.batch_id in mine]
    kind_names = {k: s.name_zh for k, s in load_catalogue().kinds.items()}
    return render(
        request,
        "ingest/quarantine.html",
        rows=rows,
        batch=batch_id,
        viewer=viewer,
        kind_names=kind_names,
        export_url=_export_url(request, batch_id),
    )


def _export_url(request: Request, batch_id: int | None) -> str | None:
    """The quarantine XLSX export, when a route for it is installed (`ingest.quarantine_xlsx`)."""
    for route in request.app.routes:
        if getattr(route, "name", None) == "quarantine_xlsx":
            return str(request.url_for("quarantine_xlsx")) + (f"?batch={batch_id}" if batch_id else "")
    return None


def _form_fields(q: Any) -> list[dict[str, str]]:
    """One input per column of the row as given, labelled with its catalogue field when known,
    and the fields named by the reasons first (they are what needs fixing)."""
    spec = load_catalogue().kinds.get(q.kind or "")
    index = header_index(spec.id) if spec else {}
    labels = {f.name: f.label_zh for f in spec.fields} if spec else {}
    flagged = {r.get("field") for r in q.reasons}
    out = []
    for header, value in q.raw.items():
        if header == "_line":
            continue
        name = index.get(normalise_header(header))
        out.append(
            {
                "header": header,
                "value": "" if value is None else str(value),
                "label": labels.get(name or "", ""),
                "field": name or "",
                "flagged": bool(name and name in flagged) or header in flagged,
            }
        )
    return sorted(out, key=lambda f: not f["flagged"])


def _row_page(
    request: Request, q: Any, *, message: str | None = None, error: str | None = None, status: int = 200
) -> Response:
    spec = load_catalogue().kinds.get(q.kind or "")
    response = render(
        request,
        "ingest/quarantine_row.html",
        q=q,
        fields=_form_fields(q),
        message=message,
        error=error,
        kind_name=spec.name_zh if spec else (q.kind or ""),
        # an irregular registered code may be accepted by the city administrator (docs/ingest.md)
        may_accept_irregular=q.status == "open"
        and {r.get("code") for r in q.reasons} == {"uscc"}
        and getattr(getattr(request.state, "viewer", None), "role", None) == "city_admin",
    )
    response.status_code = status
    return response


@router.get("/quarantine/{quarantine_id}", response_class=HTMLResponse)
def quarantine_row(request: Request, quarantine_id: RowId, viewer: Reader) -> Response:
    """One rejected row: its reasons, an edit form (resubmit) and a reject form (and, for the city
    administrator and a row rejected only for its USCC check, an accept-as-irregular form)."""
    request.state.viewer = viewer
    return _row_page(request, _visible_row(request, viewer, quarantine_id))


@router.post("/quarantine/{quarantine_id}/retry", response_class=HTMLResponse)
async def quarantine_retry(request: Request, quarantine_id: RowId, viewer: Reader) -> Response:
    """Form fields `col:<header>` carry the edited values; only changed ones are sent as changes.
    The form is read on the event loop; the database work runs in the thread pool (docs/deploy.md)."""
    form = await request.form()
    return await run_in_threadpool(_retry, request, quarantine_id, viewer, form)


def _retry(request: Request, quarantine_id: int, viewer: Viewer, form: FormData) -> Response:
    q = _visible_row(request, viewer, quarantine_id)
    changes = {}
    for key, value in form.multi_items():
        if key.startswith("col:") and isinstance(value, str):
            header = key[4:]
            if header in q.raw and str(q.raw[header] if q.raw[header] is not None else "") != value:
                changes[header] = value
    try:
        result = service.retry_quarantined(
            engine=request.app.state.engine,
            quarantine_id=quarantine_id,
            changes=changes,
            submitted_by=viewer.username,
        )
    except ReaderError as exc:
        return _row_page(request, q, error=f"{exc.zh} / {exc.en}", status=409)
    q = service.get_quarantine(engine=request.app.state.engine, quarantine_id=quarantine_id)
    if result.status == "resolved":
        note = "，与已有记录重复 / duplicate of a stored record" if result.duplicate else ""
        return _row_page(
            request, q, message=f"已入库 / accepted：记录 {result.record_id}（批次 {result.batch}{note}）"
        )
    return _row_page(
        request, q, error="仍未通过校验，请按下列原因修改 / still rejected: see the reasons", status=422
    )


@router.post("/quarantine/{quarantine_id}/reject", response_class=HTMLResponse)
def quarantine_reject(
    request: Request, quarantine_id: RowId, viewer: Reader, reason: Annotated[str, Form()] = ""
) -> Response:
    q = _visible_row(request, viewer, quarantine_id)
    try:
        q = service.reject_quarantined(
            engine=request.app.state.engine,
            quarantine_id=quarantine_id,
            reason=reason,
            rejected_by=viewer.username,
        )
    except ReaderError as exc:
        return _row_page(request, q, error=f"{exc.zh} / {exc.en}", status=422 if q.status == "open" else 409)
    return _row_page(request, q, message="已驳回 / rejected")


@router.post("/quarantine/{quarantine_id}/accept-irregular", response_class=HTMLResponse)
def quarantine_accept_irregular(
    request: Request,
    quarantine_id: RowId,
    viewer: Annotated[Viewer, Depends(require_console_role("city_admin"))],
    reason: Annotated[str, Form()] = "",
) -> Response:
    """The city administrator accepts a row rejected only for its USCC check as an irregular
    registered code (service.accept_irregular_code; the viewer is the officer)."""
    from xinyong.ingest.irregular import IrregularCodeError

    q = _visible_row(request, viewer, quarantine_id)
    request.state.viewer = viewer
    try:
        result = service.accept_irregular_code(
            engine=request.app.state.engine,
            quarantine_id=quarantine_id,
            officer=viewer.username or viewer.role,
            reason=reason,
        )
    except (IrregularCodeError, ReaderError) as exc:
        return _row_page(request, q, error=f"{exc.zh} / {exc.en}", status=422 if q.status == "open" else 409)
    q = service.get_quarantine(engine=request.app.state.engine, quarantine_id=quarantine_id)
    return _row_page(
        request,
        q,
        message=f"已作为不规范代码入库 / accepted as irregular：记录 {result.record_id}（批次 {result.batch}）",
    )
