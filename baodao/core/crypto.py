"""Personal data at rest: SM4-GCM encryption and HMAC-SM3 lookup hashes.

Ciphertext format (text column): base64(nonce[12] + ciphertext + tag[16]).
The lookup hash is keyed, so a leaked table does not reveal ID numbers by brute force over the
small ID-number space without the key. Plain values never go to logs.
"""

from __future__ import annotations

import base64
import functools
import os
import secrets

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
TAG_BYTES = 16


@functools.cache
def _keys() -> tuple[bytes, bytes]:
    raw = settings.FIELD_KEY
    if not raw:
        path = settings.FIELD_KEY_FILE_DEFAULT
        if not settings.DEBUG:
            raise ImproperlyConfigured("FIELD_KEY (or FIELD_KEY_FILE) must be set when DEBUG is off")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(16))
            os.chmod(path, 0o600)
        raw = path.read_text().strip()
    try:
        master = bytes.fromhex(raw)
    except ValueError as exc:
        raise ImproperlyConfigured("FIELD_KEY must be 32 hex characters") from exc
    if len(master) != 16:
        raise ImproperlyConfigured("FIELD_KEY must be 32 hex characters (128-bit SM4 key)")
    # Separate keys for encryption and lookup, derived from the master key.
    return _hmac(master, b"baodao-enc")[:16], _hmac(master, b"baodao-lookup")


def _hmac(key: bytes, data: bytes) -> bytes:
    h = hmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize()


def _prepared() -> tuple[algorithms.SM4, hmac.HMAC]:
    """The SM4 key object and an HMAC already keyed for lookups, copied per value: a bulk import
    hashes and encrypts hundreds of thousands of values, and setting the key up was half the cost.
    Keyed on _keys(), so clearing that cache (a new key) also gives new objects."""
    return _prepare(_keys())


@functools.lru_cache(maxsize=4)
def _prepare(keys: tuple[bytes, bytes]) -> tuple[algorithms.SM4, hmac.HMAC]:
    enc_key, lookup_key = keys
    return algorithms.SM4(enc_key), hmac.HMAC(lookup_key, hashes.SM3())


def encrypt_bytes(data: bytes) -> bytes:
    """nonce[12] + ciphertext + tag[16]: what `encrypt` stores base64-encoded. For binary values
    (baodao.core.versioned's cache entries), without the base64 round trips."""
    sm4, _ = _prepared()
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(sm4, modes.GCM(nonce)).encryptor()
    body = encryptor.update(data) + encryptor.finalize()
    return nonce + body + encryptor.tag


def decrypt_bytes(blob: bytes) -> bytes:
    """The inverse of `encrypt_bytes`; raises InvalidTag if the blob was altered or another key made it."""
    sm4, _ = _prepared()
    decryptor = Cipher(sm4, modes.GCM(blob[:NONCE_BYTES], blob[-TAG_BYTES:])).decryptor()
    return decryptor.update(blob[NONCE_BYTES:-TAG_BYTES]) + decryptor.finalize()


def encrypt(plain: str) -> str:
    if plain is None or plain == "":
        return ""
    return base64.b64encode(encrypt_bytes(plain.encode())).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return decrypt_bytes(base64.b64decode(token)).decode()


def lookup_hash(plain: str) -> str:
    """Keyed hash for exact lookup and uniqueness; normalise before hashing."""
    if not plain:
        return ""
    _, keyed = _prepared()
    h = keyed.copy()
    h.update(plain.strip().upper().encode())
    return h.finalize().hex()
