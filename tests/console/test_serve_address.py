"""`xinyong serve --port N`: the app it starts prints N into QR codes and reports (the walkthrough found
cards served on 8011 pointing at :8000), and `python -m xinyong` is the same command line."""

from __future__ import annotations

import subprocess
import sys

import uvicorn

from xinyong.cli import serve
from xinyong.settings import Settings


def test_serve_puts_its_address_where_the_app_reads_it(monkeypatch):
    # setenv (not delenv): monkeypatch then restores the variables serve() writes, so they never leak into
    # later tests' servers in this worker
    monkeypatch.setenv("XINYONG_PORT", "8000")
    monkeypatch.setenv("XINYONG_HOST", "127.0.0.1")
    seen = {}

    def fake_run(target, **kw):  # noqa: ANN001, ANN003 - what the factory would read when uvicorn calls it
        seen.update(kw, settings=Settings.from_env())

    monkeypatch.setattr(uvicorn, "run", fake_run)
    serve(host="127.0.0.2", port=8011, workers=1)
    assert seen["port"] == 8011 and seen["settings"].port == 8011 and seen["settings"].host == "127.0.0.2"


def test_python_dash_m_xinyong_is_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "xinyong", "--help"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0 and "serve" in out.stdout
