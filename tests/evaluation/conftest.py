"""Fixtures of the evaluation tests: the real catalogue and models, one SparkSession per test session."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest


def require_or_skip(part: str, reason: str) -> None:
    """The root conftest's require_or_skip (loaded by path: tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location("_root_conftest", Path(__file__).parents[1] / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.require_or_skip(part, reason)


@pytest.fixture(scope="session")
def catalogue():
    from xinyong.evaluation.service import catalogue_view

    return catalogue_view()


@pytest.fixture(scope="session")
def models(catalogue):
    from xinyong.evaluation.service import load_models

    return load_models(catalogue=catalogue)


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the whole test session (startup takes seconds)."""
    if shutil.which("java") is None:
        require_or_skip("spark", "no Java runtime on PATH")
    try:
        from xinyong.evaluation.engines import spark_session

        session = spark_session("local[2]")
    except Exception as exc:  # noqa: BLE001 - any failure to start means "unavailable"
        require_or_skip("spark", f"cannot start Spark: {exc}")
    yield session
    session.stop()
