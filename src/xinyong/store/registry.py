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
    "xinyong.rules.models",
    "xinyong.lists.models",
    "xinyong.incentives.models",
    "xinyong.financing.models",
]


def load_all_models() -> type[Base]:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base
