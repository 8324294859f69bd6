"""Fixtures of the accounts tests: an app on a migrated SQLite file."""

from __future__ import annotations

import dataclasses

import pytest

from xinyong.settings import Settings


@pytest.fixture
def app(sqlite_engine, sqlite_url):
    from xinyong.app import create_app

    return create_app(
        dataclasses.replace(Settings.from_env(), database_url=sqlite_url, secret_key="test-secret")
    )
