"""A request for another way in than a face scan (China: Measures for the Security
Management of Facial Recognition Technology art. 10; SPC Fa Shi [2021] No. 15 art. 10).

The officer records the other way in provided; the person is mailed it and confirms it
works (fulfilled) or says it does not (back to review); refusing it needs a reason and a
legal ground like any refusal. No data system is touched. State is built through the
workflow (tests/factories.py)."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orgs.models import BiometricRecord
from requests_app import fulfilment, workflow
from requests_app.actors import SUBJECT
from requests_app.actors import member as as_member
from requests_app.cases import casefile, documents, selectors
from requests_app.delivery import notifications
from requests_app.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from requests_app.models import Notification, RightsRequest
from requests_app.workflow.steps import OFFICER_STEPS, SUBJECT_STEPS
from tests import factories

pytestmark = pytest.mark.django_db
Kind, Status = RightsRequest.Kind, RightsRequest.Status
DETAILS = "Card no. ****4821: collect it at the property office, weekdays 9-17."


def in_review(org, officer, **kwargs) -> RightsRequest:
    return factories.in_review_request(org, officer, kind=Kind.ALTERNATIVE, alternative_wanted="card", **kwargs)


def provided(org, officer, **kwargs) -> RightsRequest:
    rr = in_review(org, officer, **kwargs)
    workflow.provide_alternative(rr, actor=as_member(officer), alternative="card", details=DETAILS)
    return rr


def desk(user) -> Client:
    client = Client()
    factories.force_sign_in(client, user)
    return client


# --- filing ----------------------------------------------------------------------------------


def test_filed_with_the_way_in_wanted_kept_on_that_request_only(org_a):
    from requests_app.cases.subjects import Identity

    filed = workflow.submit_many(organisation=org_a, kinds=[Kind.ALTERNATIVE, Kind.DELETION],
                                 identity=Identity(email="li@example.com"), alternative_wanted="staff",
                                 details="My face is not recognised in the dark.")

    by_kind = {rr.kind: rr for rr in filed}
    assert by_kind[Kind.ALTERNATIVE].alternative_wanted == "staff"
    assert by_kind[Kind.DELETION].alternative_wanted == ""
    assert by_kind[Kind.ALTERNATIVE].get_alternative_wanted_display() == "Check by staff"


def test_filing_without_saying_which_way_in_is_refused(org_a):
    from requests_app.cases.subjects import Identity

    with pytest.raises(InvalidInput) as refused:
        workflow.submit(organisation=org_a, kind=Kind.ALTERNATIVE, identity=Identity(email="li@example.com"))

    assert "alternative_wanted" in refused.value.errors
    assert not RightsRequest.objects.exists()


@pytest.mark.parametrize("jurisdiction", ["EU", "US-CA", "BR", "US-VA"])
def test_no_other_law_has_the_request(jurisdiction):
    from requests_app.cases.subjects import Identity

    org = factories.jurisdiction_org(jurisdiction)
    with pytest.raises(InvalidInput) as refused:
        workflow.submit(organisation=org, kind=Kind.ALTERNATIVE, identity=Identity(email="li@example.com"),
                        alternative_wanted="card")

    assert "not a request the law of this organisation provides for" in str(refused.value.errors["kind"])


# --- providing it ------------------------------------------------------------------------------


def test_the_officer_provides_it_on_the_desk_with_the_point_s_alternatives_shown(org_a, officer_a):
    activity = factories.activity(org_a)
    point = factories.collection_point(activity, alternatives=("card", "staff"), alternatives_note="Ask at the desk",
                                       published=True)
    rr = in_review(org_a, officer_a, collection_point=point)
    client = desk(officer_a)

    page = client.get(reverse("desk:case", args=[rr.reference]))
    assert "provide_alternative" in page.context["offered"]
    assert "start_fulfilment" not in page.context["offered"]
    text = page.content.decode()
    assert "Other ways in offered at this point" in text and "Card or pass, Check by staff" in text
    assert 'id="alternative-wanted">Card or pass' in text

    response = client.post(reverse("desk:case_action", args=[rr.reference, "provide_alternative"]),
                           {"alternative": "card", "details": DETAILS, "available_from": "2026-12-08"})

    assert response.status_code == 302
    rr.refresh_from_db()
    assert rr.status == Status.FULFILLING
    event = rr.events.order_by("-seq").first()
    assert event.action == "provide_alternative"
    assert event.opened == {"alternative": "card", "details": DETAILS, "available_from": "2026-12-08"}
    assert "sealed" in str(event.data["details"])  # the card number is sealed under the person's key


def test_providing_it_without_saying_how_to_use_it_is_a_form_error(org_a, officer_a):
    rr = in_review(org_a, officer_a)

    response = desk(officer_a).post(reverse("desk:case_action", args=[rr.reference, "provide_alternative"]),
                                    {"alternative": "card", "details": ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    rr.refresh_from_db()
    assert rr.status == Status.IN_REVIEW


def test_only_a_request_for_another_way_in_takes_the_step(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)  # a deletion

    assert not OFFICER_STEPS["provide_alternative"].offered(selectors.case_file(rr), "officer")
    with pytest.raises(TransitionNotAllowed):
        workflow.provide_alternative(rr, actor=as_member(officer_a), alternative="card", details=DETAILS)


def test_an_auditor_may_not_provide_it(org_a, officer_a, auditor_a):
    rr = in_review(org_a, officer_a)

    with pytest.raises(NotPermitted):
        workflow.provide_alternative(rr, actor=as_member(auditor_a), alternative="card", details=DETAILS)
    response = desk(auditor_a).post(reverse("desk:case_action", args=[rr.reference, "provide_alternative"]),
                                    {"alternative": "card", "details": DETAILS})
    assert response.status_code == 403


def test_the_requester_is_mailed_the_way_in_and_asked_to_confirm_in_their_language(org_a, officer_a):
    rr = provided(org_a, officer_a, language="zh-hans")
    note = Notification.objects.get(request=rr, kind=Notification.Kind.SUBJECT_UPDATE,
                                    event__action="provide_alternative")
    mail.outbox.clear()

    assert notifications.deliver(note.pk) is True

    body = mail.outbox[-1].body
    assert DETAILS in body
    assert "卡" in body  # the way in, in Chinese
    assert "/status/" in body


def test_the_requester_is_mailed_in_english_too(org_a, officer_a):
    rr = provided(org_a, officer_a)
    note = Notification.objects.get(request=rr, kind=Notification.Kind.SUBJECT_UPDATE,
                                    event__action="provide_alternative")
    mail.outbox.clear()
    notifications.deliver(note.pk)

    body = mail.outbox[-1].body
    assert "Other way in: Card or pass" in body
    assert DETAILS in body
    assert "Please tell the organisation on your status page whether it works" in body


# --- the person's answer -----------------------------------------------------------------------


def test_confirmed_it_is_fulfilled_and_the_letter_shows_the_way_in_and_the_confirmation(org_a, officer_a):
    rr = provided(org_a, officer_a)

    SUBJECT_STEPS["confirm_alternative"].run(rr, {"works": True, "comment": "The card opens the gate."})

    rr.refresh_from_db()
    assert rr.status == Status.FULFILLED and rr.closed_at is not None
    assert rr.certificate is None  # nothing was erased
    assert "fulfilment" in documents.available(rr)
    html = documents.render_html(documents.for_request(rr, "fulfilment"))
    assert "Card or pass" in html and DETAILS in html
    assert "Confirmed by you" in html and "The card opens the gate." in html
    assert "Measures for the Security Management of Facial Recognition Technology art. 10" in html
    # The case file reads the same history: the way in provided and the confirmation.
    case = casefile.case_file(rr)
    actions = [event["action"] for event in case["events"]]
    assert actions[-2:] == ["provide_alternative", "confirm_alternative"]
    assert case["request"]["alternative_wanted"] == "card"


def test_it_does_not_work_sends_it_back_to_the_officer_with_the_words(org_a, officer_a):
    rr = provided(org_a, officer_a)

    SUBJECT_STEPS["confirm_alternative"].run(rr, {"works": False, "comment": "The office is never open."})

    rr.refresh_from_db()
    assert rr.status == Status.IN_REVIEW
    event = rr.events.order_by("-seq").first()
    assert event.action == "alternative_not_working" and event.opened["comment"] == "The office is never open."
    assert Notification.objects.filter(request=rr, kind=Notification.Kind.SUBJECT_REPLIED, user=officer_a).exists()
    # The officer provides another way; the newest counts.
    workflow.provide_alternative(rr, actor=as_member(officer_a), alternative="code", details="Code 4 digits by SMS")
    rr.refresh_from_db()
    assert rr.status == Status.FULFILLING
    page = desk(officer_a).get(reverse("desk:case", args=[rr.reference])).content.decode()
    assert "The requester says the other way in does not work: The office is never open." in page


def test_it_does_not_work_needs_words(org_a, officer_a):
    rr = provided(org_a, officer_a)

    with pytest.raises(InvalidInput):
        workflow.alternative_not_working(rr, actor=SUBJECT, comment=" ")
    rr.refresh_from_db()
    assert rr.status == Status.FULFILLING


def test_the_officer_cannot_finish_it_in_the_person_s_place(org_a, officer_a):
    rr = provided(org_a, officer_a)

    assert not OFFICER_STEPS["finish_fulfilment"].offered(selectors.case_file(rr), "officer")
    with pytest.raises(TransitionNotAllowed):
        workflow.finish_fulfilment(rr, actor=as_member(officer_a))
    with pytest.raises(NotPermitted):
        workflow.confirm_alternative(rr, actor=as_member(officer_a))


def test_the_person_cannot_confirm_before_anything_was_provided(org_a, officer_a):
    rr = in_review(org_a, officer_a)

    assert not SUBJECT_STEPS["confirm_alternative"].offered(rr)
    with pytest.raises(TransitionNotAllowed):
        workflow.confirm_alternative(rr, actor=SUBJECT)


def test_no_answer_in_14_days_the_officer_may_close_it_and_the_letter_says_so(org_a, officer_a):
    with time_machine.travel(timezone.now() - timedelta(days=13), tick=False):
        rr = provided(org_a, officer_a)
    client = desk(officer_a)
    assert "close_unconfirmed_alternative" not in client.get(reverse("desk:case", args=[rr.reference])).context["offered"]
    too_early = client.post(reverse("desk:case_action", args=[rr.reference, "close_unconfirmed_alternative"]),
                            {"note": "No answer."})
    assert too_early.status_code == 409

    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1), tick=False):
        assert "close_unconfirmed_alternative" in client.get(
            reverse("desk:case", args=[rr.reference])).context["offered"]
        without_note = client.post(reverse("desk:case_action", args=[rr.reference, "close_unconfirmed_alternative"]),
                                   {"note": ""})
        closed = client.post(reverse("desk:case_action", args=[rr.reference, "close_unconfirmed_alternative"]),
                             {"note": "The guard has let the resident in by card every day since."})

    assert without_note.status_code == 400 and closed.status_code == 302
    rr.refresh_from_db()
    assert rr.status == Status.FULFILLED and rr.closed_at is not None
    html = documents.render_html(documents.for_request(rr, "fulfilment"))
    assert "closed without your confirmation" in html and "every day since" in html
    assert "Confirmed by you" not in html
    assert Notification.objects.filter(request=rr, kind=Notification.Kind.SUBJECT_UPDATE,
                                       event__action="close_unconfirmed_alternative").exists()


# --- refusing it -------------------------------------------------------------------------------


def test_refusing_it_without_a_legal_ground_is_refused(org_a, officer_a):
    rr = in_review(org_a, officer_a)
    before = factories.snapshot(rr)

    with pytest.raises(InvalidInput):
        workflow.refuse(rr, actor=as_member(officer_a), reason="Face is the only way here.", legal_ground="")
    response = desk(officer_a).post(reverse("desk:case_action", args=[rr.reference, "refuse"]),
                                    {"reason": "Face is the only way here."})

    assert response.status_code == 400
    assert factories.snapshot(rr) == before


def test_refused_with_a_ground_the_letter_cites_the_organisation_s_law(org_a, officer_a):
    rr = in_review(org_a, officer_a)

    response = desk(officer_a).post(reverse("desk:case_action", args=[rr.reference, "refuse"]),
                                    {"reason": "The card system is being replaced.", "legal_ground": "cn_44_law"})

    assert response.status_code == 302
    rr.refresh_from_db()
    assert rr.status == Status.REFUSED
    html = documents.render_html(documents.for_request(rr, "refusal"))
    assert "PIPL art. 44" in html and "PIPL art. 50" in html


# --- no record is touched -------------------------------------------------------------------


def test_the_records_are_untouched_and_no_system_is_asked(org_a, officer_a):
    activity = factories.activity(org_a)
    record = factories.person_record(activity, email="guo@example.com")
    before = list(BiometricRecord.objects.filter(pk=record.pk).values())
    rr = in_review(org_a, officer_a, email="guo@example.com")
    workflow.approve(rr, actor=as_member(officer_a))

    fulfilment.begin(rr.pk)  # what approval queues: nothing to start for this kind
    with pytest.raises(TransitionNotAllowed):
        workflow.start_fulfilment(rr, actor=as_member(officer_a))
    workflow.provide_alternative(rr, actor=as_member(officer_a), alternative="staff", details="Show your pass")
    workflow.confirm_alternative(rr, actor=SUBJECT)

    rr.refresh_from_db()
    assert rr.status == Status.FULFILLED
    assert not rr.fulfilment_tasks.exists()
    assert list(BiometricRecord.objects.filter(pk=record.pk).values()) == before
    assert not rr.events.filter(action="erase_record").exists()


# --- isolation -----------------------------------------------------------------------------------


def test_another_organisation_s_officer_gets_404(org_a, officer_a, officer_b):
    rr = in_review(org_a, officer_a)
    client = desk(officer_b)

    assert client.get(reverse("desk:case", args=[rr.reference])).status_code == 404
    response = client.post(reverse("desk:case_action", args=[rr.reference, "provide_alternative"]),
                           {"alternative": "card", "details": DETAILS})
    assert response.status_code == 404
    rr.refresh_from_db()
    assert rr.status == Status.IN_REVIEW


def test_anonymous_is_sent_to_sign_in(org_a, officer_a):
    rr = in_review(org_a, officer_a)

    response = Client().post(reverse("desk:case_action", args=[rr.reference, "provide_alternative"]),
                             {"alternative": "card", "details": DETAILS})

    assert response.status_code == 302 and "login" in response["Location"]
    rr.refresh_from_db()
    assert rr.status == Status.IN_REVIEW
