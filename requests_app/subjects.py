"""Turning what a person types about themselves into a DataSubject with matchable hashes."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from orgs.identifiers import IdentifierKind, identifier_hash, mask, normalise
from requests_app.models import DataSubject

# Default region for phone numbers typed without a country code, per jurisdiction.
PHONE_REGION = {"CN": "CN", "US-CA": "US", "US-VA": "US", "BR": "BR", "EU": None}


@dataclass(frozen=True)
class Identity:
    email: str = ""
    phone: str = ""
    member_number: str = ""
    id_number: str = ""
    full_name: str = ""


def build_subject(
    identity: Identity, *, jurisdiction: str, language: str = "en", reachable: bool = True
) -> DataSubject:
    """An unsaved DataSubject; raises ValidationError keyed by field for bad identifiers.
    `reachable=False`: a deceased person, named by a relative who gives their own contact."""
    if reachable and not identity.email and not identity.phone:
        raise ValidationError({"email": _("Give an email address or a phone number so we can reach you.")})
    subject = DataSubject(full_name=identity.full_name.strip(), preferred_language=language)
    errors, masked = {}, []
    for kind in IdentifierKind:
        raw = getattr(identity, kind.value)
        if not raw:
            continue
        try:
            value = normalise(kind, raw, region=PHONE_REGION.get(jurisdiction))
        except ValidationError as exc:
            errors[kind.value] = exc.messages
            continue
        setattr(subject, f"{kind.value}_hash", identifier_hash(kind, value))
        masked.append(mask(kind, value))
        if kind in (IdentifierKind.EMAIL, IdentifierKind.PHONE):
            setattr(subject, kind.value, value)
    if errors:
        raise ValidationError(errors)
    subject.masked_identifiers = ", ".join(masked)
    return subject
