"""Biometric templates at rest: encrypted, readable only with a configured key, rotatable."""

from datetime import timedelta
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.forms import modelform_factory
from django.utils import timezone

from orgs.crypto import TemplateUnreadable
from orgs.identifiers import IdentifierKind, identifier_hash, mask, normalise
from orgs.models import BiometricRecord, Modality, ProcessingActivity
from tests import factories

TEMPLATE = b"face-template:0.12,0.98,0.44,0.31"


def activity(org, *, name="Annual pass entry", modality=Modality.FACE):
    return ProcessingActivity.objects.create(
        organisation=org, name=name, purpose="Entry with an annual pass", legal_basis="consent",
        collection_point="Main gate", modality=modality, consent_type="bundled", retention_days=365,
    )


def biometric_record(org, *, template=TEMPLATE, email="guo@example.com", system=None, **extra):
    """A vault record of the person with this email, its template encrypted under the first key."""
    system = system or factories.system(org)
    email = normalise(IdentifierKind.EMAIL, email)
    now = timezone.now()
    record = BiometricRecord(
        organisation=org, system=system, activity=activity(org, name=f"Entry {system.pk}"),
        modality=Modality.FACE, email_hash=identifier_hash(IdentifierKind.EMAIL, email),
        masked_identifiers=mask(IdentifierKind.EMAIL, email), collected_at=now,
        retain_until=now + timedelta(days=365), **extra,
    )
    record.set_template(template)
    record.save()
    return record


def stored_ciphertext(record) -> bytes:
    return bytes(BiometricRecord.objects.values_list("template_ciphertext", flat=True).get(pk=record.pk))


def rotate() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rotate_biometric_keys", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def old_key():
    return Fernet.generate_key().decode()


@pytest.fixture
def new_key():
    return Fernet.generate_key().decode()


def test_template_round_trips_through_the_database_encrypted(org_a):
    record = biometric_record(org_a)

    reloaded = BiometricRecord.objects.get(pk=record.pk)

    assert reloaded.read_template() == TEMPLATE
    assert TEMPLATE not in stored_ciphertext(record)


def test_template_stays_readable_through_a_key_rotation(org_a, settings, old_key, new_key):
    settings.BIOMETRIC_KEYS = [old_key]
    record = biometric_record(org_a)
    before = stored_ciphertext(record)

    settings.BIOMETRIC_KEYS = [new_key, old_key]
    assert BiometricRecord.objects.get(pk=record.pk).read_template() == TEMPLATE

    out, _err = rotate()
    assert "Re-encrypted 1 templates" in out
    after = stored_ciphertext(record)
    assert after != before
    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(after)  # the old key alone no longer opens it

    settings.BIOMETRIC_KEYS = [new_key]
    assert BiometricRecord.objects.get(pk=record.pk).read_template() == TEMPLATE


def test_template_under_a_removed_key_is_unreadable_and_fails_the_rotation(org_a, settings, old_key, new_key):
    settings.BIOMETRIC_KEYS = [old_key]
    lost = biometric_record(org_a, template=b"lost")
    settings.BIOMETRIC_KEYS = [new_key]
    kept = biometric_record(org_a, template=b"kept", system=factories.system(org_a, name="Turnstiles"))
    lost_before = stored_ciphertext(lost)

    with pytest.raises(TemplateUnreadable):
        BiometricRecord.objects.get(pk=lost.pk).read_template()
    with pytest.raises(CommandError, match="1 templates could not be opened"):
        rotate()

    # The readable one was still rotated, the unreadable one left as it was (not destroyed).
    assert BiometricRecord.objects.get(pk=kept.pk).read_template() == b"kept"
    assert stored_ciphertext(lost) == lost_before


def test_rotation_names_the_unreadable_record(org_a, settings, old_key, new_key):
    settings.BIOMETRIC_KEYS = [old_key]
    lost = biometric_record(org_a)
    settings.BIOMETRIC_KEYS = [new_key]
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("rotate_biometric_keys", stdout=StringIO(), stderr=err)

    assert f"Biometric record {lost.pk}: no configured key opens its template." in err.getvalue()


def test_rotation_covers_every_record_across_batches(org_a, settings, old_key, new_key):
    settings.BIOMETRIC_KEYS = [old_key]
    records = [
        biometric_record(org_a, template=f"t{n}".encode(), system=factories.system(org_a, name=f"Gate {n}"))
        for n in range(3)
    ]
    settings.BIOMETRIC_KEYS = [new_key, old_key]

    out = StringIO()
    call_command("rotate_biometric_keys", "--batch-size", "2", stdout=out)

    assert "Re-encrypted 3 templates under the first key; 0 unreadable." in out.getvalue()
    settings.BIOMETRIC_KEYS = [new_key]
    assert [BiometricRecord.objects.get(pk=r.pk).read_template() for r in records] == [b"t0", b"t1", b"t2"]


def test_rotation_leaves_deleted_records_alone(org_a):
    now = timezone.now()
    record = biometric_record(org_a)
    BiometricRecord.objects.filter(pk=record.pk).update(
        template_ciphertext=None, state=BiometricRecord.State.DELETED, tombstoned_at=now
    )

    out, _err = rotate()

    assert "Re-encrypted 0 templates" in out
    assert BiometricRecord.objects.get(pk=record.pk).template_ciphertext is None


def test_template_is_absent_from_repr_and_str(org_a):
    record = BiometricRecord.objects.get(pk=biometric_record(org_a).pk)
    ciphertext = stored_ciphertext(record)

    for text in (repr(record), str(record)):
        assert TEMPLATE.decode() not in text
        assert ciphertext.decode() not in text
    assert str(record) == "Face · g***@example.com"


def test_template_is_absent_from_a_model_form(org_a):
    record = BiometricRecord.objects.get(pk=biometric_record(org_a).pk)
    form_class = modelform_factory(BiometricRecord, fields="__all__")

    rendered = str(form_class(instance=record))

    assert "template_ciphertext" not in form_class.base_fields
    assert "template" not in rendered.lower()
    assert stored_ciphertext(record).decode() not in rendered
    assert TEMPLATE.decode() not in rendered
