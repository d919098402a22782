"""The walk of one deletion through the code, from the web form to the certificate: which
of the project's modules it visits and how often it moves between them.

Run by hand from the repository root (not part of the test suite):

    .venv/bin/python bench/walk.py            # the summary
    .venv/bin/python bench/walk.py --edges    # and every move (caller module -> callee module)

It uses a PostgreSQL database of its own (DATABASE_URL, default rightsdesk_walk,
created and migrated), Django's test client for the pages and Celery in eager mode (the
tasks run in the same process, so the walk includes them). The person files the form,
confirms with the mailed code; an officer assigns and approves on the desk; the vault
deletes the face record; the requester opens the certificate. A profiler hook records
every call whose caller and callee are both in `orgs` or `requests_app` (tests, Django
and libraries are left out). A "move" is a call from one project module into another;
the figures are the distinct modules, the distinct moves (caller -> callee pairs) and
all moves counted as made; then the same walk by requests_app's parts (its subpackages,
tests/test_imports.py LAYERS), with any move that goes up the layers named.
"""

import argparse
import base64
import os
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench.database import set_up_django  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rightsdesk_walk")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
os.environ.setdefault("BIOMETRIC_KEYS", base64.urlsafe_b64encode(b"bench-key-".ljust(32, b"k")).decode())
os.environ.setdefault("SUBJECT_WRAPPING_KEYS", base64.urlsafe_b64encode(b"bench-wrap".ljust(32, b"w")).decode())
os.environ.setdefault("IDENTIFIER_PEPPER", "bench-pepper-not-for-production-0123456789")
os.environ.setdefault("TRANSPARENCY_LOG_KEY_FILE", str(ROOT / "var" / "bench-log.key"))
os.environ.setdefault("TRANSPARENCY_LOG_DIR", str(ROOT / "var" / "bench-walk-log"))
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("WEBHOOK_ALLOW_HTTP", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")

PACKAGES = ("orgs", "requests_app")


def project_module(frame) -> str | None:
    name = frame.f_globals.get("__name__", "")
    return name if name.split(".")[0] in PACKAGES and ".migrations" not in name else None


class Walk:
    def __init__(self):
        self.modules: Counter = Counter()
        self.moves: Counter = Counter()

    def hook(self, frame, event, _arg):
        if event != "call" or frame.f_code.co_name == "<module>":  # imports are not the walk
            return
        callee = project_module(frame)
        if callee is None:
            return
        self.modules[callee] += 1
        caller_frame = frame.f_back
        # The nearest project frame up the stack is the caller (Django's machinery between is skipped).
        while caller_frame is not None and project_module(caller_frame) is None:
            caller_frame = caller_frame.f_back
        caller = project_module(caller_frame) if caller_frame is not None else None
        if caller is not None and caller != callee:
            self.moves[(caller, callee)] += 1


def prepare():
    import shutil

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from orgs.identifiers import IdentifierKind, identifier_hash, mask, normalise
    from orgs.models import BiometricRecord, DataSystem, Membership, Organisation, ProcessingActivity

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {  # as the tests render, without collectstatic
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    shutil.rmtree(settings.TRANSPARENCY_LOG_DIR, ignore_errors=True)
    with connection.cursor() as cursor:  # a walk on an empty database each time
        cursor.execute("SET rightsdesk.allow_truncate = on")
        cursor.execute("SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables WHERE schemaname = 'public' "
                       "AND tablename NOT IN ('django_migrations', 'django_content_type', 'auth_permission')")
        cursor.execute(f"TRUNCATE {cursor.fetchone()[0]} CASCADE")
    org = Organisation.objects.create(name="Hangzhou Wildlife World", slug="hww", jurisdiction="CN",
                                      time_zone="Asia/Shanghai", contact_email="privacy@hww.example")
    officer = get_user_model().objects.create_user("officer", "officer@hww.example", "walk-password-0123")
    Membership.objects.create(user=officer, organisation=org, role=Membership.Role.OFFICER)
    vault = DataSystem.objects.create(organisation=org, name="Gate vault", connector=DataSystem.Connector.VAULT)
    face = ProcessingActivity.objects.create(
        organisation=org, name="Annual pass entry", purpose="Entry", legal_basis="consent",
        collection_point="North gate", modality="face", consent_type="bundled", retention_days=365)
    email = normalise(IdentifierKind.EMAIL, "guo@example.com")
    record = BiometricRecord(organisation=org, system=vault, activity=face, modality="face",
                             email_hash=identifier_hash(IdentifierKind.EMAIL, email),
                             masked_identifiers=mask(IdentifierKind.EMAIL, email),
                             collected_at=timezone.now(), retain_until=timezone.now() + timezone.timedelta(days=300))
    record.set_template(b"face-template-of-guo")
    record.save()
    return org, officer


def walk_one_deletion(org, officer, email: str = "guo@example.com") -> str:
    from django.core import mail
    from django.test import Client

    from requests_app.models import RightsRequest

    person, desk = Client(), Client()
    form = person.post(f"/organisations/{org.slug}/request/", {
        "kinds": ["deletion"], "data_description": "My face at the north gate, annual pass 2019.",
        "full_name": "Guo Bing", "email": email, "filed_by": "self", "claim_currency": "CNY",
    })
    assert form.status_code == 302, form.status_code
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    verified = person.post(form["Location"], {"code": code})
    assert verified.status_code == 302, verified.status_code
    rr = RightsRequest.objects.latest("pk")
    desk.force_login(officer)
    case = f"/desk/requests/{rr.reference}/"
    assert desk.post(case + "assign/", {"assignee": officer.pk}).status_code == 302
    assert desk.post(case + "approve/", {"note": "Entry by face is not necessary.", "confirmed": "on"}).status_code == 302
    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.FULFILLED, rr.status
    status_link = re.search(r"/status/([A-Za-z0-9_-]+)/", mail.outbox[-1].body).group(1)
    certificate = person.get(f"/status/{status_link}/{rr.reference}/certificate/")
    assert certificate.status_code == 200 and rr.certificate.number in certificate.content.decode()
    return rr.certificate.number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", action="store_true", help="print every move")
    args = parser.parse_args()
    set_up_django()
    org, officer = prepare()
    # A first deletion (another person's) imports and warms everything; the second is measured.
    walk_one_deletion(org, officer, email="warm-up@example.com")
    walk = Walk()
    sys.setprofile(walk.hook)
    try:
        number = walk_one_deletion(org, officer)
    finally:
        sys.setprofile(None)
    print(f"one deletion, form to certificate {number}:")
    print(f"  {len(walk.modules)} project modules visited, {len(walk.moves)} distinct moves between them, "
          f"{sum(walk.moves.values())} moves made")
    print("  modules: " + ", ".join(sorted(walk.modules)))
    print_parts(walk)
    if args.edges:
        for (caller, callee), count in sorted(walk.moves.items()):
            print(f"  {caller} -> {callee}  x{count}")


def print_parts(walk: Walk) -> None:
    """The walk by requests_app's parts: which it visits, the moves between them, and any
    call from a lower layer into a higher one. The imports forbid it, so such a call can
    only be a callback: a task the broker runs by its name (eagerly here), a template tag
    a rendered mail uses."""
    from tests.test_imports import RANK, _part

    def part(module: str) -> str:
        return _part(module) or module.split(".")[0]

    parts = sorted({part(module) for module in walk.modules}, key=lambda name: (RANK.get(name, -1), name))
    moves: Counter = Counter()
    for (caller, callee), count in walk.moves.items():
        if part(caller) != part(callee):
            moves[(part(caller), part(callee))] += count
    upward = [(a, b) for a, b in moves if a in RANK and b in RANK and RANK[b] > RANK[a]]
    print(f"  by part: {len(parts)} parts visited, {len(moves)} distinct moves between them, "
          f"{sum(moves.values())} moves made, {len(upward)} up the layers")
    print("  parts, bottom first: " + ", ".join(parts))
    for a, b in sorted(upward):
        print(f"  up the layers: {a} -> {b}")


if __name__ == "__main__":
    main()
