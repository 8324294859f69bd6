"""The `lists` fact for rules (registered in xinyong.rules.facts.FACT_PROVIDERS): the ids of the
lists a subject is a member of as of the date (membership in force: started, not expired, not exited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from xinyong.rules.facts import FactSpec

VOCABULARY: dict[str, FactSpec] = {
    "lists": FactSpec(
        "list<string>", "所在信用名单", "credit lists the subject is on", (), source="list_memberships"
    ),
}


def provide(session: Session, *, subject_ids: list[str] | None, as_of: dt.date) -> dict[str, dict[str, Any]]:
    from xinyong.lists.service import memberships_as_of

    return {
        sid: {"lists": lids}
        for sid, lids in memberships_as_of(session, subject_ids=subject_ids, as_of=as_of).items()
    }
