"""On the desk: a stalled or failed task shows why, the officer records by hand what was
done with the outcome the request's kind calls for, and the requester sees and downloads
what was provided; an explanation is written when finishing."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from orgs.models import DataSystem
from requests_app import fulfilment, workflow
from requests_app.actors import SYSTEM, member
from requests_app.cases.tokens import issue_status_link
from requests_app.models import Attachment, Message, RightsRequest
from tests import factories

Connector = DataSystem.Connector


def _case(rr):
    return reverse("desk:case", args=[rr.reference])


def _step(rr, name):
    return reverse("desk:case_action", args=[rr.reference, name])


def test_a_failed_task_shows_why_and_offers_a_way_on(officer_client, org_a, officer_a):
    factories.webhook_system(org_a, name="Gate vendor cloud", url="http://127.0.0.1:9/nothing")
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get()
    workflow.record_task_outcome(task, actor=SYSTEM, failed=True,
                                 outcome={"error": "unreachable after 8 attempts (ConnectionError)"})

    page = officer_client.get(_case(rr))

    html = page.content.decode()
    assert "Why: unreachable after 8 attempts (ConnectionError)" in html
    assert {"retry_task", "repoint_task", "record_task_outcome"} <= {s["name"] for s in page.context["steps"]}


def test_an_approved_request_the_worker_never_took_up_says_so(officer_client, org_a, officer_a):
    factories.system(org_a, name="Biometric vault")
    with time_machine.travel(timezone.now() - timedelta(minutes=5), tick=False):
        rr = factories.approved_request(org_a, officer_a)

    html = officer_client.get(_case(rr)).content.decode()

    assert 'id="stall"' in html and "the background worker has not taken it up" in html


def test_an_access_request_ends_with_the_copy_the_requester_downloads(officer_client, client, org_a, officer_a):
    factories.system(org_a, name="Ticket office archive", connector=Connector.MANUAL)
    rr = factories.fulfilling_request(org_a, officer_a, kind="access")
    task = rr.fulfilment_tasks.get()
    copy = b"%PDF-1.4 Your annual pass application form and the photos we hold"

    missing = officer_client.post(_step(rr, "record_task_outcome"), {"task": task.pk, "outcome": "copy_provided"})
    assert missing.status_code == 400 and "Attach the file" in missing.content.decode()

    from django.core.files.uploadedfile import SimpleUploadedFile

    done = officer_client.post(_step(rr, "record_task_outcome"), {
        "task": task.pk, "outcome": "copy_provided", "detail": "Scan of the paper application form, 3 pages",
        "upload": SimpleUploadedFile("your-data.pdf", copy, content_type="application/pdf")})
    assert done.status_code == 302, done.content.decode()[:1500]
    fulfilment.complete_if_done(rr.pk)
    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.FULFILLED

    token = issue_status_link(rr.submission)
    status = client.get(reverse("public:status", kwargs={"token": token})).content.decode()
    assert "Copy provided" in status and "Scan of the paper application form, 3 pages" in status
    attachment = Attachment.objects.get(request=rr, original_name="your-data.pdf")
    download = client.get(reverse("public:download", args=[token, rr.reference, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == copy


def test_an_explanation_is_written_when_finishing_and_reaches_the_requester(officer_client, client, org_a,
                                                                            officer_a):
    factories.system(org_a, name="Biometric vault")
    rr = factories.approved_request(org_a, officer_a, kind="explanation")
    workflow.start_fulfilment(rr, actor=member(officer_a))
    assert not rr.fulfilment_tasks.exists()  # nothing for a system to do

    empty = officer_client.post(_step(rr, "finish_fulfilment"), {"explanation": " "})
    assert empty.status_code == 400
    words = "We match your face at the gate against the template made when you enrolled; it is kept 395 days."
    assert officer_client.post(_step(rr, "finish_fulfilment"), {"explanation": words}).status_code == 302

    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.FULFILLED
    assert Message.objects.get(request=rr, direction=Message.Direction.TO_SUBJECT).body == words
    token = issue_status_link(rr.submission)
    assert words in client.get(reverse("public:status", kwargs={"token": token})).content.decode()


def test_a_system_owner_signing_in_to_the_desk_lands_on_their_tasks(signed_in, system_owner_a):
    response = signed_in(system_owner_a).get(reverse("desk:queue"))

    assert response.status_code == 302 and response["Location"] == reverse("requests_app:task_list")


def test_what_a_system_owner_wrote_reaches_the_certificate(signed_in, org_a, officer_a, system_owner_a):
    from requests_app.fulfilment import manual

    factories.system(org_a, name="Paper archive", connector=Connector.MANUAL, owner=system_owner_a)
    rr = factories.fulfilling_request(org_a, officer_a)
    manual.confirm(rr.fulfilment_tasks.get(), system_owner_a, outcome="deleted",
                   detail="Shredded the enrolment form and both printed photos")
    fulfilment.complete_if_done(rr.pk)

    rr.refresh_from_db()
    assert rr.certificate.body["systems"][0]["records"] == [
        {"outcome": "deleted", "detail": "Shredded the enrolment form and both printed photos"}]
    page = signed_in(officer_a).get(reverse("desk:document_html", args=[rr.reference, "certificate"]))
    assert "Shredded the enrolment form and both printed photos" in page.content.decode()


def test_the_timeline_says_in_words_when_a_task_was_retried_or_re_pointed(officer_client, org_a, officer_a):
    from requests_app.workflow import task_steps

    factories.webhook_system(org_a, name="Camera vendor cloud", url="https://old.vendor.example/hooks")
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get()
    workflow.record_task_outcome(task, actor=SYSTEM, failed=True, outcome={"error": "unreachable after 8 attempts"})
    task_steps.retry_task(task, actor=member(officer_a))
    task_steps.repoint_task(task, actor=member(officer_a), webhook_url="https://new.vendor.example/hooks")

    html = officer_client.get(_case(rr)).content.decode()

    assert "A data system could not carry out its part: unreachable after 8 attempts" in html
    assert "A data system was tried again (it had failed: unreachable after 8 attempts)" in html
    assert "pointed at https://new.vendor.example/hooks (it was https://old.vendor.example/hooks)" in html
    assert ">repoint_task<" not in html and ">retry_task<" not in html


# --- one rule for which tasks a member may confirm (selectors.manual_tasks_for) -----------------


def test_the_task_page_and_the_api_list_the_same_tasks_for_each_member(
        client, org_a, org_b, owner_a, officer_a, system_owner_a, auditor_a, officer_b):
    factories.system(org_a, name="Pass ledger", connector=Connector.MANUAL, owner=system_owner_a)
    factories.system(org_a, name="Locker list", connector=Connector.MANUAL)
    factories.system(org_a, name="Biometric vault")  # a worker's task: nobody's to confirm
    factories.system(org_b, name="Sales ledger", connector=Connector.MANUAL)
    factories.fulfilling_request(org_a, officer_a)
    factories.fulfilling_request(org_b, officer_b)
    expected = {
        owner_a: {"Pass ledger", "Locker list"},
        officer_a: {"Pass ledger", "Locker list"},
        system_owner_a: {"Pass ledger"},
        auditor_a: set(),
        officer_b: {"Sales ledger"},  # the outsider: only their own organisation's
    }

    for user, systems in expected.items():
        factories.force_sign_in(client, user)
        on_the_desk = client.get(reverse("requests_app:task_list")).context["tasks"]
        organisation = org_b if user == officer_b else org_a
        in_the_api = factories.member_api(user, organisation).get(reverse("api:fulfilment-task-list")).json()

        assert [str(t.public_id) for t in on_the_desk] == [t["public_id"] for t in in_the_api], user
        assert {t.system.name for t in on_the_desk} == systems, user


def test_a_task_done_is_no_longer_offered_and_the_api_says_it_is_done(client, org_a, officer_a, system_owner_a):
    """The rule both share: the list holds the open tasks; a task once done leaves it on
    the desk and in the API alike, and the API's answer to a second outcome is "done"
    (409), never "not found" (selectors.manual_tasks_for finds it in any state)."""
    factories.system(org_a, name="Pass ledger", connector=Connector.MANUAL, owner=system_owner_a)
    task = factories.fulfilling_request(org_a, officer_a).fulfilment_tasks.get()
    api = factories.member_api(system_owner_a, org_a)
    outcome = reverse("api:fulfilment-task-outcome", kwargs={"public_id": task.public_id})
    assert api.post(outcome, {"outcome": "deleted"}).status_code == 200

    factories.force_sign_in(client, system_owner_a)
    assert list(client.get(reverse("requests_app:task_list")).context["tasks"]) == []
    assert api.get(reverse("api:fulfilment-task-list")).json() == []
    assert client.get(reverse("requests_app:task_confirm", args=[task.public_id])).status_code == 404
    assert api.post(outcome, {"outcome": "deleted"}).status_code == 409
