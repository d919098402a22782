"""Create the transparency log's Ed25519 signing key (settings.TRANSPARENCY_LOG_KEY_FILE)
and print its public verifier key. Refuses to replace an existing key: heads signed
with it could no longer be checked against the published key."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from requests_app.transparency import heads


class Command(BaseCommand):
    help = "Create the transparency log's signing key, kept outside the database."

    def add_arguments(self, parser):
        parser.add_argument("--if-missing", action="store_true", help="do nothing if the key exists")

    def handle(self, *args, if_missing=False, **options):
        path = Path(settings.TRANSPARENCY_LOG_KEY_FILE)
        if path.exists():
            if not if_missing:
                raise CommandError(f"{path} exists already; a log keeps its key for life.")
        else:
            heads.create_key(path)
            self.stdout.write(f"Created {path}.")
        self.stdout.write(f"Verifier key: {heads.verifier_key()}")
