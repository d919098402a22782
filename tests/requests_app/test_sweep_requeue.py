"""The re-queue sweep: the database is the truth, the queue a nudge.

What the sweep finds is read back from the broker itself (a queue of the test's own on
the machine's Redis); the end-to-end case runs a real worker on a private Redis that is
stopped while a citizen submits and started again afterwards.
"""

import logging
import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from orgs.models import DataSystem, ErasureOrder
from requests_app import tasks, workflow
from requests_app.actors import SYSTEM, member
from requests_app.models import FulfilmentTask, Notification, RightsRequest, VerificationChallenge
from requests_app.workflow import sweeps
from tests import factories
from tests.factories import own_queue, queued_tasks  # noqa: F401
from tests.workers import (  # noqa: F401 - fixtures
    celery_queue, free_port, mails_in, point_app_at, private_redis, start_worker, wait_for,
)

Status = RightsRequest.Status
NOTHING = {"verification_codes": 0, "notifications": 0, "fulfilment_tasks": 0, "begin_fulfilment": 0,
           "complete_fulfilment": 0, "erasure_orders": 0, "event_deliveries": 0,
           "drp_callbacks": 0}


def later(**delta):
    return timezone.now() + timedelta(**delta)


# --- nothing lost: the end-to-end case --------------------------------------------------


def test_redis_stopped_during_a_submission_then_started_and_the_code_arrives(
    start_worker, celery_queue, private_redis, org_a, tmp_path, caplog
):
    # This process and the worker both use the private Redis. The worker is started while
    # Redis is up and must reconnect by itself when it comes back (Celery retries the
    # broker connection after losing it; CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP covers
    # a worker started while Redis is down).
    point_app_at(private_redis.url, celery_queue)
    worker = start_worker(broker_url=private_redis.url)
    private_redis.stop()

    with caplog.at_level(logging.WARNING, logger="requests_app.workflow.effects"):
        rr = factories.submitted_request(org_a, email="guo.bing@example.com")  # returns: the citizen sees success

    rr.refresh_from_db()
    assert rr.status == Status.SUBMITTED
    challenge = VerificationChallenge.objects.get(request=rr)
    assert challenge.sent_at is None
    assert "could not queue requests.send_verification_code" in caplog.text
    assert "guo.bing" not in caplog.text
    assert mails_in(tmp_path) == []

    private_redis.start()  # same port
    assert sweeps.requeue_stale_work(now=later(seconds=10))["verification_codes"] == 0  # too fresh to call lost
    assert sweeps.requeue_stale_work(now=later(seconds=31))["verification_codes"] == 1

    # The file backend creates the file before it writes the message: wait for the text too.
    wait_for(lambda: all(mails_in(tmp_path)) and mails_in(tmp_path), timeout=60,
             message="the code email after Redis came back")
    sent = mails_in(tmp_path)
    assert len(sent) == 1
    assert "guo.bing@example.com" in sent[0]
    assert re.search(r"\b\d{6}\b", sent[0])
    assert wait_for(lambda: VerificationChallenge.objects.get(pk=challenge.pk).sent_at, message="sent_at")
    # Sent once: a second sweep finds nothing owed.
    assert sweeps.requeue_stale_work(now=later(seconds=31))["verification_codes"] == 0
    assert worker.process.poll() is None


# --- what is found ----------------------------------------------------------------------


def test_a_code_never_sent_is_queued_again_once_30_seconds_old(org_a, own_queue):
    rr = factories.submitted_request(org_a)  # in a test transaction: the on-commit nudge never runs
    challenge = rr.challenges.get()

    assert sweeps.requeue_stale_work(now=later(seconds=20)) == NOTHING
    counts = sweeps.requeue_stale_work(now=later(seconds=31))

    assert counts == {**NOTHING, "verification_codes": 1}
    assert queued_tasks(own_queue) == [("requests.send_verification_code", [challenge.pk])]


def test_a_code_being_sent_sent_or_no_longer_needed_is_left_alone(org_a, officer_a, own_queue):
    being_sent = factories.submitted_request(org_a, email="a@example.com")
    VerificationChallenge.objects.filter(request=being_sent).update(lease_until=later(minutes=2))  # a worker holds it
    sent = factories.submitted_request(org_a, email="b@example.com")
    tasks.send_verification_code(sent.challenges.get().pk)
    verified_by_hand = factories.submitted_request(org_a, email="c@example.com")
    workflow.verify_identity(verified_by_hand, actor=member(officer_a), check_performed="Saw the pass")
    withdrawn = factories.withdrawn_request(org_a, email="d@example.com")

    assert sweeps.requeue_stale_work(now=later(seconds=31))["verification_codes"] == 0
    assert queued_tasks(own_queue) == []
    assert {withdrawn.status, verified_by_hand.status} == {Status.WITHDRAWN, Status.VERIFIED}


def test_a_lease_that_ran_out_means_the_worker_died_and_the_code_is_queued_again(org_a, own_queue):
    rr = factories.submitted_request(org_a)
    VerificationChallenge.objects.filter(request=rr).update(lease_until=later(minutes=2))

    assert sweeps.requeue_stale_work(now=later(minutes=1))["verification_codes"] == 0
    assert sweeps.requeue_stale_work(now=later(minutes=3))["verification_codes"] == 1


def test_unsent_notifications_are_queued_again_in_batches(org_a, officer_a, own_queue):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))
    unsent = list(Notification.objects.filter(sent_at__isnull=True).order_by("created_at", "pk")
                  .values_list("pk", flat=True))
    assert unsent

    assert sweeps.requeue_stale_work(now=later(minutes=1))["notifications"] == 0
    assert sweeps.requeue_stale_work(now=later(minutes=3))["notifications"] == len(unsent)
    assert [args for name, args in queued_tasks(own_queue) if name == "requests.send_notifications"] == [[unsent]]


def test_fulfilment_tasks_lost_or_abandoned_are_queued_again_but_manual_ones_wait_for_people(
    org_a, officer_a, system_owner_a, own_queue
):
    vault = factories.system(org_a, name="Gate vault")
    ledger = factories.system(org_a, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=system_owner_a)
    rr = factories.fulfilling_request(org_a, officer_a)
    vault_task = rr.fulfilment_tasks.get(system=vault)

    assert sweeps.requeue_stale_work(now=later(seconds=30))["fulfilment_tasks"] == 0  # just created
    assert sweeps.requeue_stale_work(now=later(minutes=2))["fulfilment_tasks"] == 1
    assert ("requests.run_fulfilment_task", [vault_task.pk]) in queued_tasks(own_queue)
    assert not any(args == [rr.fulfilment_tasks.get(system=ledger).pk] for _n, args in queued_tasks(own_queue))

    # A worker took the task and holds its lease: left alone until the lease runs out.
    FulfilmentTask.objects.filter(pk=vault_task.pk).update(status=FulfilmentTask.Status.RUNNING,
                                                            lease_expires_at=later(minutes=5))
    assert sweeps.requeue_stale_work(now=later(minutes=2))["fulfilment_tasks"] == 0
    assert sweeps.requeue_stale_work(now=later(minutes=6))["fulfilment_tasks"] == 1


def test_an_approved_request_whose_fulfilment_never_began_is_begun(org_a, officer_a, own_queue):
    rr = factories.approved_request(org_a, officer_a)

    assert sweeps.requeue_stale_work(now=later(seconds=30))["begin_fulfilment"] == 0
    assert sweeps.requeue_stale_work(now=later(minutes=2))["begin_fulfilment"] == 1
    assert ("requests.begin_fulfilment", [rr.pk]) in queued_tasks(own_queue)


def test_a_request_whose_tasks_are_all_done_is_completed(org_a, officer_a, own_queue):
    factories.system(org_a)
    rr = factories.fulfilling_request(org_a, officer_a)
    workflow.record_task_outcome(rr.fulfilment_tasks.get(), actor=SYSTEM, outcome={"deleted": 1})

    assert sweeps.requeue_stale_work(now=later(seconds=30))["complete_fulfilment"] == 0
    assert sweeps.requeue_stale_work(now=later(minutes=2))["complete_fulfilment"] == 1
    assert ("requests.complete_fulfilment", [rr.pk]) in queued_tasks(own_queue)


def test_erasure_orders_nobody_holds_are_queued_again(org_a, own_queue):
    free = factories.erasure_order(org_a, collection_point="Main gate")
    held = factories.erasure_order(org_a, collection_point="East gate")
    ErasureOrder.objects.filter(pk=held.pk).update(status=ErasureOrder.Status.RUNNING, lease_until=later(minutes=5))

    assert sweeps.requeue_stale_work(now=later(minutes=2))["erasure_orders"] == 1
    assert [args for name, args in queued_tasks(own_queue) if name == "orgs.run_erasure_order"] == [[free.pk]]


def test_a_broker_that_is_down_leaves_the_work_for_the_next_sweep(org_a, officer_a, celery_queue, caplog):
    point_app_at(f"redis://127.0.0.1:{free_port()}/0", celery_queue)  # nothing listens there
    rr = factories.submitted_request(org_a, email="guo.bing@example.com")
    factories.approved_request(org_a, officer_a, email="other@example.com")
    mail.outbox.clear()

    with caplog.at_level(logging.WARNING):
        counts = sweeps.requeue_stale_work(now=later(minutes=3))

    assert counts == NOTHING
    assert "guo.bing" not in caplog.text and "other@example.com" not in caplog.text
    assert VerificationChallenge.objects.get(request=rr).sent_at is None
