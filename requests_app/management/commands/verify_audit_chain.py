"""Walk every request's audit chain and report the first tampered event of each broken one.

Exit status 0 when every chain holds, 1 (CommandError) otherwise, so a cron job or a
monitoring check can alert on it.
"""

from django.core.management.base import BaseCommand, CommandError

from requests_app.audit import verify_chain
from requests_app.models import RightsRequest

CHUNK_SIZE = 500


class Command(BaseCommand):
    help = "Verify the hash chain of every request's audit trail (or of one, with --reference)."

    def add_arguments(self, parser):
        parser.add_argument("--reference", help="check only the request with this reference")

    def handle(self, *args, reference=None, **options):
        # Only what verify_chain reads of the request: the events come one chain at a time.
        requests = RightsRequest.objects.only("pk", "reference", "event_count", "chain_head").order_by("pk")
        if reference:
            requests = requests.filter(reference=reference.strip().upper())
            if not requests.exists():
                raise CommandError(f"No request has the reference {reference}.")

        checked_requests = checked_events = broken = 0
        for rights_request in requests.iterator(chunk_size=CHUNK_SIZE):
            checked_requests += 1
            chain_break = verify_chain(rights_request)
            if chain_break is None:
                checked_events += rights_request.event_count
            else:
                broken += 1
                self.stderr.write(str(chain_break))

        if broken:
            raise CommandError(f"Audit chain broken in {broken} of {checked_requests} requests.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain holds: {checked_requests} requests, {checked_events} events checked."
            )
        )
