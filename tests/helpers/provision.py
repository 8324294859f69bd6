"""Parts a test needs from the machine (PostgreSQL, Chromium, Spark, Poppler): skipped on a developer
machine without them, a failure where .ci/run provisioned them (XINYONG_REQUIRE_<PART>=1)."""

from __future__ import annotations

import os

import pytest


def require_or_skip(part: str, reason: str) -> None:
    """Skip, or fail when CI said this part is provisioned."""
    if os.environ.get(f"XINYONG_REQUIRE_{part.upper()}") == "1":
        pytest.fail(f"{part} is required here (XINYONG_REQUIRE_{part.upper()}=1) but unavailable: {reason}")
    pytest.skip(f"{part} unavailable: {reason}")
