"""REST endpoints of ingestion (filled in by its owner)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["ingest"])
