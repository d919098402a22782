"""The administrator's side of the vault: ordering a bulk deletion, watching it, reading its
certificate, and giving a webhook system a new secret that is shown once."""

import json
import logging
import re
from datetime import UTC, datetime

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from config.celery import app as celery_app
from orgs import erasure
from orgs.models import DataSystem, ErasureCertificate, ErasureOrder
from tests import factories
from tests.workers import celery_queue, free_port, point_app_at  # noqa: F401

Status = ErasureOrder.Status
ADD = reverse("admin:orgs_erasureorder_add")
ORDERS = reverse("admin:orgs_erasureorder_changelist")
REASON = "Municipal order of 2020-12: face cameras out of property sales offices"


@pytest.fixture
def admin_client(client, administrator):
    factories.force_sign_in(client, administrator)
    return client


@pytest.fixture
def office(org_a):
    activity = factories.activity(org_a, name="Visitor face capture", collection_point="Sales office")
    factories.vault_records(activity, 3)
    return activity


def order_page(order) -> str:
    return reverse("admin:orgs_erasureorder_change", args=[order.pk])


def test_administrator_orders_a_bulk_deletion_and_it_is_queued(
    admin_client, administrator, org_a, office, celery_queue, django_capture_on_commit_callbacks  # noqa: F811
):
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD, {"organisation": org_a.pk, "collection_point": " Sales office ",
                                           "reason": REASON})

    order = ErasureOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == order_page(order)
    assert (order.kind, order.status, order.collection_point, order.activity) == ("order", "pending", "Sales office",
                                                                                  None)
    assert (order.reason, order.ordered_by) == (REASON, administrator)
    messages = broker.lrange(celery_queue, 0, -1)
    assert len(messages) == 1
    message = json.loads(messages[0])
    assert message["headers"]["task"] == "orgs.run_erasure_order"
    assert message["headers"]["argsrepr"] == f"({order.pk},)"
    broker.delete(celery_queue)


@pytest.fixture
def broker_down(monkeypatch):
    """Publishing goes to a port nothing listens on. Celery reads CELERY_BROKER_URL from the
    environment before its configuration, so that is what is pointed elsewhere."""
    saved = celery_app.conf.broker_url, celery_app.conf.task_default_queue
    dead = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", dead)
    point_app_at(dead, "nowhere")
    yield
    monkeypatch.undo()
    point_app_at(*saved)


def test_order_is_saved_even_when_the_broker_is_down(
    admin_client, org_a, office, caplog, django_capture_on_commit_callbacks, broker_down
):
    with caplog.at_level(logging.WARNING, logger="orgs.admin.erasure_orders"):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(ADD, {"organisation": org_a.pk, "activity": office.pk, "reason": REASON})

    order = ErasureOrder.objects.get()
    assert response.status_code == 302
    assert (order.status, order.activity) == (Status.PENDING, office)
    assert f"could not queue erasure order {order.pk}" in caplog.text
    assert erasure.stale_order_ids() == [order.pk]  # the re-queue sweep will find it


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({}, None, "Name the processing activity or the collection point whose records are to be deleted."),
        ({"collection_point": "Sales office", "activity": "OFFICE"}, None,
         "Name either a processing activity or a collection point, not both."),
        ({"activity": "OTHER"}, "activity",
         "Visitor face capture is an activity of Nanjing Sales Office, not of Hangzhou Wildlife Park."),
        ({"collection_point": "Front desk"}, "collection_point",
         "Hangzhou Wildlife Park has no collection point “Front desk”. Its collection points: Sales office."),
        ({"collection_point": "Sales office", "reason": ""}, "reason", "This field is required."),
    ],
    ids=["neither", "both", "activity-of-another-org", "unknown-collection-point", "no-reason"],
)
def test_order_form_says_what_is_wrong(admin_client, org_a, org_b, office, fields, field, message):
    other = factories.activity(org_b, name="Visitor face capture", collection_point="Front desk")
    ids = {"OFFICE": office.pk, "OTHER": other.pk}
    data = {"organisation": org_a.pk, "reason": REASON, **{k: ids.get(v, v) for k, v in fields.items()}}

    response = admin_client.post(ADD, data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    errors = form.errors.get(field or "__all__", [])
    assert errors == [message], form.errors
    assert not ErasureOrder.objects.exists()


def test_order_form_asks_for_organisation_activity_or_point_and_reason(admin_client, org_a, org_b, office):
    factories.activity(org_b, name="Kiosk check-in", collection_point="Kiosk")

    content = admin_client.get(ADD).content.decode()

    for name in ("organisation", "activity", "collection_point", "reason"):
        assert f'name="{name}"' in content
    assert 'name="kind"' not in content and 'name="status"' not in content
    assert "Hangzhou Wildlife Park · Visitor face capture · Sales office" in content
    assert "Nanjing Sales Office · Kiosk check-in · Kiosk" in content


def test_order_list_shows_what_status_progress_and_certificate(admin_client, org_a, office):
    running = factories.erasure_order(org_a, collection_point="Sales office", status=Status.RUNNING,
                                      total=48_000, processed=12_000)
    done = factories.erasure_order(org_a, activity=office)
    factories.run_order(done)

    factories.erasure_order(org_a, collection_point="Sales office")  # not picked up yet
    factories.erasure_order(org_a, collection_point="Sales office", total=2)  # sized, not picked up yet
    factories.vault_records(office, 1, retain_until=datetime(2021, 4, 1, tzinfo=UTC))
    erasure.open_retention_orders(now=datetime(2021, 4, 9, 16, 30, tzinfo=UTC))
    content = admin_client.get(ORDERS).content.decode()

    assert "12,000 / 48,000 (25 %)" in content
    assert "not started" in content  # nothing left to select once `done` ran
    assert "0 / 2 (0 %)" in content
    assert "records retained until before April 10, 2021, 12:30 a.m." in content  # Asia/Shanghai
    assert "3 / 3 (100 %)" in content
    assert "collection point “Sales office”" in content
    assert "activity “Visitor face capture”" in content
    certificate_url = reverse("admin:orgs_erasurecertificate_change", args=[done.certificate_id])
    assert f'<a href="{certificate_url}">{done.certificate.number}</a>' in content
    assert order_page(running) in content


def test_an_order_counts_from_zero_of_its_records_before_the_first_chunk(admin_client, org_a, office):
    order = factories.erasure_order(org_a, activity=office)

    before = admin_client.get(order_page(order)).content.decode()
    factories.run_order(order)
    after = admin_client.get(order_page(order)).content.decode()

    assert ErasureOrder.objects.get(pk=order.pk).total == 3
    assert "0 / 3 (0 %)" in before and "0 / 0" not in before and "100 %" not in before
    assert "3 / 3 (100 %)" in after


def test_an_order_with_nothing_to_erase_says_so_rather_than_100_percent(admin_client, org_a):
    empty = factories.activity(org_a, name="Unused kiosk", collection_point="Kiosk")
    order = factories.erasure_order(org_a, activity=empty)
    factories.run_order(order)

    content = admin_client.get(order_page(order)).content.decode()

    assert "nothing to erase" in content and "0 / 0" not in content


def test_order_page_is_read_only_and_the_order_cannot_be_deleted(admin_client, org_a, office):
    order = factories.erasure_order(org_a, activity=office)
    factories.run_order(order)

    page = admin_client.get(order_page(order)).content.decode()
    edit = admin_client.post(order_page(order), {"organisation": org_a.pk, "collection_point": "Sales office",
                                                 "reason": "changed"})
    delete = admin_client.post(reverse("admin:orgs_erasureorder_delete", args=[order.pk]), {"post": "yes"})

    assert "3 / 3 (100 %)" in page and order.reason in page
    assert 'name="_save"' not in page and 'name="reason"' not in page
    assert edit.status_code == 403 and delete.status_code == 403
    assert ErasureOrder.objects.get(pk=order.pk).reason == order.reason
    assert "delete_selected" not in admin_client.get(ORDERS).content.decode()


def test_certificate_page_shows_the_content_and_its_hash(admin_client, org_a, office):
    order = factories.erasure_order(org_a, activity=office, reason=REASON)
    factories.run_order(order)
    certificate = order.certificate
    page = reverse("admin:orgs_erasurecertificate_change", args=[certificate.pk])

    content = admin_client.get(page).content.decode()

    assert certificate.body_sha256 in content
    assert "Holds" in content
    assert "&quot;records_erased&quot;: 3," in content  # pretty-printed, one key a line
    assert REASON in content
    assert 'name="_save"' not in content
    assert admin_client.get(reverse("admin:orgs_erasurecertificate_add")).status_code == 403
    assert admin_client.post(reverse("admin:orgs_erasurecertificate_delete", args=[certificate.pk]),
                             {"post": "yes"}).status_code == 403


def test_certificate_page_reports_altered_content(admin_client, org_a, office):
    order = factories.erasure_order(org_a, activity=office)
    factories.run_order(order)
    ErasureCertificate.objects.filter(pk=order.certificate_id).update(
        body={**order.certificate.body, "records_erased": 1}
    )

    content = admin_client.get(reverse("admin:orgs_erasurecertificate_change", args=[order.certificate_id]))

    assert "BROKEN: the content no longer matches" in content.content.decode()


def test_webhook_secret_is_shown_once_and_stored_only_encrypted(admin_client, org_a):
    hook = factories.system(org_a, name="CRM", connector=DataSystem.Connector.WEBHOOK,
                            webhook_url="https://crm.example/erase")
    changelist = reverse("admin:orgs_datasystem_changelist")

    response = admin_client.post(changelist, {"action": "generate_webhook_secret", "_selected_action": [hook.pk]})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    shown = re.findall(r'<code class="webhook-secret">([^<]+)</code>', content)
    assert len(shown) == 1 and len(shown[0]) >= 43  # 32 random bytes, base64
    hook.refresh_from_db()
    stored = bytes(hook.webhook_secret_ciphertext)
    assert shown[0].encode() not in stored
    assert hook.webhook_secret() == shown[0]
    # Never shown again: not on the list, not on the system's page, not in a stored message.
    for page in (changelist, reverse("admin:orgs_datasystem_change", args=[hook.pk])):
        assert shown[0] not in admin_client.get(page).content.decode()
    assert shown[0] not in str(admin_client.cookies)


def test_a_new_webhook_secret_replaces_the_old_one(admin_client, org_a):
    hook = factories.system(org_a, name="CRM", connector=DataSystem.Connector.WEBHOOK,
                            webhook_url="https://crm.example/erase")
    hook.set_webhook_secret("old-secret")
    hook.save()
    changelist = reverse("admin:orgs_datasystem_changelist")

    content = admin_client.post(
        changelist, {"action": "generate_webhook_secret", "_selected_action": [hook.pk]}
    ).content.decode()

    hook.refresh_from_db()
    assert hook.webhook_secret() != "old-secret"
    assert hook.webhook_secret() in content


def test_data_system_list_shows_whether_a_secret_is_set(admin_client, org_a):
    with_secret = factories.system(org_a, name="CRM", connector=DataSystem.Connector.WEBHOOK,
                                   webhook_url="https://crm.example/erase")
    with_secret.set_webhook_secret("s3cret-value-123")
    with_secret.save()
    factories.system(org_a, name="Ticketing", connector=DataSystem.Connector.WEBHOOK,
                     webhook_url="https://tickets.example/erase")

    content = admin_client.get(reverse("admin:orgs_datasystem_changelist")).content.decode()

    cells = re.findall(r'<td class="field-has_webhook_secret"><img src="[^"]*icon-(yes|no)\.svg"', content)
    assert sorted(cells) == ["no", "yes"]
    assert "s3cret-value-123" not in content


def test_secret_action_leaves_systems_without_a_webhook_alone(admin_client, org_a):
    vault = factories.system(org_a, name="Gate vault")

    response = admin_client.post(
        reverse("admin:orgs_datasystem_changelist"),
        {"action": "generate_webhook_secret", "_selected_action": [vault.pk]}, follow=True,
    )

    assert "1 selected system is not a webhook system and has no secret" in response.content.decode()
    vault.refresh_from_db()
    assert vault.webhook_secret_ciphertext is None
