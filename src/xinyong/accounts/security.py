"""Secrets: Argon2 password hashes, opaque tokens stored as digests, CSRF tokens.

* Passwords: argon2-cffi's `PasswordHasher` (Argon2id, library defaults = RFC 9106 low-memory
  profile); hashes are upgraded on login when the parameters change.
* Session tokens and API keys: 256-bit random values from `secrets`; only their SHA-256 digest
  is stored, so a stolen database holds no usable credential.
* CSRF: the token is an HMAC of the session digest under XINYONG_SECRET_KEY — nothing to store,
  bound to one session, useless to another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
API_KEY_PREFIX = "xyk_"
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash). A missing hash (API-key-only account) never matches."""
    if not stored_hash:
        return False, False
    try:
        _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, _HASHER.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """A bilingual reason when a password is too weak, else None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 个字符 / password must have at least {MIN_PASSWORD_LENGTH} characters"
    if password.isdigit() or password.isalpha():
        return "密码须同时包含字母与数字或符号 / password must mix letters with digits or symbols"
    return None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_api_key() -> tuple[str, str]:
    """(full key shown once, visible prefix). Format: xyk_<8 chars>_<secret>."""
    prefix = secrets.token_hex(4)
    return f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", f"{API_KEY_PREFIX}{prefix}"


def csrf_token(secret_key: str, session_digest: str) -> str:
    return hmac.new(
        secret_key.encode("utf-8"), b"csrf:" + session_digest.encode("ascii"), hashlib.sha256
    ).hexdigest()


def csrf_matches(secret_key: str, session_digest: str, presented: str | None) -> bool:
    if not presented:
        return False
    return hmac.compare_digest(csrf_token(secret_key, session_digest), presented)
