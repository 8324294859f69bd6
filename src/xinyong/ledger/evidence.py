"""Trade evidence (贸易存证, 河东 "五流合一"): a merchant's contract, invoice, payment, logistics and
business documents committed to the transparency log as one record of kind ``trade_evidence``.

Only the documents' SHA-256 hashes are kept (the files themselves stay with the merchant); the
record's leaf names each hash, so a buyer holding a document can later prove it is the recorded
one with the leaf and its inclusion proof.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping

from sqlalchemy.orm import Session

from xinyong.ledger import service
from xinyong.ledger.service import LedgerError, LedgerNotFound

# The five flows (五流): 合同流, 发票流, 资金流, 物流, 业务流.
ROLES: dict[str, str] = {
    "contract": "合同",
    "invoice": "发票",
    "payment": "资金支付",
    "logistics": "物流",
    "business": "业务",
}
KIND = "trade_evidence"
SOURCE = "trade-evidence"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def document_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def normalise_hash(role: str, value: str) -> str:
    value = value.strip().lower()
    if not _HEX64.match(value):
        raise LedgerError(
            f"{role}: '{value[:80]}' is not a SHA-256 hash (64 hex digits) / {ROLES.get(role, role)}："
            "不是 SHA-256 哈希（64 位十六进制）"
        )
    return value


def record_evidence(
    session: Session,
    *,
    subject_id: str,
    documents: Mapping[str, str],
    filenames: Mapping[str, str] | None = None,
    at: dt.datetime | None = None,
) -> dict[str, object]:
    """Store a bundle of 1..5 document hashes (role -> sha256 hex) and log it; returns the evidence.

    The record id is the SHA-256 of the canonical {kind, subject_id, documents}, so the same bundle
    recorded twice is refused instead of duplicated."""
    from xinyong.records.models import Record
    from xinyong.subjects.models import Subject

    unknown = sorted(set(documents) - set(ROLES))
    if unknown:
        raise LedgerError(
            f"unknown document role(s) {unknown}; use {list(ROLES)} / 未知单据类型 {unknown}，"
            "应为 合同/发票/资金支付/物流/业务"
        )
    if not documents:
        raise LedgerError("at least one document is needed / 至少需要一份单据")
    hashes = {role: normalise_hash(role, value) for role, value in documents.items()}
    if session.get(Subject, subject_id) is None:
        raise LedgerError(f"subject_id {subject_id!r} does not exist / 信用主体 {subject_id} 不存在")
    content = {"kind": KIND, "subject_id": subject_id, "documents": hashes}
    record_id = hashlib.sha256(service.canonical_json(content)).hexdigest()
    if session.get(Record, record_id) is not None:
        raise LedgerError(f"this evidence bundle is already recorded as {record_id} / 该存证已登记")
    at = at or dt.datetime.now(dt.UTC)
    naive = at.astimezone(dt.UTC).replace(tzinfo=None) if at.tzinfo else at
    names = dict(filenames or {})
    record = Record(
        id=record_id,
        kind=KIND,
        subject_id=subject_id,
        source=SOURCE,
        source_record_id=None,
        batch_id=None,
        occurred_on=naive.date(),
        polarity="neutral",
        disclosure="authorised",
        fields={
            **{f"{role}_sha256": h for role, h in hashes.items()},
            "recorded_on": naive.date().isoformat(),
        },
        original={"filenames": names},
        first_seen=naive,
        last_seen=naive,
    )
    session.add(record)
    session.flush()
    leaf_index = service.append_event(
        session,
        {
            "type": "evidence.recorded",
            "record_id": record_id,
            "kind": KIND,
            "subject_id": subject_id,
            "source": SOURCE,
            "documents": hashes,
            "digest": service.record_digest(record),
        },
        at=at,
    )
    return evidence_document(session, record_id, leaf_index=leaf_index)


def evidence_document(
    session: Session, evidence_id: str, *, leaf_index: int | None = None
) -> dict[str, object]:
    from xinyong.records.models import Record

    record = session.get(Record, evidence_id)
    if record is None or record.kind != KIND:
        raise LedgerNotFound(f"no trade evidence {evidence_id} / 存证 {evidence_id} 不存在")
    if leaf_index is None:
        leaves = service.record_leaves(session, evidence_id)
        if not leaves:
            raise LedgerNotFound(f"evidence {evidence_id} is not in the log / 存证未写入日志")
        leaf_index = leaves[0].leaf_index
    names = (record.original or {}).get("filenames", {})
    return {
        "id": record.id,
        "subject_id": record.subject_id,
        "documents": [
            {"role": role, "sha256": record.fields[f"{role}_sha256"], "filename": names.get(role)}
            for role in ROLES
            if f"{role}_sha256" in record.fields
        ],
        "leaf_index": leaf_index,
        "recorded_at": service.format_at(record.first_seen),
    }


def check_document(session: Session, evidence_id: str, *, sha256: str, tree_size: int | None = None) -> dict:
    """Is this document (by hash) one recorded in the bundle? Answers from the *leaf* (what the log
    committed to), not from the mutable record row, and returns the inclusion proof of that leaf."""
    sha256 = normalise_hash("document", sha256)
    found = evidence_document(session, evidence_id)
    # The holder of the evidence id may see its leaf (hashes only), whatever the disclosure level.
    leaf = service.leaf_document(session, int(found["leaf_index"]), public=False)
    committed: dict[str, str] = leaf["event"].get("documents", {})
    role = next((r for r, h in committed.items() if h == sha256), None)
    proof = service.inclusion_proof(session, leaf_index=int(found["leaf_index"]), tree_size_=tree_size)
    return {
        "evidence_id": evidence_id,
        "sha256": sha256,
        "matches": role is not None,
        "role": role,
        "proof": proof,
        "leaf": leaf,
    }
