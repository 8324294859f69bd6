"""Every route commits before its response leaves.

FastAPI (>= 0.118) runs the exit code of a dependency with `yield` *after* the response has been sent,
unless the dependency is declared with `scope="function"`. The database session commits in that exit
code, so a route declared the default way answers (a 303, a 200 with "已保存") before its write is
durable: the page the browser loads next can show the old state, and a failed commit follows a success
response. The CI run of 2026-12-01 caught this in Chromium — an approved claim was still in the queue
on the page the redirect loaded.

This walks the dependency tree of every route of the app and asserts each dependency with `yield` is
function-scoped. tests/points/test_points_pages.py checks the behaviour itself on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import inspect

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from xinyong.settings import Settings


def _generators(dependant: Dependant, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Dependant]]:
    """Every dependency below `dependant` whose callable yields, with the chain of names leading to it."""
    found = []
    for sub in dependant.dependencies:
        chain = (*path, getattr(sub.call, "__qualname__", repr(sub.call)))
        if inspect.isgeneratorfunction(sub.call) or inspect.isasyncgenfunction(sub.call):
            found.append((chain, sub))
        found.extend(_generators(sub, chain))
    return found


def test_every_dependency_that_yields_exits_before_the_response(tmp_path):
    from xinyong.app import create_app

    app = create_app(dataclasses.replace(Settings.from_env(), database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    routes = [
        c.original_route for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)
    ]
    late, checked = [], 0
    for route in routes:
        for chain, dep in _generators(route.dependant):
            checked += 1
            if dep.scope != "function":
                late.append(
                    f"{sorted(route.methods)} {route.path}: {' → '.join(chain)} (scope={dep.scope!r})"
                )
    assert not late, "dependencies that would commit after the response:\n" + "\n".join(late)
    # the sweep saw the app: well over a hundred routes, most of them with a database session
    assert len(routes) > 150 and checked > 100, (len(routes), checked)
