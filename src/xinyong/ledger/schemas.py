"""Pydantic shapes of the ledger API (documented in docs/ledger.md). Hashes are lowercase hex."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class SignedTreeHead(BaseModel):
    tree_size: int
    timestamp: int = Field(description="milliseconds since the Unix epoch (UTC)")
    root_hash: str
    signature: str = Field(description="Ed25519 over the RFC 6962 TreeHeadSignature bytes")
    key_id: str = Field(description="SHA-256 of the raw public key")
    signed_at: str


class InclusionProof(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]
    root_hash: str
    sth: SignedTreeHead | None = Field(None, description="a signed head of exactly this tree size, if any")


class ConsistencyProof(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    consistency_path: list[str]
    first_sth: SignedTreeHead | None = None
    second_sth: SignedTreeHead | None = None


class Leaf(BaseModel):
    leaf_index: int
    event_type: str
    record_id: str | None
    leaf_hash: str
    data_hex: str = Field(
        description="the exact leaf bytes, salt included; leaf_hash = SHA-256(0x00 || bytes)"
    )
    event: dict[str, Any]


class RecordProof(BaseModel):
    record_id: str
    leaf_index: int
    leaf_indexes: list[int] = Field(description="every leaf that mentions the record, oldest first")
    tree_size: int
    leaf_hash: str
    audit_path: list[str]
    root_hash: str
    sth: SignedTreeHead


class SubjectProof(BaseModel):
    record_id: str
    label: str | None = Field(None, description="record kind (Chinese) and date")
    leaf_index: int
    tree_size: int
    root: str
    leaf_hash: str
    audit_path: list[str]
    sth: SignedTreeHead
    proof_url: str
    leaf_url: str
    record_url: str


class PublicKey(BaseModel):
    algorithm: str
    key_id: str
    public_key_hex: str
    public_key_base64: str
    public_key_pem: str
    signed_bytes: str


class EvidenceDocument(BaseModel):
    role: str
    sha256: str
    filename: str | None = None


class Evidence(BaseModel):
    id: str = Field(description="the trade_evidence record id")
    subject_id: str
    documents: list[EvidenceDocument]
    leaf_index: int
    recorded_at: str


class EvidenceCheck(BaseModel):
    evidence_id: str
    sha256: str
    matches: bool
    role: str | None = Field(None, description="which recorded document it is, when it matches")
    proof: InclusionProof
    leaf: Leaf
