"""Imports every domain's models so Base.metadata is complete (Alembic and tests use this)."""

from __future__ import annotations

import importlib

from xinyong.store.base import Base

# One line per domain that owns tables. Add a domain here when it gains a models.py.
MODEL_MODULES = [
    "xinyong.subjects.models",
    "xinyong.records.models",
    "xinyong.ingest.models",
    "xinyong.ledger.models",
    "xinyong.accounts.models",
    "xinyong.evaluation.models",
    "xinyong.status.models",
    "xinyong.reports.models",
    "xinyong.commitments.models",
    "xinyong.rules.models",
    "xinyong.lists.models",
    "xinyong.notify.models",
    "xinyong.repair.models",
    "xinyong.supervision.models",
    "xinyong.draws.models",
    "xinyong.incentives.models",
    "xinyong.books.models",
    "xinyong.medical.models",
    "xinyong.points.models",
    "xinyong.alerts.models",
    "xinyong.financing.models",
]


def load_all_models() -> type[Base]:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base
