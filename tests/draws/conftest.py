"""Fixture: the small 和平 world of draw_world.py on each store."""

from __future__ import annotations

import pytest
from draw_world import build_world


@pytest.fixture
def world(engine, tmp_path):
    return build_world(engine, tmp_path)
