"""Alerts react to ingestion without ingest importing them: `xinyong.notify.registry.EVENT_LISTENERS`
names this module; the worker calls `handle` for each `ingest.batch` outbox event, inside the
transaction that fans the event out (so findings and their notifications commit exactly once)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.notify.models import OutboxEvent

KINDS = ("ingest.batch",)


def handle(session: Session, event: OutboxEvent, *, now: dt.datetime) -> None:
    from xinyong.alerts.service import on_records
    from xinyong.records.models import Record

    batch = int(event.payload["batch"])
    ids = list(session.scalars(select(Record.id).where(Record.batch_id == batch)))
    ids += [str(i) for i in event.payload.get("corrected_ids") or []]
    on_records(session, record_ids=sorted(set(ids)), now=now)
