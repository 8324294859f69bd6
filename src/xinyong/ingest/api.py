"""REST endpoints of ingestion (归集) for departments: push a file, read a batch, work the quarantine.

Pushing needs a department's (or the city's) API key (`Authorization: Bearer xyk_…`); a department
may push only the record kinds its account lists. Reading batches and quarantined rows needs a
city administrator, or the department that submitted the batch.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from pydantic import BaseModel, Field

from xinyong.accounts.deps import check_source, may_push_kind, require_department_key, require_role
from xinyong.apitypes import Offset, QueryId, RowId
from xinyong.disclosure.policy import Viewer
from xinyong.ingest import service
from xinyong.ingest.readers import ReaderError, read_file
from xinyong.numbers import whole_number

router = APIRouter(prefix="/api/v1", tags=["ingest"])
READERS = ("city_admin", "department")


class BatchOut(BaseModel):
    batch: int
    read: int
    accepted: int
    corrected: int = 0  # rows that corrected a stored record (更正)
    duplicates: int
    rejected: int
    kind: str | None = None
    layout: str | None = None
    source: str | None = None
    filename: str | None = None
    unknown_columns: list[str] = Field(default_factory=list)


class QuarantineOut(BaseModel):
    id: int
    batch: int
    row_number: int
    kind: str | None
    source: str | None
    status: str
    raw: dict[str, Any]
    reasons: list[dict[str, str]]
    resolved_batch: int | None = None


class RetryIn(BaseModel):
    changes: dict[str, str] = Field(default_factory=dict, description="field or header → corrected value")


class RetryOut(BaseModel):
    quarantine_id: int
    status: str
    batch: int | None = None
    record_id: str | None = None
    duplicate: bool = False
    reasons: list[dict[str, str]] = Field(default_factory=list)


def _unprocessable(exc: ReaderError) -> HTTPException:
    """422 for an unreadable file; 413 when it is over an import limit (ingest/limits.py)."""
    return HTTPException(
        getattr(exc, "status", 422), detail={"zh": exc.zh, "en": exc.en, "message": str(exc)}
    )


def _q_out(q: Any) -> QuarantineOut:
    return QuarantineOut(
        id=q.id,
        batch=q.batch_id,
        row_number=q.row_number,
        kind=q.kind,
        source=q.source,
        status=q.status,
        raw=q.raw,
        reasons=q.reasons,
        resolved_batch=q.resolved_batch_id,
    )


def _may_see_batch(viewer: Viewer, batch: Any) -> bool:
    return viewer.role == "city_admin" or (
        viewer.username is not None and batch.submitted_by == viewer.username
    )


def upload_name(raw: str | None) -> str:
    """The file name an upload is saved under: the last part of the client's name after either kind of
    slash, without control characters, at most 120 characters with its suffix kept (the reader goes by
    the suffix). "", "." and ".." become "upload". The name is chosen by the client, so it never
    decides a directory: `../../x.csv`, `..\\x.csv` and `/etc/x.csv` all land inside the upload's own
    temporary folder (issue 9: path traversal)."""
    name = re.split(r"[/\\]", raw or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if name in ("", ".", ".."):
        return "upload"
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        return name[:120]
    return f"{stem[: 119 - len(suffix)]}.{suffix}"


def _save_upload(upload: UploadFile, limit_mb: int, folder: Path) -> Path:
    """Stream the upload to a temporary file, refusing more than the limit (413)."""
    limit = limit_mb * 1024 * 1024
    target = folder / upload_name(upload.filename or "upload.csv")
    size = 0
    with target.open("wb") as fh:
        while chunk := upload.file.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise HTTPException(
                    413,
                    detail={
                        "zh": f"文件超过上限 {limit_mb} MB",
                        "en": f"file larger than the limit of {limit_mb} MB",
                    },
                )
            fh.write(chunk)
    return target


@router.post("/ingest", response_model=BatchOut)
def push_file(
    request: Request,
    file: UploadFile = File(..., description="CSV / XLSX / JSON Lines"),
    source: str = Form(..., description="who supplied the data / 数据来源"),
    kind: str | None = Form(None, description="catalogue kind; detected from the headers when absent"),
    viewer: Viewer = Depends(require_department_key),
) -> BatchOut:
    """Push a file as one batch (整批提交或整批不提交); same result as `xinyong ingest --json`.
    Sync, so the upload copy, the reader and the database work run in the thread pool."""
    settings = request.app.state.settings
    length = request.headers.get("content-length")
    if (whole_number(length) or 0) > settings.max_upload_mb * 1024 * 1024 + 65536:
        raise HTTPException(
            413,
            detail={
                "zh": f"文件超过上限 {settings.max_upload_mb} MB",
                "en": f"file larger than the limit of {settings.max_upload_mb} MB",
            },
        )
    check_source(request, viewer, source)
    folder = Path(tempfile.mkdtemp(prefix="xinyong-upload-"))
    try:
        path = _save_upload(file, settings.max_upload_mb, folder)
        try:
            grid = read_file(path)
            spec, _ = service.resolve_kind(grid, kind or None)
        except ReaderError as exc:
            raise _unprocessable(exc) from exc
        if not may_push_kind(viewer, spec.id):
            raise HTTPException(
                403,
                detail={
                    "zh": f"本账号无权报送 {spec.id} 类信息",
                    "en": f"this account may not push records of kind {spec.id}",
                },
            )
        try:
            result = service.ingest_grid(
                engine=request.app.state.engine,
                grid=grid,
                source=source,
                kind=spec.id,
                filename=path.name,
                submitted_by=viewer.username,
            )
        except ReaderError as exc:
            raise _unprocessable(exc) from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return BatchOut(
        **result.summary(),
        kind=result.kind,
        layout=result.layout,
        source=source,
        filename=path.name,
        unknown_columns=result.unknown_columns,
    )


@router.get("/ingest/batches/{batch_id}", response_model=BatchOut)
def get_batch(
    batch_id: RowId, request: Request, viewer: Viewer = Depends(require_role(*READERS))
) -> BatchOut:
    """One batch's counts, layout and unknown columns."""
    try:
        b = service.get_batch(engine=request.app.state.engine, batch_id=batch_id)
    except ReaderError as exc:
        raise HTTPException(404, detail={"zh": exc.zh, "en": exc.en}) from exc
    if not _may_see_batch(viewer, b):
        raise HTTPException(404, detail={"zh": f"没有编号为 {batch_id} 的批次", "en": f"no batch {batch_id}"})
    return BatchOut(
        batch=b.id,
        read=b.read,
        accepted=b.accepted,
        corrected=b.corrected,
        duplicates=b.duplicates,
        rejected=b.rejected,
        kind=b.kind,
        layout=b.layout,
        source=b.source,
        filename=b.filename,
        unknown_columns=list(b.unknown_columns or []),
    )


def _visible(request: Request, viewer: Viewer, q: Any) -> bool:
    if viewer.role == "city_admin":
        return True
    return _may_see_batch(viewer, service.get_batch(engine=request.app.state.engine, batch_id=q.batch_id))


@router.get("/quarantine", response_model=list[QuarantineOut])
def list_quarantined(
    request: Request,
    batch: QueryId | None = None,
    status: str | None = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Offset = 0,
    viewer: Viewer = Depends(require_role(*READERS)),
) -> list[QuarantineOut]:
    """Rejected rows with every reason (open ones by default; `status=` empty for all)."""
    rows = service.list_quarantine(
        engine=request.app.state.engine,
        batch=batch,
        status=status or None,
        limit=min(limit, 1000),
        offset=offset,
    )
    return [_q_out(q) for q in rows if _visible(request, viewer, q)]


@router.get("/quarantine/{quarantine_id}", response_model=QuarantineOut)
def show_quarantined(
    quarantine_id: RowId, request: Request, viewer: Viewer = Depends(require_role(*READERS))
) -> QuarantineOut:
    """One rejected row as given, with every reason."""
    try:
        q = service.get_quarantine(engine=request.app.state.engine, quarantine_id=quarantine_id)
    except ReaderError as exc:
        raise HTTPException(404, detail={"zh": exc.zh, "en": exc.en}) from exc
    if not _visible(request, viewer, q):
        raise HTTPException(404, detail={"zh": "没有该隔离记录", "en": f"no quarantined row {quarantine_id}"})
    return _q_out(q)


@router.post("/quarantine/{quarantine_id}/retry", response_model=RetryOut)
def retry(
    quarantine_id: RowId, body: RetryIn, request: Request, viewer: Viewer = Depends(require_role(*READERS))
) -> RetryOut:
    """Fix and resubmit: `status` "resolved" (now a record) or "open" with the updated reasons."""
    show_quarantined(quarantine_id, request, viewer)
    try:
        result = service.retry_quarantined(
            engine=request.app.state.engine,
            quarantine_id=quarantine_id,
            changes=body.changes,
            submitted_by=viewer.username,
        )
    except ReaderError as exc:
        raise HTTPException(409, detail={"zh": exc.zh, "en": exc.en}) from exc
    return RetryOut(**result.__dict__)


class RejectIn(BaseModel):
    reason: str = Field(
        ..., min_length=1, max_length=500, description="why the row is not fixable / 驳回原因"
    )


@router.post("/quarantine/{quarantine_id}/reject", response_model=QuarantineOut)
def reject(
    quarantine_id: RowId, body: RejectIn, request: Request, viewer: Viewer = Depends(require_role(*READERS))
) -> QuarantineOut:
    """Close a row without a record (status "rejected"); the reason is appended to its reasons."""
    show_quarantined(quarantine_id, request, viewer)
    try:
        q = service.reject_quarantined(
            engine=request.app.state.engine,
            quarantine_id=quarantine_id,
            reason=body.reason,
            rejected_by=viewer.username,
        )
    except ReaderError as exc:
        raise HTTPException(409, detail={"zh": exc.zh, "en": exc.en}) from exc
    return _q_out(q)


class AcceptIrregularIn(BaseModel):
    reason: str = Field(
        ...,
        min_length=1,
        max_length=500,
        description="why the code is accepted (e.g. registration certificate checked) / 理由",
    )


IRREGULAR_ROLES = ("city_admin",)  # a judgement on a registered code: city-wide, the 城市信用办's


@router.post("/quarantine/{quarantine_id}/accept-irregular", response_model=RetryOut)
def accept_irregular(
    quarantine_id: RowId,
    body: AcceptIrregularIn,
    request: Request,
    viewer: Viewer = Depends(require_role(*IRREGULAR_ROLES)),
) -> RetryOut:
    """Accept a row rejected only for its USCC check as an irregular registered code (不规范登记代码):
    imported unchanged, the subject flagged `irregular_code`, the judgement (officer = the caller,
    reason) in the ledger. 409 when the row is closed or has other problems; 422 for a blank reason."""
    from xinyong.ingest.irregular import IrregularCodeError

    show_quarantined(quarantine_id, request, viewer)
    if not body.reason.strip():
        raise HTTPException(422, detail={"zh": "必须写明理由", "en": "a reason is required"})
    try:
        result = service.accept_irregular_code(
            engine=request.app.state.engine,
            quarantine_id=quarantine_id,
            officer=viewer.username or viewer.role,
            reason=body.reason,
        )
    except (IrregularCodeError, ReaderError) as exc:
        raise HTTPException(409, detail={"zh": exc.zh, "en": exc.en}) from exc
    return RetryOut(**result.__dict__)
