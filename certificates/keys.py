"""The Ed25519 keys that sign certificates' credentials (and the revocation status list).

Where the keys live (never in the repository, never in the database):
- by default in `instance/certificate-keys/` (config `CERTIFICATE_KEYS_DIR`), generated on
  first use as `SECRET_KEY` is: `<UTC stamp>.pem` holds a private key (PKCS#8, mode 0600);
  `<UTC stamp>.pub.pem` the public half of a key retired by a rotation. The newest private
  key signs; every key of the folder, retired ones included, is published in the JWKS, so
  that credentials signed before a rotation stay verifiable.
- or in the environment: `CERTIFICATE_SIGNING_KEY` holds one PEM private key, or several one
  after the other: the first signs, the others (older keys) are published only. Keys found in
  the folder are then published as well.

A key's `kid` is its RFC 7638 JWK thumbprint. `flask --app app certificates rotate-key`
makes a new key (see README, "Verifying a certificate").
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

ENV_NAME = "CERTIFICATE_SIGNING_KEY"
DIR_NAME = "certificate-keys"
_PRIVATE_SUFFIX = ".pem"
_PUBLIC_SUFFIX = ".pub.pem"
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.S)


class SigningKeyError(Exception):
    """The keys cannot be read (a malformed PEM, a key that is not Ed25519)."""


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JOSE writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The bytes of unpadded base64url text."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public: Ed25519PublicKey) -> dict:
    """The public key as a JWK's required members (OKP, Ed25519)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}


def thumbprint(public: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of the key: its `kid`."""
    canonical = json.dumps(public_jwk(public), separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


@dataclass(frozen=True)
class Key:
    """One key: its `kid`, public half and, when it may sign, its private half."""

    kid: str
    public: Ed25519PublicKey
    private: Ed25519PrivateKey | None = None

    def jwk(self) -> dict:
        """The published JWK (public members only)."""
        return {**public_jwk(self.public), "kid": self.kid, "alg": "EdDSA", "use": "sig"}


def _key(public: Ed25519PublicKey, private: Ed25519PrivateKey | None = None) -> Key:
    return Key(kid=thumbprint(public), public=public, private=private)


@dataclass(frozen=True)
class Keyring:
    """The key that signs now and every key published (the signing key first)."""

    signing: Key
    published: tuple[Key, ...]

    def find(self, kid: str) -> Key | None:
        """The published key `kid`, or None."""
        return next((key for key in self.published if key.kid == kid), None)

    def jwks(self) -> dict:
        """The JSON Web Key Set of every published key."""
        return {"keys": [key.jwk() for key in self.published]}


def _load_private(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"unreadable private key: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("the certificate signing key must be an Ed25519 key")
    return key


def _load_public(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"unreadable public key: {error}") from error
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError("a published certificate key must be an Ed25519 key")
    return key


def private_pem(key: Ed25519PrivateKey) -> bytes:
    """The private key as unencrypted PKCS#8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: Ed25519PublicKey) -> bytes:
    """The public key as SubjectPublicKeyInfo PEM."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def keys_dir() -> Path:
    """The folder of the keys (`CERTIFICATE_KEYS_DIR`, default `instance/certificate-keys`)."""
    configured = current_app.config.get("CERTIFICATE_KEYS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / DIR_NAME


def _env_pem() -> str:
    return current_app.config.get(ENV_NAME) or os.environ.get(ENV_NAME) or ""


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _write_exclusive(path: Path, data: bytes, mode: int) -> None:
    """Create `path` with `mode` from the start (no moment with wider permissions)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _listing(folder: Path) -> tuple[tuple[str, int], ...]:
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return ()
    return tuple(
        sorted(
            (entry.name, entry.stat().st_mtime_ns)
            for entry in entries
            if entry.name.endswith(_PRIVATE_SUFFIX) and entry.is_file()
        )
    )


def _private_files(listing) -> list[str]:
    return [name for name, _ in listing if not name.endswith(_PUBLIC_SUFFIX)]


def generate(folder: Path) -> Path:
    """Write a new private key into `folder` (created 0700); answers its path."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / f"{_stamp()}{_PRIVATE_SUFFIX}"
    _write_exclusive(path, private_pem(Ed25519PrivateKey.generate()), 0o600)
    return path


_cache: dict[tuple, Keyring] = {}
_cache_lock = threading.Lock()


def _build(folder: Path, listing, env: str) -> Keyring:
    env_keys = [_load_private(block.encode()) for block in _PEM_BLOCK.findall(env)]
    if env and not env_keys:
        raise SigningKeyError(f"{ENV_NAME} holds no PEM private key")
    folder_private, folder_public = [], []
    for name, _ in reversed(listing):  # newest first (the stamps sort by time)
        data = (folder / name).read_bytes()
        if name.endswith(_PUBLIC_SUFFIX):
            folder_public.append(_key(_load_public(data)))
        else:
            key = _load_private(data)
            folder_private.append(_key(key.public_key(), key))
    signing_keys = [_key(key.public_key(), key) for key in env_keys] or folder_private
    published: list[Key] = []
    for key in (*signing_keys, *folder_private, *folder_public):
        if all(key.kid != seen.kid for seen in published):
            published.append(key)
    return Keyring(signing=signing_keys[0], published=tuple(published))


# The folder is looked at again at most this often (seconds): issuing 10,000 certificates
# signs 10,000 times, and a rotation made by another process shows within this delay.
RECHECK_SECONDS = 2.0
_recent: dict = {}


def keyring() -> Keyring:
    """The current keys; a first private key is generated when there is none at all.

    Read again whenever the folder's files change (a rotation by another process).
    """
    where = (current_app.config.get("CERTIFICATE_KEYS_DIR"), current_app.instance_path, _env_pem())
    recent = _recent.get("state")
    now = time.monotonic()
    if recent is not None and recent[0] == where and now < recent[1]:
        return recent[2]
    folder, env = keys_dir(), where[2]
    listing = _listing(folder)
    if not env and not _private_files(listing):
        generate(folder)
        listing = _listing(folder)
    cache_key = (str(folder), env, listing)
    found = _cache.get(cache_key)
    if found is None:
        with _cache_lock:
            found = _build(folder, listing, env)
            if len(_cache) > 16:
                _cache.clear()
            _cache[cache_key] = found
    _recent["state"] = (where, now + RECHECK_SECONDS, found)
    return found


def forget() -> None:
    """Read the keys afresh on the next use (after a rotation in this process)."""
    _recent.clear()


def signing_key() -> Key:
    """The key that signs now (the newest)."""
    return keyring().signing


def rotate() -> tuple[Key, list[str]]:
    """Make a new signing key; keep only the public half of the keys it replaces.

    Answers the new key and the kids retired. Refused when the environment gives the key
    (then the environment is changed instead: README, "Verifying a certificate").
    """
    if _env_pem():
        raise SigningKeyError(f"the signing key comes from {ENV_NAME}: rotate it there")
    folder = keys_dir()
    forget()
    keyring()  # a first key exists (and is published) before it is retired
    old = _private_files(_listing(folder))
    new_path = generate(folder)
    retired = []
    for name in old:
        path = folder / name
        key = _load_private(path.read_bytes())
        public_path = folder / (name[: -len(_PRIVATE_SUFFIX)] + _PUBLIC_SUFFIX)
        if not public_path.exists():
            _write_exclusive(public_path, public_pem(key.public_key()), 0o644)
        path.unlink()
        retired.append(thumbprint(key.public_key()))
    forget()
    new = _load_private(new_path.read_bytes())
    return _key(new.public_key(), new), retired
