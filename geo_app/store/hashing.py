"""Secrets kept only as salted hashes: account passwords and volunteers' PINs.

scrypt (werkzeug's default) in production; a test configuration may name a cheaper method in
``PASSWORD_HASH_METHOD``. A check against an unknown name costs as long as a wrong secret.
"""

from __future__ import annotations

from functools import lru_cache

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

from geo_app.config import PASSWORD_HASH_METHOD


def hash_method() -> str:
    """The app's ``PASSWORD_HASH_METHOD`` (scrypt unless a test configures a cheaper one)."""
    if has_app_context():
        return str(current_app.config.get("PASSWORD_HASH_METHOD", PASSWORD_HASH_METHOD))
    return PASSWORD_HASH_METHOD


def hash_secret(secret: str) -> str:
    return generate_password_hash(secret, method=hash_method())


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-secret-of-anyone", method=method)


def check_secret(stored_hash: str | None, secret: str) -> bool:
    """Whether ``secret`` matches ``stored_hash``; with no hash (an unknown account or card) a
    dummy check of the same cost runs and the answer is False."""
    if not stored_hash:
        check_password_hash(_dummy_hash(hash_method()), secret)
        return False
    return check_password_hash(stored_hash, secret)
