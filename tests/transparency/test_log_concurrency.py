"""Writers, sequencers and the verifier at once: no false alarm, no fork."""

import threading
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from requests_app import workflow
from requests_app.actors import member
from requests_app.models import RequestEvent, SignedTreeHead
from requests_app.transparency import sequencer
from tests import factories
from tests.transparency import log

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(work, stop: threading.Event, errors: list) -> threading.Thread:
    def run():
        try:
            while not stop.is_set():
                work()
        except Exception as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_concurrent_writes_and_sequencers_never_raise_a_false_alarm(org_a, officer_a):
    stop, errors, written = threading.Event(), [], []
    officer = member(officer_a)

    def file_requests():  # one filer: the code comes from the one mail outbox
        written.append(factories.verified_request(org_a, email=f"c{len(written)}@example.com"))

    def assign_again():  # a second writer, stepping on requests the first has filed
        for rr in list(written):
            workflow.assign(rr, actor=officer, assignee=officer_a)

    threads = [_in_thread(file_requests, stop, errors), _in_thread(assign_again, stop, errors),
               _in_thread(lambda: (sequencer.integrate(batch=7), time.sleep(0.01)), stop, errors),
               _in_thread(lambda: (sequencer.integrate(batch=3), time.sleep(0.01)), stop, errors)]
    reports = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (len(written) < 10 or len(reports) < 5):
            out, err = StringIO(), StringIO()
            try:
                call_command("verify_audit_chain", stdout=out, stderr=err)
            except CommandError:
                pytest.fail(f"a false alarm under concurrent writes: {err.getvalue()}")
            reports.append(out.getvalue())
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)

    assert not errors, errors
    assert len(written) >= 10 and len(reports) >= 5
    # Two sequencers never forked the tree: every head's root is that of a prefix of the
    # one list of leaves, and each leaf is the hash of the event it names.
    sequencer.integrate()
    all_leaves = log.leaves_in_log_order()
    for head in SignedTreeHead.objects.all():
        assert bytes(head.root) == log.mth(all_leaves[:head.size])
    assert SignedTreeHead.objects.order_by("-size").first().size == RequestEvent.objects.count()
