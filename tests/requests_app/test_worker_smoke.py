import re

from requests_app.models import VerificationChallenge
from tests import factories
from tests.workers import mails_in, start_worker, celery_queue, wait_for  # noqa: F401


def test_a_real_worker_sends_the_code(start_worker, tmp_path, django_db_blocker):
    worker = start_worker()
    org = factories.organisation(name="Park", slug="park-w")
    rr = factories.submitted_request(org)

    wait_for(lambda: mails_in(tmp_path), message="the code email")
    assert re.search(r"\b\d{6}\b", mails_in(tmp_path)[0])
    # The task writes the mail, then records it sent: wait for the record, not just the file.
    wait_for(lambda: VerificationChallenge.objects.get(request=rr).sent_at is not None,
             message="the code recorded as sent")
