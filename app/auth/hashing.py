"""Password hashes: argon2id for new ones; older Werkzeug hashes (scrypt, pbkdf2) still verify.

The parameters come from the configuration (`ARGON2_*`, OWASP's m = 19 MiB, t = 2, p = 1 by
default; the tests use cheap ones). A hash made with other parameters or another method
`needs_rehash`, and the login replaces it after a successful check.
"""

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

ARGON2 = "argon2id"
_hashers: dict[tuple[int, int, int], PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    config = current_app.config
    params = (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_KIB"], config["ARGON2_PARALLELISM"])
    if params not in _hashers:
        time_cost, memory_cost, parallelism = params
        _hashers[params] = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
    return _hashers[params]


def _method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def hash_password(password: str) -> str:
    """Hash with the configured method (argon2id unless configured otherwise)."""
    if _method() == ARGON2:
        return _hasher().hash(password)
    return generate_password_hash(password, method=_method())


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`, whichever method made it."""
    if password_hash.startswith("$argon2"):
        try:
            return _hasher().verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made by another method or with other parameters than configured."""
    if _method() == ARGON2:
        if not password_hash.startswith("$argon2id$"):
            return True
        try:
            return _hasher().check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
    # A Werkzeug method ("scrypt", "pbkdf2:sha256:1000"): compare the algorithm's name.
    return password_hash.split("$", 1)[0].split(":", 1)[0] != _method().split(":", 1)[0]
