"""A person's identifiers: normalised, keyed-hashed for matching, masked for display.

Organisations and requests never store an identifier in the clear for matching: both
sides hash the normalised value with a server-side pepper (HMAC-SHA256), so a match is
an equality of hashes and a stolen table is not a list of phone numbers.
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
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


# Default region for phone numbers typed without a country code, per jurisdiction
# (None: the number must carry its country code).
PHONE_REGION = {"CN": "CN", "US-CA": "US", "US-VA": "US", "BR": "BR", "EU": None}


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


@dataclass(frozen=True)
class Identifiers:
    """A person's identifiers as stored: normalised values, keyed hashes, the masked form."""

    values: dict[str, str]  # kind -> normalised value, for the kinds given
    hashes: dict[str, str]  # "<kind>_hash" -> keyed hash, the model fields that match
    masked: str  # "g***@example.com, +86*******5678": the model field masked_identifiers

    def model_fields(self) -> dict[str, str]:
        """The `*_hash` fields and `masked_identifiers`, as a DataSubject or BiometricRecord stores them."""
        return {**self.hashes, "masked_identifiers": self.masked}

    def hashes_by_kind(self) -> dict[str, str]:
        """{kind: hash}, as `matching()` of records and of the consent ledger takes them."""
        return {field.removesuffix("_hash"): value for field, value in self.hashes.items()}

    @classmethod
    def from_hashes(cls, hashes_by_kind: Mapping[str, str], masked: str) -> "Identifiers":
        """Identifiers already stored (a request's subject): their hashes and masked form, no values."""
        return cls(values={}, hashes={f"{kind}_hash": value for kind, value in hashes_by_kind.items() if value},
                   masked=masked)


def read_identifiers(raw: Mapping[str, str], *, jurisdiction: str) -> Identifiers:
    """Normalise, hash and mask every identifier given in `raw` ({kind: typed value}, kinds
    from IdentifierKind; blank values and other keys are skipped), phones read in the
    numbering of `jurisdiction` (PHONE_REGION). The one place intake, the owners' API and the
    demo turn what was typed into what is stored. Raises ValidationError keyed by kind,
    with every bad identifier's message; a mapping with no identifier gives empty results."""
    region = PHONE_REGION.get(jurisdiction)
    values, hashes, masked, errors = {}, {}, [], {}
    for kind in IdentifierKind:
        typed = (raw.get(kind.value) or "").strip()
        if not typed:
            continue
        try:
            value = normalise(kind, typed, region=region)
        except ValidationError as exc:
            errors[kind.value] = exc.messages
            continue
        values[kind.value] = value
        hashes[f"{kind.value}_hash"] = identifier_hash(kind, value)
        masked.append(mask(kind, value))
    if errors:
        raise ValidationError(errors)
    return Identifiers(values=values, hashes=hashes, masked=", ".join(masked))
