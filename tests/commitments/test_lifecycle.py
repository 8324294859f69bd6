"""The commitment state machine: the pure fold against a hand-written table (Hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.commitments.lifecycle import TransitionError, derive_state
from xinyong.commitments.models import TRANSITIONS

# Written out by hand from docs/commitments.md, independently of models.TRANSITIONS:
# from each state, the steps allowed and where they lead.
ALLOWED = {
    None: {"signed": "signed"},
    "signed": {"in_force": "in_force", "withdrawn": "withdrawn"},
    "in_force": {"kept": "kept", "breached": "breached", "expired": "expired", "withdrawn": "withdrawn"},
    "expired": {"kept": "kept"},
    "kept": {},
    "breached": {},
    "withdrawn": {},
}
EVENTS = ["signed", "in_force", "kept", "breached", "expired", "withdrawn"]
D0 = dt.date(2026, 1, 1)


def test_the_table_is_the_hand_written_one():
    flat = {(s, e): after for s, steps in ALLOWED.items() for e, after in steps.items()}
    assert flat == TRANSITIONS


def _reference(events, valid_until, as_of):
    """Step by step with ALLOWED; 'refused' when a step is not allowed."""
    state = None
    for event, on in events:
        if on > as_of:
            break
        if event not in ALLOWED[state]:
            return "refused"
        state = ALLOWED[state][event]
    if state == "in_force" and valid_until is not None and as_of > valid_until:
        return "expired"
    return state


@st.composite
def histories(draw):
    n = draw(st.integers(0, 6))
    gaps = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
    days, day = [], D0
    for g in gaps:
        day = day + dt.timedelta(days=g)
        days.append(day)
    events = draw(st.lists(st.sampled_from(EVENTS), min_size=n, max_size=n))
    return list(zip(events, days, strict=True))


@given(
    histories(),
    st.one_of(st.none(), st.integers(0, 300).map(lambda d: D0 + dt.timedelta(days=d))),
    st.integers(-5, 400).map(lambda d: D0 + dt.timedelta(days=d)),
)
def test_fold_matches_the_table(events, valid_until, as_of):
    expected = _reference(events, valid_until, as_of)
    if expected == "refused":
        with pytest.raises(TransitionError):
            derive_state(events, valid_until=valid_until, as_of=as_of)
    else:
        assert derive_state(events, valid_until=valid_until, as_of=as_of) == expected


def _valid_prefix(events):
    """The longest prefix the table allows (what the service can have appended)."""
    state, out = None, []
    for event, on in events:
        if event not in ALLOWED[state]:
            break
        state = ALLOWED[state][event]
        out.append((event, on))
    return out


@given(histories(), st.integers(0, 400))
def test_outcomes_are_absorbing_over_time(events, extra):
    """Once kept, breached or withdrawn as of a day, the same on every later day."""
    events = _valid_prefix(events)
    for _, on in events:
        state = derive_state(events, valid_until=None, as_of=on)
        if state in ("kept", "breached", "withdrawn"):
            assert derive_state(events, valid_until=None, as_of=on + dt.timedelta(days=extra)) == state


def test_expiry_is_derived_from_the_date():
    events = [("signed", D0), ("in_force", D0)]
    last = dt.date(2026, 12, 31)
    assert derive_state(events, valid_until=last, as_of=last) == "in_force"
    assert derive_state(events, valid_until=last, as_of=dt.date(2027, 1, 1)) == "expired"
    assert derive_state(events, valid_until=last, as_of=dt.date(2025, 12, 31)) is None
