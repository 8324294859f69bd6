"""`make demo` tells a newcomer where to go and how to log in (the README's logins, by hand)."""

from __future__ import annotations

from xinyong.demo.cli import welcome


def test_welcome_names_url_logins_and_password():
    text = welcome("127.0.0.1", 8000)
    assert "http://127.0.0.1:8000/" in text
    for name in ("admin", "heping", "hexi", "shichang", "bank", "merchant", "resident", "cunwei", "cunmin"):
        assert name in text
    assert "xinyong-demo-2023" in text
