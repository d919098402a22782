"""Orders and inquiries: sent by a regulator, announced to the organisation, answered before
the deadline, reminded and escalated once; an order to remove scanners opens the work."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orgs import erasure, oversight_orders, oversight_reminders
from orgs.models import ErasureOrder, OversightOrder, OversightOrderEvent, OversightReminder, Regulator
from tests import factories

Status = OversightOrder.Status


@pytest.fixture
def regulator_client(client, regulator_a):
    factories.force_sign_in(client, regulator_a)
    return client


@pytest.fixture
def point_a(org_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activity = factories.activity(org_a, name="Visitor face capture", collection_point="Sales office")
    point = factories.collection_point(activity, name="Sales office entrance", place_kind="sales_office")
    factories.device(point, serial="NJ-CAM-01", kind="camera")
    factories.vault_records(activity, 3, data_system=factories.system(org_a))
    from orgs.models import BiometricRecord

    BiometricRecord.objects.filter(activity=activity).update(collection_point=point)
    return point


def _send(client, org, **data):
    return client.post(reverse("oversight:orders", args=[org.slug]), {"kind": "inquiry", **data})


def test_an_inquiry_reaches_the_organisation_by_mail_and_on_the_desk(regulator_client, client, org_a, owner_a,
                                                                      officer_a, auditor_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(regulator_client, org_a, text="How do visitors enter without their face scanned?",
                         reference="宁网信〔2026〕7号")
    order = OversightOrder.objects.get()
    assert response.status_code == 302 and response.url == reverse("oversight:order", args=[org_a.slug, order.pk])
    assert (order.status, order.kind, order.reference) == (Status.SENT, "inquiry", "宁网信〔2026〕7号")
    # Ten working days on China's calendar, to the end of that day in Shanghai.
    assert order.due_on > timezone.localtime(order.created_at, org_a.time_zone).date() + timedelta(days=11)
    local_due = timezone.localtime(order.due_at, org_a.time_zone)
    assert (local_due.date(), local_due.hour, local_due.minute) == (order.due_on, 23, 59)
    [message] = mail.outbox
    assert sorted(message.to) == ["officer_a@example.com", "owner_a@example.com"]  # not the auditor
    assert "南京市委网信办" in message.subject and "Nanjing Municipal Cyberspace Administration Office" in message.subject
    assert "/desk/oversight/" in message.body
    factories.force_sign_in(client, officer_a)
    desk = client.get(reverse("desk:oversight")).content.decode()
    assert f'id="order-{order.pk}"' in desk and "How do visitors enter" in desk
    badge = client.get(reverse("desk:queue")).content.decode()
    assert 'id="nav-regulators"' in badge and '<mark class="badge"' in badge


def test_answering_closes_the_order_with_its_history(client, regulator_a, org_a, officer_a, auditor_a,
                                                     django_capture_on_commit_callbacks):
    regulator = Regulator.objects.get(user=regulator_a)
    order = oversight_orders.send(org_a, regulator=regulator, kind="inquiry", text="Who reviewed the gates?")
    factories.force_sign_in(client, auditor_a)
    refused = client.post(reverse("desk:oversight_answer", args=[order.pk]), {"text": "We did."})
    assert refused.status_code == 403
    factories.force_sign_in(client, officer_a)
    assert client.post(reverse("desk:oversight_acknowledge", args=[order.pk])).status_code == 302
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("desk:oversight_answer", args=[order.pk]), {"text": "The owner, in March."})
    assert response.status_code == 302
    [told] = mail.outbox  # the regulator who sent it learns of the answer
    assert told.to == ["regulator_a@regulator.example"]
    assert "The owner, in March." in told.body
    assert reverse("oversight:order", args=[org_a.slug, order.pk]) in told.body
    order.refresh_from_db()
    assert (order.status, order.answer, order.answered_by) == (Status.ANSWERED, "The owner, in March.", officer_a)
    assert list(order.events.values_list("step", "from_status", "to_status")) == [
        ("send", "", "sent"), ("acknowledge", "sent", "acknowledged"), ("answer", "acknowledged", "answered")]
    again = client.post(reverse("desk:oversight_answer", args=[order.pk]), {"text": "Again."})
    assert again.status_code == 409
    assert OversightOrder.objects.get().answer == "The owner, in March."


def test_bad_answers_are_form_errors(client, regulator_a, org_a, org_b, officer_a, officer_b):
    order = oversight_orders.send(org_a, regulator=Regulator.objects.get(user=regulator_a), kind="inquiry", text="?")
    factories.force_sign_in(client, officer_a)
    empty = client.post(reverse("desk:oversight_answer", args=[order.pk]), {"text": "  "})
    unknown = client.post(reverse("desk:oversight_answer", args=[order.pk]), {"text": "Done.", "certificate": "EC-X"})
    assert (empty.status_code, unknown.status_code) == (400, 400)
    assert "No certificate of this organisation has that number." in unknown.content.decode()
    factories.force_sign_in(client, officer_b)
    assert client.post(reverse("desk:oversight_answer", args=[order.pk]), {"text": "Done."}).status_code == 404
    assert OversightOrder.objects.get().status == Status.SENT


def test_bad_orders_are_form_errors_and_send_nothing(regulator_client, org_a, org_b):
    other_point = factories.collection_point(factories.activity(org_b, name="B capture"), name="B entrance")
    yesterday = timezone.localtime(timezone.now(), org_a.time_zone).date() - timedelta(days=1)
    cases = [
        ({"text": "Please explain.", "due_on": yesterday.isoformat()}, "due_on"),
        ({"text": "   "}, "text"),
        ({"kind": "remove_scanners", "text": "Remove them."}, "point"),
        ({"kind": "remove_scanners", "text": "Remove them.", "point": other_point.pk}, "point"),
        ({"kind": "nonsense", "text": "x"}, "kind"),
        ({"text": "x", "due_on": "not-a-date"}, "due_on"),
    ]
    for data, field in cases:
        response = _send(regulator_client, org_a, **data)
        assert response.status_code == 400, data
        assert f'id="error-{field}"' in response.content.decode(), data
    assert not OversightOrder.objects.exists() and not ErasureOrder.objects.exists()
    assert len(mail.outbox) == 0


def test_an_order_to_remove_scanners_opens_the_decommission_and_shows_its_certificate(
        regulator_client, org_a, owner_a, point_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the worker's run is done by hand below
        response = _send(regulator_client, org_a, kind="remove_scanners", point=point_a.pk, reference="NJ-2026-12",
                         text="Remove the face cameras at the sales office entrance.")
    assert response.status_code == 302
    order = OversightOrder.objects.get()
    work = order.erasure_order
    assert (work.kind, work.point, work.status, work.total) == ("decommission", point_a, "pending", 3)
    assert "NJ-2026-12" in work.reason and "Nanjing Municipal Cyberspace Administration Office" in work.reason
    page = regulator_client.get(reverse("oversight:order", args=[org_a.slug, order.pk])).content.decode()
    assert "0 / 3" in page and "Not yet" in page
    while erasure.run_next_chunk(work.pk):
        pass
    work.refresh_from_db()
    assert work.status == "done" and work.certificate is not None
    page = regulator_client.get(reverse("oversight:order", args=[org_a.slug, order.pk])).content.decode()
    assert "3 / 3" in page and work.certificate.number in page
    certificate = regulator_client.get(reverse("oversight:certificate_html", args=[org_a.slug,
                                                                                   work.certificate.number]))
    assert certificate.status_code == 200 and work.certificate.number in certificate.content.decode()
    # The organisation answers citing it (the desk suggests the number).
    client = Client()
    factories.force_sign_in(client, owner_a)
    assert f'value="{work.certificate.number}"' in client.get(reverse("desk:oversight")).content.decode()
    client.post(reverse("desk:oversight_answer", args=[order.pk]),
                {"text": "Removed; every record erased.", "certificate": work.certificate.number})
    order.refresh_from_db()
    assert order.status == Status.ANSWERED and order.answer_certificate == work.certificate
    page = regulator_client.get(reverse("oversight:order", args=[org_a.slug, order.pk])).content.decode()
    assert "Removed; every record erased." in page


def test_a_point_already_being_removed_is_a_form_error(regulator_client, org_a, point_a):
    erasure.order_decommission(point_a, reason="The owner's own decision", by=None)
    response = _send(regulator_client, org_a, kind="remove_scanners", point=point_a.pk, text="Remove them.")
    assert response.status_code == 400 and "already under way" in response.content.decode()
    assert not OversightOrder.objects.exists()


def test_the_deadline_runs_reminders_then_one_escalation(regulator_a, org_a, owner_a, officer_a):
    regulator = Regulator.objects.get(user=regulator_a)
    with time_machine.travel("2026-03-02 02:00:00+00:00", tick=False):  # a Monday in Shanghai
        order = oversight_orders.send(org_a, regulator=regulator, kind="inquiry", text="Explain the gates.",
                                      due_on=date(2026, 3, 13))
    mail.outbox.clear()
    with time_machine.travel("2026-03-05 02:00:00+00:00", tick=False):  # 6 working days left: nothing yet
        assert oversight_reminders.remind_due() == 0
    with time_machine.travel("2026-03-10 02:00:00+00:00", tick=False):  # 3 working days left
        assert oversight_reminders.remind_due() == 1
        assert oversight_reminders.remind_due() == 0
    with time_machine.travel("2026-03-13 02:00:00+00:00", tick=False):  # the due day
        assert oversight_reminders.remind_due() == 1
    assert [sorted(m.to) for m in mail.outbox] == [["officer_a@example.com", "owner_a@example.com"]] * 2
    with time_machine.travel("2026-03-13 16:30:00+00:00", tick=False):  # 00:30 on the 14th in Shanghai
        assert oversight_reminders.remind_due() == 1
        assert oversight_reminders.remind_due() == 0
    order.refresh_from_db()
    assert order.status == Status.OVERDUE
    escalation = mail.outbox[-1]
    assert escalation.to == ["owner_a@example.com", "privacy@park-a.example"] and "OVERDUE" in escalation.subject
    assert OversightReminder.objects.filter(order=order).count() == 3
    assert OversightOrderEvent.objects.filter(order=order, step="mark_overdue").count() == 1
    # A late answer still closes it.
    oversight_orders.answer(order, by=owner_a, text="Sorry for the delay: here it is.")
    assert OversightOrder.objects.get().status == Status.ANSWERED
    with time_machine.travel("2026-03-20 02:00:00+00:00", tick=False):
        assert oversight_reminders.remind_due() == 0
