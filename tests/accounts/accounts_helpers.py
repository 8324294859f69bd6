"""Helpers of the accounts tests: log in through the real form, read CSRF tokens."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from xinyong.subjects.models import Subject

PASSWORD = "correct-horse-42"


def enterprise(subject_id: str, name: str, district_code: str, now: dt.datetime) -> Subject:
    """A minimal enterprise subject for binding accounts to."""
    return Subject(
        id=subject_id,
        kind="enterprise",
        name=name,
        district_code=district_code,
        attributes={},
        source="t",
        first_seen=now,
        last_seen=now,
    )


def form_token(html: str, action: str | None = None) -> str:
    """The CSRF field of the first form (or of the form posting to `action`: the layout's user bar
    carries its own logout form)."""
    if action is not None:
        html = html[html.index(f'action="{action}"') :]
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert match, "no CSRF field in the form"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD, next_url: str = "/") -> str:
    """Log in through the real form; returns the session's CSRF token (from a console page)."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": form_token(page.text, "/login"),
            "next": next_url,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return form_token(client.get("/account").text)
