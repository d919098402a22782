"""Turning what a person types about themselves into a DataSubject with matchable hashes."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from orgs.identifiers import PHONE_REGION, IdentifierKind, read_identifiers
from requests_app.models import DataSubject

__all__ = ["PHONE_REGION", "Identity", "build_subject"]  # PHONE_REGION lives in orgs.identifiers now


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
    identifiers = read_identifiers(
        {kind.value: getattr(identity, kind.value) for kind in IdentifierKind}, jurisdiction=jurisdiction
    )
    subject = DataSubject(full_name=identity.full_name.strip(), preferred_language=language,
                          **identifiers.model_fields())
    # Only the ways to reach the person are kept in the clear (until the purge).
    subject.email = identifiers.values.get(IdentifierKind.EMAIL.value, "")
    subject.phone = identifiers.values.get(IdentifierKind.PHONE.value, "")
    return subject
