"""Fixtures of the evaluation tests: the real catalogue and models, one SparkSession per test session."""

from __future__ import annotations

import shutil

import pytest

from helpers.provision import require_or_skip


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
