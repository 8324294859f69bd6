"""Fixtures of the scorecard tests: the real catalogue (for validating exported specs)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def catalogue():
    from xinyong.evaluation.service import catalogue_view

    return catalogue_view()
