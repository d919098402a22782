"""A person's identifiers: normalised, keyed-hashed for matching, masked for display.

Organisations and requests never store an identifier in the clear for matching: both
sides hash the normalised value with a server-side pepper (HMAC-SHA256), so a match is
an equality of hashes and a stolen table is not a list of phone numbers.
"""

import hashlib
import hmac
from enum import StrEnum

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


class IdentifierKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    MEMBER_NUMBER = "member_number"
    ID_NUMBER = "id_number"


def normalise(kind: IdentifierKind, value: str, region: str = "CN") -> str:
    """The canonical form of an identifier; raises ValidationError with a readable message."""
    value = value.strip()
    if kind == IdentifierKind.EMAIL:
        validate_email(value)
        return value.lower()
    if kind == IdentifierKind.PHONE:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            raise ValidationError(_("Enter a valid phone number.")) from None
        if not phonenumbers.is_valid_number(number):
            raise ValidationError(_("Enter a valid phone number."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    compact = "".join(value.split()).upper()
    if not compact:
        raise ValidationError(_("This identifier is empty."))
    return compact


def identifier_hash(kind: IdentifierKind, normalised_value: str) -> str:
    message = f"{kind}:{normalised_value}".encode()
    return hmac.new(settings.IDENTIFIER_PEPPER.encode(), message, hashlib.sha256).hexdigest()


def mask(kind: IdentifierKind, normalised_value: str) -> str:
    """A form safe to show an officer before reveal: g***@example.com, +86******5678."""
    if kind == IdentifierKind.EMAIL:
        local, _at, domain = normalised_value.partition("@")
        return f"{local[:1]}***@{domain}"
    keep = 4 if len(normalised_value) > 6 else 1
    head = normalised_value[:3] if kind == IdentifierKind.PHONE else ""
    hidden = len(normalised_value) - len(head) - keep
    return head + "*" * max(hidden, 3) + normalised_value[-keep:]
