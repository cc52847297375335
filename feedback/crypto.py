"""Encryption of identifiers and text at rest, and keyed hashes to find them again.

Phone numbers and everything a young person writes are stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256).
A phone number is looked up through an HMAC of it under a separate subkey, so the database never holds a value
that can be reversed or matched against a list of numbers without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_SALT = b"feedback-at-rest-v1"


class DecryptionError(RuntimeError):
    """Stored text could not be decrypted: the key is not the one it was written with."""


def _subkey(material: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose).derive(material.encode())


class Cipher:
    """Encrypts and decrypts text, and computes lookup hashes, from one key string.

    The key string may be any high-entropy secret: two independent subkeys are derived from it, one for
    encryption and one for lookup hashes, so neither use weakens the other.
    """

    def __init__(self, key_material: str) -> None:
        if not key_material:
            raise ValueError("an encryption key is required")
        self._fernet = Fernet(base64.urlsafe_b64encode(_subkey(key_material, b"fernet")))
        self._lookup_key = _subkey(key_material, b"lookup-hash")

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise DecryptionError("stored text cannot be read with the current ENCRYPTION_KEY") from exc

    def lookup_hash(self, value: str) -> str:
        """A stable keyed hash of `value` (hex), for finding an encrypted identifier by equality."""
        return hmac.new(self._lookup_key, value.encode("utf-8"), hashlib.sha256).hexdigest()
