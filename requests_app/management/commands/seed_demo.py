"""`manage.py seed_demo`: demo organisations, logins and requests for `make run`.

Safe to run again: what exists already is kept as it is (see requests_app/demo/).
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from requests_app.demo.data import DEMO_PASSWORD, LOGINS, ORGANISATIONS, REGULATORS
from requests_app.demo.seed import SeedResult, seed
from requests_app.models import RightsRequest
from requests_app.transparency import sequencer


class Command(BaseCommand):
    help = (
        "Load demo organisations, logins, biometric records and rights requests in every status. "
        "Idempotent: a second run creates nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. The demo creates a superuser with a published password: "
            "never use this on a real deployment.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates logins with a published password (a superuser among them). "
                "It runs with DEBUG=1, as `make run` sets it; pass --force to run it anyway."
            )
        started = time.monotonic()
        result = seed()
        # The demo's history is in the public log before anyone opens a certificate.
        head = sequencer.integrate()
        elapsed = time.monotonic() - started
        self._report(result, elapsed)
        if head is not None:
            self.stdout.write(f"  Public log: {head.size} events under a signed tree head ({settings.SITE_URL.rstrip('/')}/log/)")

    def _report(self, result: SeedResult, elapsed: float) -> None:
        out, style = self.stdout, self.style
        out.write(style.MIGRATE_HEADING("Rightsdesk demo data"))
        if result.nothing_new:
            out.write("  Nothing new was created: the demo data is already there.")
        else:
            kinds = ["organisations", "logins", "memberships", "authenticator devices", "data systems",
                     "processing activities", "collection points", "devices", "biometric records", "requests",
                     "oversight grants", "oversight orders"]
            made = ", ".join(f"{result.created[k]} {k}" for k in kinds if result.created[k])
            out.write(style.SUCCESS(f"  Created {made} in {elapsed:.1f} s."))

        out.write("")
        out.write(style.MIGRATE_HEADING(f"Sign in at {settings.SITE_URL.rstrip('/')}/accounts/login/ (the admin: /admin/)"))
        out.write(f"  Password of every demo login: {DEMO_PASSWORD}")
        out.write("  (set when the login is created; a login that existed before keeps its own password)")
        names = {o["slug"]: o["name"] for o in ORGANISATIONS}
        for username, _first, _last, slug, role in LOGINS:
            if slug is None:
                what = "administrator (superuser, Django admin)"
            else:
                what = f"{role.label.lower()}, {names[slug]}"
            note = "" if username in result.new_logins or result.nothing_new else "  (existed already)"
            out.write(f"  {username:<20} {what}{note}")
        for username, _first, _last, authority in REGULATORS:
            out.write(f"  {username:<20} regulator, {authority} (read-only, /oversight/)")

        if result.authenticators:
            out.write("")
            out.write(style.MIGRATE_HEADING("Second factor (administrator, owners and regulators)"))
            out.write("  After the password these logins are asked for a 6-digit code. Add the secret to an")
            out.write("  authenticator app (paste the otpauth URI, or type the base32 secret):")
            for item in result.authenticators:
                out.write(f"  {item.username:<20} {item.secret}")
                out.write(f"  {'':<20} {item.otpauth_uri}")

        out.write("")
        out.write(style.MIGRATE_HEADING("Requests by status"))
        counts = dict(RightsRequest.objects.values_list("status").annotate(n=Count("pk")).order_by())
        for status, label in RightsRequest.Status.choices:
            out.write(f"  {status:<17} {counts.get(status, 0):>3}  {label}")
        out.write(f"  {'total':<17} {sum(counts.values()):>3}")

        case = result.hangzhou_case
        if case is not None:
            case.refresh_from_db()
            claim = case.claims.filter(status__in=case.claims.model.OPEN_STATUSES).first()
            out.write("")
            out.write(style.MIGRATE_HEADING("The Hangzhou case (Guo Bing v. Hangzhou Wildlife World, 2019-2021)"))
            out.write(f"  Request {case.reference}: deletion of face and fingerprint data, "
                      f"{case.get_status_display().lower()}, due {case.due_at:%Y-%m-%d}.")
            if claim is not None:
                out.write(f"  Compensation claim {claim.claimed_minor / 100:,.2f} {claim.currency}, "
                          f"{claim.get_status_display().lower()} ({(claim.offered_minor or 0) / 100:,.2f} offered).")
            out.write("  Sign in as park.officer to decide it; park.archive confirms the paper archive's part.")
