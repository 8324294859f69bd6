"""Request parameter types shared by every domain's api.py and pages.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

# Integer row ids live in 32-bit INTEGER columns on PostgreSQL: a larger number is malformed input
# (422 naming the parameter), not a database error (500).
RowId = Annotated[int, Path(ge=1, le=2_147_483_647, description="row id (1 … 2147483647)")]
