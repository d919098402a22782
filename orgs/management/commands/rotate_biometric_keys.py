"""Re-encrypt every stored biometric template under the first key of BIOMETRIC_KEYS.

Rotation: put the new key first in BIOMETRIC_KEYS (keeping the old ones), run this,
then remove the old keys. A template no configured key opens is reported by record id
and left as it is; the command then exits non-zero, because removing a key now would
make those templates unreadable for good (or they already are).

Safe to run twice: re-encrypting under the first key again changes nothing readable.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orgs import crypto
from orgs.models import BiometricRecord

BATCH_SIZE = 500


class Command(BaseCommand):
    help = "Re-encrypt every stored biometric template under the first key of BIOMETRIC_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, batch_size=BATCH_SIZE, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        rotated, unreadable, last_pk = 0, [], 0
        while True:
            # Each batch is locked while it is re-encrypted, so the vault cannot destroy
            # a template in between and have this command write it back.
            with transaction.atomic():
                batch = list(
                    BiometricRecord.objects.select_for_update()
                    .filter(pk__gt=last_pk, template_ciphertext__isnull=False)
                    .only("pk", "template_ciphertext")
                    .order_by("pk")[:batch_size]
                )
                if not batch:
                    break
                last_pk = batch[-1].pk
                changed = []
                for record in batch:
                    try:
                        record.template_ciphertext = crypto.rotate_template(record.template_ciphertext)
                    except crypto.TemplateUnreadable:
                        unreadable.append(record.pk)
                        self.stderr.write(f"Biometric record {record.pk}: no configured key opens its template.")
                        continue
                    changed.append(record)
                BiometricRecord.objects.bulk_update(changed, ["template_ciphertext"])
                rotated += len(changed)

        self.stdout.write(f"Re-encrypted {rotated} templates under the first key; {len(unreadable)} unreadable.")
        if unreadable:
            ids = ", ".join(map(str, unreadable[:20])) + (", …" if len(unreadable) > 20 else "")
            raise CommandError(
                f"{len(unreadable)} templates could not be opened by any configured key (records {ids}); "
                "keep the key that encrypted them."
            )
