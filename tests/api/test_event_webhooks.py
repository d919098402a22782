"""Outgoing event webhooks: a subscription hears of request received, due soon and
fulfilled, each once, by a POST signed by the Standard Webhooks specification to a real
HTTP server on 127.0.0.1, checked there by the `standardwebhooks` library's verifier as a
receiver would; an endpoint that is down is retried and its delivery found again by the
re-queue sweep.

Deliveries are written by the workflow and the sweep; the Celery task is run here with
the row's id, as a worker would run it."""

import base64
import importlib
import json
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from orgs import crypto

from orgs.models import EventSubscription
from requests_app import tasks
from requests_app.delivery import event_webhooks, signing
from requests_app.errors import Unavailable
from requests_app.models import EventDelivery, RightsRequest
from requests_app.workflow import sweeps
from tests import factories
from tests.factories import own_queue, queued_tasks  # noqa: F401 (fixture)
from tests.requests_app.test_fulfilment_webhook import ExternalSystem
from tests.workers import celery_queue, free_port  # noqa: F401 (fixture)

SECRET = "whsec_" + base64.b64encode(b"event-signing-key-0123456789abcdef").decode()
Event = EventSubscription.Event


@pytest.fixture
def endpoint():
    server = ExternalSystem()
    server.status = 204
    yield server
    server.close()


@pytest.fixture
def subscription(org_a, endpoint):
    return factories.event_subscription(org_a, url=endpoint.url, secret=SECRET)


def deliver_all() -> int:
    """Run the delivery task for every row, as workers would (twice: the second does nothing)."""
    for _round in range(2):
        for pk in EventDelivery.objects.order_by("pk").values_list("pk", flat=True):
            tasks.deliver_event(pk)
    return EventDelivery.objects.filter(sent_at__isnull=False).count()


def received(endpoint, secret=SECRET) -> list[dict]:
    """What the endpoint got, each checked by the Standard Webhooks verifier with `secret`."""
    return [Webhook(secret).verify(body, headers) for headers, body in endpoint.received]


def due_soon_sweep(rr):
    """Run the deadline sweep just after the request's 2-day threshold."""
    rr.refresh_from_db()
    return sweeps.sweep_deadlines(now=rr.due_at - timedelta(days=2) + timedelta(minutes=1))


def test_received_due_soon_and_fulfilled_are_each_posted_once_and_signed(org_a, officer_a, subscription, endpoint):
    done = factories.fulfilled_request(org_a, officer_a)
    open_one = factories.in_review_request(org_a, officer_a, email="li@example.com")
    due_soon_sweep(open_one)
    due_soon_sweep(open_one)  # a second sweep records nothing new

    assert deliver_all() == 4

    bodies = received(endpoint)
    assert sorted((b["event"], b["request"]) for b in bodies) == sorted([
        (Event.RECEIVED, done.reference), (Event.FULFILLED, done.reference),
        (Event.RECEIVED, open_one.reference), (Event.DUE_SOON, open_one.reference),
    ])
    fulfilled = next(b for b in bodies if b["event"] == Event.FULFILLED)
    assert fulfilled["status"] == RightsRequest.Status.FULFILLED and fulfilled["organisation"] == org_a.slug
    assert "guo@example.com" not in str(bodies) and "li@example.com" not in str(bodies)  # never the person
    headers = dict(endpoint.received[0][0])
    assert headers["X-Rightsdesk-Event"] in Event.values
    assert headers["webhook-signature"].startswith("v1,") and " " not in headers["webhook-signature"]
    assert signing.SIGNATURE_HEADER not in headers  # the old header only for a subscriber that asked
    with pytest.raises(WebhookVerificationError):
        Webhook(EventSubscription.new_secret()).verify(endpoint.received[0][1], headers)
    with pytest.raises(WebhookVerificationError):  # the body changed on the way
        Webhook(SECRET).verify(endpoint.received[0][1].replace(b"request", b"requesT"), headers)
    assert set(EventDelivery.objects.values_list("last_status", flat=True)) == {204}


def test_only_active_subscriptions_of_the_organisation_wanting_the_event_hear_it(org_a, org_b, endpoint):
    factories.event_subscription(org_a, url=endpoint.url, events=[Event.FULFILLED])
    factories.event_subscription(org_a, url=endpoint.url + "/off", active=False)
    factories.event_subscription(org_b, url=endpoint.url + "/b")

    factories.submitted_request(org_a)

    assert not EventDelivery.objects.exists()


def test_a_repeat_of_the_same_event_writes_nothing_twice(org_a, subscription):
    rr = factories.submitted_request(org_a)
    assert event_webhooks.record([rr], Event.RECEIVED) == []
    assert EventDelivery.objects.filter(request=rr).count() == 1


def test_an_endpoint_that_is_down_is_retried_and_the_sweep_queues_it_again(org_a, subscription, endpoint,
                                                                           own_queue):  # noqa: F811
    factories.submitted_request(org_a)
    delivery = EventDelivery.objects.get()
    endpoint.status = 503
    with pytest.raises(Unavailable):
        tasks.deliver_event(delivery.pk)  # a worker's retry (autoretry_for TRANSIENT) takes it from here
    assert Unavailable in tasks.deliver_event.autoretry_for

    dead_url = f"http://127.0.0.1:{free_port()}/gone"
    EventSubscription.objects.filter(pk=subscription.pk).update(url=dead_url)
    with pytest.raises(Unavailable):
        tasks.deliver_event(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.sent_at, delivery.lease_until, delivery.attempts) == (None, None, 2)

    assert sweeps.requeue_stale_work(now=timezone.now() + timedelta(seconds=30))["event_deliveries"] == 0
    counts = sweeps.requeue_stale_work(now=timezone.now() + timedelta(minutes=3))
    assert counts["event_deliveries"] == 1
    assert ("requests.deliver_event", [delivery.pk]) in queued_tasks(own_queue)

    EventSubscription.objects.filter(pk=subscription.pk).update(url=endpoint.url)
    endpoint.status = 200
    tasks.deliver_event(delivery.pk)  # what the worker does with the re-queued message
    tasks.deliver_event(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.sent_at is not None and delivery.last_status == 200
    assert [body["event"] for body in received(endpoint)] == [Event.RECEIVED] * 2  # the 503, then the one accepted
    ids = [headers["webhook-id"] for headers, _body in endpoint.received]
    assert ids == [delivery.key] * 2  # the same message id on the retry: the receiver can drop a repeat
    assert sweeps.requeue_stale_work(now=timezone.now() + timedelta(minutes=3))["event_deliveries"] == 0


def test_a_refusing_endpoint_is_not_retried(org_a, subscription, endpoint):
    factories.submitted_request(org_a)
    endpoint.status = 410
    tasks.deliver_event(EventDelivery.objects.get().pk)
    delivery = EventDelivery.objects.get()
    assert delivery.sent_at is not None and delivery.last_status == 410


def test_the_admin_makes_the_secret_on_create_and_shows_it_once(client, administrator, org_a):
    factories.force_sign_in(client, administrator)
    response = client.post(reverse("admin:orgs_eventsubscription_add"), {
        "organisation": org_a.pk, "url": "https://hooks.example/rightsdesk",
        "events": [Event.RECEIVED, Event.FULFILLED], "active": "on",
    })
    assert response.status_code == 200, response.content[:500]
    subscription = EventSubscription.objects.get()
    assert subscription.secret() in response.content.decode()
    assert subscription.secret().startswith("whsec_") and len(base64.b64decode(subscription.secret()[6:])) == 32
    assert subscription.events == [Event.RECEIVED, Event.FULFILLED]
    change = client.get(reverse("admin:orgs_eventsubscription_change", args=[subscription.pk]))
    assert subscription.secret() not in change.content.decode()


# --- Standard Webhooks: rotation, the subscribers from before, the payload ----------------------


def test_a_new_secret_signs_beside_the_old_one_for_a_day_then_alone(client, administrator, org_a, subscription,
                                                                      endpoint):
    factories.force_sign_in(client, administrator)
    response = client.post(reverse("admin:orgs_eventsubscription_changelist"),
                           {"action": "generate_secret", "_selected_action": [subscription.pk]})
    subscription.refresh_from_db()
    new_secret = subscription.secret()
    assert new_secret != SECRET and new_secret in response.content.decode()
    assert "24 hours" in response.content.decode()

    factories.submitted_request(org_a)
    deliver_all()
    headers, body = endpoint.received[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(SECRET).verify(body, headers)["event"] == Event.RECEIVED  # a receiver not yet switched
    assert Webhook(new_secret).verify(body, headers)["event"] == Event.RECEIVED  # one that has

    with time_machine.travel(timezone.now() + EventSubscription.ROTATION_OVERLAP + timedelta(minutes=1)):
        factories.submitted_request(org_a, email="li@example.com")
        deliver_all()
        headers, body = endpoint.received[-1]
        assert len(headers["webhook-signature"].split(" ")) == 1
        assert Webhook(new_secret).verify(body, headers)["event"] == Event.RECEIVED
        with pytest.raises(WebhookVerificationError):
            Webhook(SECRET).verify(body, headers)  # the old secret no longer signs


def test_a_subscriber_from_before_keeps_its_secret_and_its_headers(org_a, endpoint):
    """The migration turns an old secret into whsec_ form over the same key bytes, and
    marks the subscription to go on getting the old X-Rightsdesk headers."""
    old_secret = "event-signing-secret-0123456789"
    subscription = factories.event_subscription(org_a, url=endpoint.url)
    EventSubscription.objects.filter(pk=subscription.pk).update(
        secret_ciphertext=crypto.encrypt_template(old_secret.encode()))
    migration = importlib.import_module("orgs.migrations.0009_webhook_standard_webhooks")
    migration.to_standard_webhooks(apps, None)
    migration.to_standard_webhooks(apps, None)  # a second run changes nothing

    subscription.refresh_from_db()
    assert subscription.legacy_signature is True
    assert subscription.secret() == "whsec_" + base64.b64encode(old_secret.encode()).decode()
    factories.submitted_request(org_a)
    deliver_all()
    headers, body = endpoint.received[0]
    signing.verify(old_secret, body, headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER])
    assert Webhook(subscription.secret()).verify(body, headers)["event"] == Event.RECEIVED
    assert headers["webhook-timestamp"] == headers[signing.TIMESTAMP_HEADER]


def test_the_payload_names_its_type_and_time_and_its_id_is_the_message_id(org_a, subscription, endpoint):
    rr = factories.submitted_request(org_a)
    deliver_all()
    headers, body = endpoint.received[0]
    data = Webhook(SECRET).verify(body, headers)
    assert data["type"] == data["event"] == Event.RECEIVED and data["request"] == rr.reference
    assert data["id"] == headers["webhook-id"] == EventDelivery.objects.get().key
    assert abs(int(headers["webhook-timestamp"]) - timezone.now().timestamp()) < 60


def test_a_stale_message_is_refused_by_the_receiver(org_a, subscription, endpoint):
    factories.submitted_request(org_a)
    deliver_all()
    headers, body = endpoint.received[0]
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        with pytest.raises(WebhookVerificationError, match="too old"):
            Webhook(SECRET).verify(body, headers)


def test_a_secret_not_in_whsec_form_is_refused(org_a):
    with pytest.raises(ValueError):
        EventSubscription(organisation=org_a, url="https://hooks.example/").set_secret("plain-text-secret")
