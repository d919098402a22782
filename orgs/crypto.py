"""Encryption of biometric templates at rest.

MultiFernet over settings.BIOMETRIC_KEYS: the first key encrypts, every key decrypts.
Rotation is putting a new key first and re-encrypting (`rotate_biometric_keys`).
"""

from cryptography.fernet import InvalidToken, MultiFernet, Fernet
from django.conf import settings


class TemplateUnreadable(Exception):
    """No configured key opens this template (a key was removed before rotation)."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.BIOMETRIC_KEYS])


def encrypt_template(template: bytes) -> bytes:
    return _fernet().encrypt(template)


def decrypt_template(ciphertext: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(ciphertext))
    except InvalidToken:
        raise TemplateUnreadable("no configured biometric key decrypts this template") from None


def rotate_template(ciphertext: bytes) -> bytes:
    """Re-encrypt under the first key; raises TemplateUnreadable if no key opens it."""
    try:
        return _fernet().rotate(bytes(ciphertext))
    except InvalidToken:
        raise TemplateUnreadable("no configured biometric key decrypts this template") from None
