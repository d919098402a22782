"""Verify the audit trail: every request's hash chain, and the transparency log against
every signed tree head (the database's, the published checkpoint file's, and any a
witness kept, given with --head).

Exit status 0 when everything holds, 1 (CommandError) otherwise, so a cron job or a
monitoring check can alert on it. Reads one snapshot: concurrent writes are not alarms.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from requests_app.models import RightsRequest
from requests_app.transparency.verify import verify


class Command(BaseCommand):
    help = "Verify every request's audit chain and the transparency log against its signed heads."

    def add_arguments(self, parser):
        parser.add_argument("--reference", help="check only the chain of the request with this reference")
        parser.add_argument("--head", action="append", default=[], type=Path, metavar="FILE",
                            help="a file of checkpoints kept from /log/checkpoint (may be repeated)")

    def handle(self, *args, reference=None, head=(), **options):
        if reference:
            reference = reference.strip().upper()
            if not RightsRequest.objects.filter(reference=reference).exists():
                raise CommandError(f"No request has the reference {reference}.")
        for path in head:
            if not path.is_file():
                raise CommandError(f"No checkpoint file at {path}.")

        report = verify(witness_files=head, reference=reference)

        for problem in report.problems:
            self.stderr.write(problem)
        if not report.holds:
            raise CommandError(f"Audit chain broken: {len(report.problems)} problem(s) found.")
        self.stdout.write(self.style.SUCCESS(
            f"Audit chain holds: {report.requests} requests, {report.events} events checked. "
            f"Transparency log holds: {report.tree_size} entries against {report.heads} signed heads"
            f"{f', {report.pending} waiting to be logged' if report.pending else ''}."
        ))
