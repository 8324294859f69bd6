"""Registries by module name, so that lower domains never import the higher ones that react to them.

- EVENT_LISTENERS: modules with `KINDS: tuple[str, ...]` (event-kind prefixes) and
  `handle(session, event: OutboxEvent, *, now) -> None`. The worker calls them inside the
  transaction that fans the event out, so what they write (e.g. alerts and their own events) commits
  exactly once with it. Example: `xinyong.alerts.listeners` reacts to `ingest.batch`.
- SCHEDULED_JOBS: modules with `run_daily(engine, *, now) -> dict` run once a day by
  `xinyong worker` (and by `xinyong worker --daily`). Each must be idempotent (dedup keys).
- REMINDER_PROVIDERS: modules with `reminders(session, *, as_of) -> list[dict]` giving subject
  reminders (kind, subject_id, title_zh, title_en, due, key); the commitments domain adds its
  "commitment expires soon" provider here once it is merged.
"""

from __future__ import annotations

import importlib
from types import ModuleType

EVENT_LISTENERS: list[str] = [
    "xinyong.alerts.listeners",
]
SCHEDULED_JOBS: list[str] = [
    "xinyong.notify.digest",
    "xinyong.notify.reminders",
    "xinyong.alerts.jobs",
    "xinyong.lists.jobs",
]
REMINDER_PROVIDERS: list[str] = [
    "xinyong.notify.reminders",
    "xinyong.commitments.reminders",
]


def modules(names: list[str]) -> list[ModuleType]:
    return [importlib.import_module(n) for n in names]
