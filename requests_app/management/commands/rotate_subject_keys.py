"""Re-wrap every person's data key under the first key of SUBJECT_WRAPPING_KEYS.

Rotation: put the new wrapping key first in SUBJECT_WRAPPING_KEYS (keeping the old ones),
run this, then remove the old keys. Only the small wrapped keys change; the sealed texts
in the events (requests_app/models/sealed.py) stay as written, so no hash moves. A key no
configured wrapping key opens is reported by subject id and left as it is; the command
then exits non-zero. Destroyed keys hold nothing and are skipped.

Safe to run twice: re-wrapping under the first key again changes nothing readable.
"""

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from requests_app.models import SubjectKey, sealed

BATCH_SIZE = 500


class Command(BaseCommand):
    help = "Re-wrap every person's data key under the first key of SUBJECT_WRAPPING_KEYS."

    def handle(self, *args, **options):
        rewrapped, unreadable, last_pk = 0, [], 0
        while True:
            # Locked while re-wrapped, so a purge cannot destroy a key in between and have
            # this command write it back.
            with transaction.atomic():
                batch = list(
                    SubjectKey.objects.select_for_update()
                    .filter(pk__gt=last_pk, destroyed_at__isnull=True)
                    .order_by("pk")[:BATCH_SIZE]
                )
                if not batch:
                    break
                last_pk = batch[-1].pk
                changed = []
                for key in batch:
                    try:
                        key.wrapped = sealed.rewrap(key.wrapped)
                    except InvalidToken:
                        unreadable.append(key.pk)
                        self.stderr.write(f"Data key of subject {key.pk}: no configured wrapping key opens it.")
                        continue
                    changed.append(key)
                SubjectKey.objects.bulk_update(changed, ["wrapped"])
                rewrapped += len(changed)
        self.stdout.write(f"Re-wrapped {rewrapped} data keys under the first key; {len(unreadable)} unreadable.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} data keys could not be opened by any configured wrapping key; "
                "keep the key that wrapped them."
            )
