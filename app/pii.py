"""Protection of identity numbers at rest.

The column holds AES-GCM ciphertext; a keyed HMAC ("blind index") finds duplicates and
exact matches without decrypting. Both keys derive from `PII_KEY`, which lives outside
the database, so a dump of the database alone reveals no identity number.
"""

import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

_NONCE_BYTES = 12


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[AESGCM, bytes]:
    enc = hashlib.sha256(b"wuye-skills/id-number/enc\x00" + secret.encode()).digest()
    mac = hashlib.sha256(b"wuye-skills/id-number/mac\x00" + secret.encode()).digest()
    return AESGCM(enc), mac


class IdNumberVault:
    """Encrypts, decrypts and indexes identity numbers with one secret."""

    def __init__(self, secret: str):
        self._aead, self._mac_key = _keys(secret)

    def encrypt(self, id_number: str) -> bytes:
        """Ciphertext of an identity number (random nonce prepended)."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, id_number.encode(), b"id_number")

    def decrypt(self, blob: bytes) -> str:
        """The identity number inside a ciphertext made by `encrypt`."""
        nonce, body = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
        return self._aead.decrypt(nonce, body, b"id_number").decode()

    def blind_index(self, id_number: str) -> str:
        """A keyed hash that is equal for equal identity numbers."""
        return hmac.new(self._mac_key, id_number.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=16)
def _purpose_key(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"wuye-skills/{purpose}/mac\x00".encode() + secret.encode()).digest()


def keyed_digest(purpose: str, value: str) -> str:
    """A keyed hash of a short secret (a key of its own per purpose, from `PII_KEY`).

    For values too short to hash plainly (four digits of an identity number): without the
    key, which is not in the database, a dump does not give them away by trying all of them.
    """
    key = _purpose_key(current_app.config["PII_KEY"], purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def vault() -> IdNumberVault:
    """The vault of the current app."""
    return IdNumberVault(current_app.config["PII_KEY"])
