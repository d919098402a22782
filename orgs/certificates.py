"""Erasure certificates: a numbered, hashed statement of what was erased where and when."""

import hashlib
import json
import secrets

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from orgs.models import ErasureCertificate, Organisation

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def canonical_json(body: dict) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def issue_certificate(organisation: Organisation, body: dict) -> ErasureCertificate:
    """Store the certificate; `body` says what, from which system, when, by which connector."""
    issued_at = timezone.now()
    # The date in the number is the organisation's day, as on the certificate itself.
    local_day = issued_at.astimezone(organisation.time_zone).strftime("%Y%m%d")
    number = "EC-" + local_day + "-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
    body = json.loads(canonical_json({**body, "number": number, "organisation": organisation.name,
                                      "issued_at": issued_at}))
    return ErasureCertificate.objects.create(
        number=number, organisation=organisation, issued_at=issued_at, body=body,
        body_sha256=hashlib.sha256(canonical_json(body).encode()).hexdigest(),
    )
