"""Secrets: Argon2 hashes, digests of tokens, CSRF tokens bound to one session and one key."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.accounts import security


@settings(max_examples=5, deadline=None)  # Argon2 is deliberately slow
@given(st.text(min_size=12, max_size=40))
def test_password_hash_verifies_only_the_same_password(password):
    stored = security.hash_password(password)
    assert password not in stored and stored.startswith("$argon2id$")
    assert security.verify_password(stored, password) == (True, False)
    assert security.verify_password(stored, password + "x")[0] is False


def test_missing_or_garbage_hash_never_matches():
    assert security.verify_password(None, "x") == (False, False)
    assert security.verify_password("not-a-hash", "x") == (False, False)


def test_csrf_token_is_bound_to_session_and_key():
    a, b = security.digest(security.new_token()), security.digest(security.new_token())
    token = security.csrf_token("k1", a)
    assert security.csrf_matches("k1", a, token)
    assert not security.csrf_matches("k1", b, token)
    assert not security.csrf_matches("k2", a, token)
    assert not security.csrf_matches("k1", a, None) and not security.csrf_matches("k1", a, "")


def test_api_keys_are_unique_and_prefixed():
    keys = {security.new_api_key() for _ in range(50)}
    assert len({k for k, _ in keys}) == 50
    for key, prefix in keys:
        assert key.startswith(prefix + "_") and prefix.startswith(security.API_KEY_PREFIX)


@given(st.text(max_size=30))
def test_password_policy_names_its_reason(password):
    problem = security.password_problem(password)
    strong = len(password) >= security.MIN_PASSWORD_LENGTH and not (password.isdigit() or password.isalpha())
    assert (problem is None) == strong
    if problem:
        assert " / " in problem  # Chinese / English
