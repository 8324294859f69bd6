"""The console as a person uses it: log in through the real form, read a form's CSRF field, read the
main menu's links."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_token(html: str, action: str | None = None) -> str:
    """The CSRF field of the first form (or of the form posting to `action`: the layout's user bar
    carries its own logout form)."""
    if action is not None:
        html = html[html.index(f'action="{action}"') :]
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF field in the form"
    return match.group(1)


def form_login(client: TestClient, username: str, password: str, *, next_url: str | None = None) -> None:
    """Fill in and post the login form; the console answers with a redirect (303)."""
    data = {
        "username": username,
        "password": password,
        "csrf_token": csrf_token(client.get("/login").text, "/login"),
    }
    if next_url is not None:
        data["next"] = next_url
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text


def logged_in(app, username: str | None, password: str, **client_options) -> TestClient:  # noqa: ANN001
    """A TestClient of `app`, logged in as `username` (anonymous when None)."""
    client = TestClient(app, **client_options)
    if username:
        form_login(client, username, password)
    return client


def menu(html: str) -> list[str]:
    """The links of the main menu, in order."""
    nav = re.search(r'<nav class="main-nav"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'href="([^"]+)"', nav)


def seen_at_response_start(app, path: str, check) -> list:  # noqa: ANN001
    """Run `check()` at the moment each POST to `path` starts its response (the status line leaves the
    app) and collect what it returns: whether the route's commit came before the response. Call it
    before the app serves its first request (Starlette adds no middleware after that)."""
    seen: list = []

    class _Probe:
        def __init__(self, inner) -> None:  # noqa: ANN001
            self.inner = inner

        async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
            async def probing(message) -> None:  # noqa: ANN001
                if (
                    message["type"] == "http.response.start"
                    and scope.get("method") == "POST"
                    and scope["path"] == path
                ):
                    seen.append(check())
                await send(message)

            await self.inner(scope, receive, probing)

    app.add_middleware(_Probe)
    return seen
