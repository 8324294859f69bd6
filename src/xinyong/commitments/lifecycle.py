"""The commitment state machine as a pure fold (no store): docs/commitments.md "Lifecycle".

`derive_state(events, valid_until=…, as_of=…)` folds a commitment's events effective by `as_of`
through models.TRANSITIONS, then applies time: a commitment still in force after its last day
(`valid_until`) is `expired` as of that date even before anyone appends the `expired` event
(`xinyong commitment expire` appends them). tests/commitments checks it with Hypothesis against a
hand-written transition table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from xinyong.commitments.models import EXPIRED, IN_FORCE, STATES, TRANSITIONS


class TransitionError(ValueError):
    """A step the table does not allow; the message is in Chinese and English."""


def step(state: str | None, event: str) -> str:
    """The state after `event` from `state` (None: before the first event); TransitionError if refused."""
    after = TRANSITIONS.get((state, event))
    if after is None:
        before_zh = STATES[state][0] if state in STATES else "未签署"
        before_en = STATES[state][1] if state in STATES else "not signed"
        raise TransitionError(
            f"承诺当前状态为「{before_zh}」，不能执行「{event}」 / "
            f"a commitment that is {before_en} cannot take the step {event!r}"
        )
    return after


def derive_state(
    events: Iterable[tuple[str, dt.date]], *, valid_until: dt.date | None, as_of: dt.date
) -> str | None:
    """The state as of `as_of` from events in append order, each (event, effective_on).

    Events are appended in effective order (the service refuses an earlier date), so those
    effective by `as_of` are a prefix. None when nothing is effective yet (signed later than as_of).
    Raises TransitionError for a sequence the table does not allow."""
    state: str | None = None
    for event, effective_on in events:
        if effective_on > as_of:
            break
        state = step(state, event)
    if state == IN_FORCE and valid_until is not None and as_of > valid_until:
        state = EXPIRED
    return state
