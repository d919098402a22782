"""The demo's filing threshold (Measures art. 15; orgs/filing.py): the Hangzhou park's
annual-pass gates hold the faces of 100,000 and more pass holders, so it owes a first
filing with the Zhejiang cyberspace administration, opened twelve days ago by the real
check (orgs.filing.check) and still open, with its working days counting down on the
desk's filing page (/desk/filing/) and its pack ready to print.

The crowd is enrolled once, after the demo's named people (reference.py), in batches of
plain INSERTs: pass numbers keyed as the vault keys them, each record's person key that
pass number's hash (as orgs.models.biometric_records.person_key sets it), no template
(the demo never reads one); a later run finds the park over the threshold and adds
nothing. About 3 s on SQLite.
"""

from datetime import timedelta

from django.db import connection, transaction

from orgs import filing
from orgs.identifiers import IdentifierKind, identifier_hash, mask, normalise
from orgs.models import BiometricRecord, CollectionPoint, DataSystem, Organisation, ProcessingActivity, RecordState
from requests_app.demo.data import PARK, PARK_FACE, VAULT

CROWD = filing.THRESHOLD + 2_400  # pass holders besides the demo's named people
BATCH = 5_000
OPENED_DAYS_AGO = 12


def build(demo) -> None:
    org = Organisation.objects.filter(slug=PARK).first()
    if org is None:
        return
    if filing.people_count(org) < filing.THRESHOLD:
        demo.result.created["biometric records"] += _enrol_crowd(demo, org)
    filing.check(org, now=demo.real_now - timedelta(days=OPENED_DAYS_AGO))


def _enrol_crowd(demo, org: Organisation) -> int:
    activity = ProcessingActivity.objects.get(organisation=org, name=PARK_FACE)
    vault = DataSystem.objects.get(organisation=org, name=VAULT)
    point = CollectionPoint.objects.filter(organisation=org, activity=activity).order_by("pk").first()
    with transaction.atomic():  # one commit, not one per batch
        return _insert(org, activity, vault, point, demo.real_now)


COLUMNS = ("organisation_id", "system_id", "activity_id", "collection_point_id", "modality", "email_hash",
           "phone_hash", "member_number_hash", "id_number_hash", "person_hash", "masked_identifiers",
           "collected_at", "retain_until", "state", "tombstone_reason")


def _insert(org, activity, vault, point, now) -> int:
    """Ready rows, by COPY on PostgreSQL and executemany on SQLite (the ORM's bulk_create spends
    most of its time compiling 100,000 objects); the person key is the pass number's hash, as
    person_key would set it."""
    adapt = connection.ops.adapt_datetimefield_value
    collected = [adapt(now - timedelta(days=30 + d)) for d in range(700)]
    kept = [adapt(now + timedelta(days=60 + d)) for d in range(300)]
    fixed = (org.pk, vault.pk, activity.pk, getattr(point, "pk", None), activity.modality, "", "")
    rows = []
    for n in range(CROWD):
        number = normalise(IdentifierKind.MEMBER_NUMBER, f"HWW-{2019 + n % 6}-{n:06d}")
        key = identifier_hash(IdentifierKind.MEMBER_NUMBER, number)
        rows.append((*fixed, key, "", key, mask(IdentifierKind.MEMBER_NUMBER, number), collected[n % 700],
                     kept[n % 300], RecordState.ACTIVE.value, ""))
    rows.sort(key=lambda row: row[7])  # in key order the key's two indexes fill from the end
    table = BiometricRecord._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: client-side binding of 1.5 million parameters is slow
            with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return len(rows)
        sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start:start + BATCH])
    return len(rows)
