"""Helpers of the accounts tests: log in through the real form, read CSRF tokens."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from helpers.console import csrf_token, form_login
from helpers.rows import subject_row
from xinyong.subjects.models import Subject

PASSWORD = "correct-horse-42"


def enterprise(subject_id: str, name: str, district_code: str, now: dt.datetime) -> Subject:
    """A minimal enterprise subject for binding accounts to."""
    return subject_row(subject_id, seen=now, name=name, district=district_code)


form_token = csrf_token


def login(client: TestClient, username: str, password: str = PASSWORD, next_url: str = "/") -> str:
    """Log in through the real form; returns the session's CSRF token (from a console page)."""
    form_login(client, username, password, next_url=next_url)
    return form_token(client.get("/account").text)
