"""REST endpoints of the transparency log (透明日志). Anyone may read heads, proofs and leaves."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import DB, current_viewer, require_role
from xinyong.apitypes import Day, Index, PathIndex
from xinyong.disclosure.policy import Viewer
from xinyong.ledger import evidence, keys, service
from xinyong.ledger.schemas import (
    ConsistencyProof,
    Evidence,
    EvidenceCheck,
    InclusionProof,
    Leaf,
    PublicKey,
    RecordProof,
    SignedTreeHead,
    SubjectProof,
)
from xinyong.settings import Settings

router = APIRouter(tags=["ledger"])
API = "/api/v1/ledger"


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _fail(exc: service.LedgerError) -> HTTPException:
    if isinstance(exc, service.LedgerKeyMismatch):  # the server's key setup, not the request, is wrong
        return HTTPException(status_code=503, detail=str(exc))
    return HTTPException(status_code=404 if isinstance(exc, service.LedgerNotFound) else 400, detail=str(exc))


def _head(session: Session, settings: Settings, min_size: int = 0):  # noqa: ANN202 - LedgerHead
    try:
        return service.current_head(
            session,
            key=service.signing_key(session, settings),
            interval_seconds=settings.ledger_sth_interval,
            min_size=min_size,
        )
    except service.LedgerKeyMismatch as exc:
        raise _fail(exc) from exc


@router.get("/.well-known/xinyong-ledger-key", response_model=PublicKey)
def public_key(session: Session = DB, settings: Settings = Depends(_settings)) -> dict:
    """The Ed25519 public key that signs tree heads / 日志签名公钥."""
    try:
        return keys.public_key_document(service.signing_key(session, settings).public_key())
    except service.LedgerKeyMismatch as exc:
        raise _fail(exc) from exc


@router.get(f"{API}/sth", response_model=SignedTreeHead)
def get_sth(session: Session = DB, settings: Settings = Depends(_settings)) -> dict:
    """The latest signed tree head, signed afresh when older than XINYONG_LEDGER_STH_INTERVAL / 最新签名树头."""
    return service.head_document(_head(session, settings))


@router.get(f"{API}/proof/inclusion", response_model=InclusionProof)
def get_inclusion(
    leaf_index: Index,
    tree_size: Index | None = None,
    session: Session = DB,
) -> dict:
    """Audit path of a leaf / 包含证明."""
    try:
        return service.inclusion_proof(session, leaf_index=leaf_index, tree_size_=tree_size)
    except service.LedgerError as exc:
        raise _fail(exc) from exc


@router.get(f"{API}/proof/consistency", response_model=ConsistencyProof)
def get_consistency(
    first: Index,
    second: Index,
    session: Session = DB,
) -> dict:
    """Proof that the log only grew between two sizes / 一致性证明."""
    try:
        return service.consistency_proof(session, first=first, second=second)
    except service.LedgerError as exc:
        raise _fail(exc) from exc


AS_OF = Query(None, description="the day whose disclosure applies (default: today in XINYONG_TIMEZONE)")


@router.get(f"{API}/leaves/{{index}}", response_model=Leaf)
def get_leaf(
    index: PathIndex,
    as_of: dt.date | None = AS_OF,
    session: Session = DB,
    viewer: Viewer = Depends(current_viewer),
) -> dict:
    """One leaf's exact bytes (salt included) / 叶数据. A leaf of a record the caller may not see
    as of the date answers exactly as a leaf that does not exist (404, same body)."""
    try:
        return service.leaf_document(session, index, viewer=viewer, as_of=as_of or clock.today())
    except service.LedgerError as exc:
        raise _fail(exc) from exc


@router.get(f"{API}/records/{{record_id}}", response_model=RecordProof)
def get_record(
    record_id: str,
    as_of: dt.date | None = AS_OF,
    session: Session = DB,
    settings: Settings = Depends(_settings),
    viewer: Viewer = Depends(current_viewer),
) -> dict:
    """A record's leaf, the signed head that covers it and the inclusion proof / 记录的日志证明.
    No proof for a record the caller may not see as of the date: the same 404 as an unknown id."""
    day = as_of or clock.today()
    leaves = service.record_leaves(session, record_id)
    if not leaves or not service.visible_record_ids(session, [record_id], viewer=viewer, as_of=day):
        raise _fail(service.record_not_found(record_id))
    latest = leaves[-1].leaf_index
    head = _head(session, settings, min_size=latest + 1)
    proof = service.inclusion_proof(session, leaf_index=latest, tree_size_=head.tree_size)
    return {
        **proof,
        "record_id": record_id,
        "leaf_indexes": [leaf.leaf_index for leaf in leaves],
        "sth": service.head_document(head),
    }


@router.get(f"{API}/subjects/{{subject_id}}", response_model=list[SubjectProof])
def get_subject(
    subject_id: str,
    as_of: Annotated[Day, Query(description="the day the public card shows (default: today)")] = None,
    limit: int = Query(40, ge=1, le=200),
    session: Session = DB,
    settings: Settings = Depends(_settings),
) -> list[dict]:
    """Leaf, signed head and inclusion proof of each record of a subject that the public may see
    (what the public card's badge loads) / 主体公开记录的日志证明."""
    try:
        proofs = service.subject_proofs(
            session,
            subject_id=subject_id,
            as_of=as_of or clock.today(),
            limit=limit,
            sign=True,
            settings=settings,
        )
    except service.LedgerError as exc:
        raise _fail(exc) from exc
    return list(proofs.values())


# Who may put trade evidence on a merchant's record (reading and checking it stays public).
EVIDENCE_WRITERS = ("city_admin", "district_officer", "department", "subject")


def _check_evidence_writer(session: Session, viewer: Viewer, subject_id: str) -> None:
    from xinyong.subjects.models import Subject

    subject = session.get(Subject, subject_id)
    allowed = subject is not None and (
        viewer.role in ("city_admin", "department")
        or (viewer.role == "district_officer" and viewer.district_code == subject.district_code)
        or (viewer.role == "subject" and viewer.subject_id == subject_id)
    )
    if not allowed:
        raise HTTPException(404, f"subject {subject_id} not found / 未找到信用主体 {subject_id}")


def _documents(files: dict[str, UploadFile | None], hashes: dict[str, str | None]):  # noqa: ANN202
    documents: dict[str, str] = {}
    names: dict[str, str] = {}
    for role in evidence.ROLES:
        upload, given = files.get(role), hashes.get(role)
        if upload is not None and upload.filename:
            digest = hashlib.sha256()
            while chunk := upload.file.read(1 << 20):
                digest.update(chunk)
            documents[role] = digest.hexdigest()
            names[role] = upload.filename
        elif given:
            documents[role] = given
    return documents, names


@router.post(f"{API}/evidence", response_model=Evidence, status_code=201)
def post_evidence(
    subject_id: str = Form(..., description="the merchant's subject id"),
    contract: UploadFile | None = File(None),
    invoice: UploadFile | None = File(None),
    payment: UploadFile | None = File(None),
    logistics: UploadFile | None = File(None),
    business: UploadFile | None = File(None),
    contract_sha256: str | None = Form(None),
    invoice_sha256: str | None = Form(None),
    payment_sha256: str | None = Form(None),
    logistics_sha256: str | None = Form(None),
    business_sha256: str | None = Form(None),
    session: Session = DB,
    viewer: Viewer = Depends(require_role(*EVIDENCE_WRITERS)),
) -> dict:
    """Record a trade-evidence bundle (五流合一: contract, invoice, payment, logistics, business), each
    document as a file or its SHA-256 / 登记贸易存证. Written by the merchant's own account, its
    district's officers, a department or the city; anyone else gets 404 as for an unknown subject."""
    _check_evidence_writer(session, viewer, subject_id)
    files = {
        "contract": contract,
        "invoice": invoice,
        "payment": payment,
        "logistics": logistics,
        "business": business,
    }
    hashes = {
        "contract": contract_sha256,
        "invoice": invoice_sha256,
        "payment": payment_sha256,
        "logistics": logistics_sha256,
        "business": business_sha256,
    }
    documents, names = _documents(files, hashes)
    try:
        return evidence.record_evidence(session, subject_id=subject_id, documents=documents, filenames=names)
    except service.LedgerError as exc:
        raise _fail(exc) from exc


@router.get(f"{API}/evidence/{{evidence_id}}", response_model=Evidence)
def get_evidence(evidence_id: str, session: Session = DB) -> dict:
    """A trade-evidence bundle and its leaf / 查询存证."""
    try:
        return evidence.evidence_document(session, evidence_id)
    except service.LedgerError as exc:
        raise _fail(exc) from exc


@router.post(f"{API}/evidence/{{evidence_id}}/check", response_model=EvidenceCheck)
def check_evidence(
    evidence_id: str,
    document: UploadFile | None = File(None, description="the document to check"),
    sha256: str | None = Form(None, description="or its SHA-256"),
    session: Session = DB,
    settings: Settings = Depends(_settings),
) -> dict:
    """Is this the recorded document? With the inclusion proof of the evidence leaf / 核验单据."""
    if document is not None and document.filename:
        digest = hashlib.sha256()
        while chunk := document.file.read(1 << 20):
            digest.update(chunk)
        sha256 = digest.hexdigest()
    if not sha256:
        raise HTTPException(400, "send a document file or its sha256 / 请提供单据文件或其 SHA-256")
    try:
        found = evidence.evidence_document(session, evidence_id)
        head = _head(session, settings, min_size=int(found["leaf_index"]) + 1)
        result = evidence.check_document(session, evidence_id, sha256=sha256, tree_size=head.tree_size)
    except service.LedgerError as exc:
        raise _fail(exc) from exc
    result["proof"]["sth"] = service.head_document(head)
    return result
