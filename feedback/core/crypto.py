"""Encryption of identifiers and text at rest, and keyed hashes to find them again.

Phone numbers and everything a young person writes are stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256).
A phone number is looked up through an HMAC of it under a separate subkey, so the database never holds a value
that can be reversed or matched against a list of numbers without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from feedback.core.errors import FeedbackError

_SALT = b"feedback-at-rest-v1"


class DecryptionError(FeedbackError, RuntimeError):
    """Stored text could not be decrypted: the key is not the one it was written with."""


def _subkey(material: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose).derive(material.encode())


class Cipher:
    """Encrypts and decrypts text, and computes lookup hashes, from one key string.

    The key string may be any high-entropy secret: two independent subkeys are derived from it, one for
    encryption and one for lookup hashes, so neither use weakens the other.

    During a key rotation the previous keys are given too (`old`): text written under any of them can still be
    read and an identifier still found by its old hash, while everything new is written under the current key.
    """

    def __init__(self, key_material: str, old: tuple[str, ...] = ()) -> None:
        if not key_material:
            raise ValueError("an encryption key is required")
        keys = [key_material, *(key for key in old if key and key != key_material)]
        self._fernet = MultiFernet([Fernet(base64.urlsafe_b64encode(_subkey(key, b"fernet"))) for key in keys])
        self._lookup_keys = [_subkey(key, b"lookup-hash") for key in keys]
        self._lookup_key = self._lookup_keys[0]

    @property
    def rotating(self) -> bool:
        """Whether previous keys are still given (a rotation is under way or not finished)."""
        return len(self._lookup_keys) > 1

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def rotate(self, token: str) -> str:
        """The same text encrypted under the current key (whichever key it was written with)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise DecryptionError("stored text cannot be read with ENCRYPTION_KEY or ENCRYPTION_OLD_KEYS") from exc

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise DecryptionError("stored text cannot be read with the current ENCRYPTION_KEY") from exc

    def lookup_hash(self, value: str) -> str:
        """A stable keyed hash of `value` (hex), for finding an encrypted identifier by equality."""
        return hmac.new(self._lookup_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def lookup_hashes(self, value: str) -> list[str]:
        """The hash of `value` under the current key, then under each previous key: what a lookup matches while
        a rotation has not yet re-hashed everything."""
        return [hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest() for key in self._lookup_keys]
