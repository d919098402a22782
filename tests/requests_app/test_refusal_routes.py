"""Refusals and appeals by the law of each jurisdiction: every refusal letter and mail
names the law and the route of its own jurisdiction; a Virginia appeal decision is final
(Va. Code §59.1-577(C)); a refusal later than the law allows is recorded, marked late,
and the officer is warned before and after.

Reference calendar: Monday 1 March 2027, 02:00 UTC (10:00 in Shanghai, 21:00 on Sunday
28 February in New York).
"""

import html
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from requests_app import workflow
from requests_app.actors import SUBJECT, member
from requests_app.cases import documents, tokens
from requests_app.delivery import notifications
from requests_app.desk import dashboard
from requests_app.errors import TransitionNotAllowed
from requests_app.models import Notification, RightsRequest
from tests import factories

pytestmark = pytest.mark.django_db
Status = RightsRequest.Status
START = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
NEW_YORK, SHANGHAI = ZoneInfo("America/New_York"), ZoneInfo("Asia/Shanghai")

ZONES = {"CN": "Asia/Shanghai", "EU": "Europe/Berlin", "US-CA": "America/Los_Angeles", "BR": "America/Sao_Paulo",
         "US-VA": "America/New_York"}
# What the letter and the mail must name, per jurisdiction: the law, then the route.
ROUTES = {
    "CN": ["PIPL art. 50", "people's court", "cyberspace administration", "PIPL arts. 60, 65"],
    "EU": ["GDPR art. 12(4)", "supervisory authority", "judicial remedy"],
    "US-CA": ["§7022", "California Privacy Protection Agency", "California Attorney General"],
    "BR": ["LGPD art. 18 §4", "ANPD", "LGPD art. 18 §1"],
    "US-VA": ["Va. Code §59.1-577(B)(2)", "appeal", "Virginia Attorney General"],
}


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def _org(jurisdiction):
    slug = jurisdiction.lower()
    return factories.organisation(name=f"Org {jurisdiction}", slug=f"org-{slug}", jurisdiction=jurisdiction,
                                  time_zone=ZONES[jurisdiction])


def _officers(org):
    slug = org.slug
    return (factories.member(org, "officer", username=f"first_{slug}"),
            factories.member(org, "officer", username=f"second_{slug}"))


def _refuse(rr, officer):
    workflow.refuse(rr, actor=member(officer), reason="Kept for the fraud case", legal_ground="Cited provision")


def _mail_of(event) -> str:
    note = Notification.objects.get(event=event, kind=Notification.Kind.SUBJECT_UPDATE)
    mail.outbox.clear()
    assert notifications.deliver(note.pk) is True
    (sent,) = mail.outbox
    return sent.body


def _letter(rr) -> str:
    return html.unescape(documents.render_html(documents.for_request(rr, "refusal")))


def _same_instant(stored: str, instant: datetime) -> bool:
    """An instant kept in event data (ISO text, to the millisecond) is the one given."""
    return abs(datetime.fromisoformat(stored) - instant) < timedelta(milliseconds=1)


def _last(rr, action):
    return rr.events.filter(action=action).order_by("-seq").first()


# --- the route of each jurisdiction ---------------------------------------------------------


@pytest.mark.parametrize("jurisdiction", list(ROUTES))
def test_refusal_letter_and_mail_name_the_law_and_route_of_their_own_jurisdiction(jurisdiction, clock):
    org = _org(jurisdiction)
    officer, _second = _officers(org)
    rr = factories.in_review_request(org, officer)

    _refuse(rr, officer)

    letter, body = _letter(rr), _mail_of(_last(rr, "refuse"))
    for text in ROUTES[jurisdiction]:
        assert text in letter, (jurisdiction, text)
        assert text in body, (jurisdiction, text)
    others = {"CN": "PIPL", "EU": "GDPR", "BR": "LGPD", "US-VA": "Virginia", "US-CA": "California"}
    for code, name in others.items():
        if code != jurisdiction:
            assert name not in letter and name not in body, (jurisdiction, name)
    assert "You may appeal this decision" in letter and "You may appeal this decision" in body


# --- Virginia: one appeal, decided within 60 days, final ------------------------------------


def test_us_va_appeal_decision_is_final_no_second_appeal(clock, client):
    org = _org("US-VA")
    officer, second = _officers(org)
    rr = factories.in_review_request(org, officer)
    _refuse(rr, officer)
    workflow.appeal(rr, actor=SUBJECT, grounds="Please look again")
    assert rr.assignee == second

    _refuse(rr, second)

    event = _last(rr, "refuse")
    assert event.data["appeal_decision"] is True and event.data["final"] is True
    assert rr.status == Status.REFUSED and rr.appeal_closes_at is None
    with pytest.raises(TransitionNotAllowed):
        workflow.appeal(rr, actor=SUBJECT, grounds="And once more")
    rr.refresh_from_db()
    assert rr.status == Status.REFUSED and rr.events.filter(action="appeal").count() == 1
    # The letter and the mail give the Attorney General route instead of another appeal.
    letter, body = _letter(rr), _mail_of(event)
    for text in (letter, body):
        assert "This is the decision on your appeal" in text
        assert "Va. Code §59.1-577(C)" in text and "Virginia Attorney General" in text
        assert "You may appeal this decision" not in text
    # The public page does not offer it, nor does the API.
    token = tokens.issue_status_link(rr.submission)
    page = html.unescape(client.get(reverse("public:status", args=[token])).content.decode())
    assert f"{rr.reference}/appeal" not in page and "Va. Code §59.1-577(C)" in page
    api = client.get(f"/api/v1/public/status/{token}/").json()
    assert [case["can_appeal"] for case in api["requests"]] == [False]


def test_us_va_first_refusal_may_be_appealed(clock, client):
    org = _org("US-VA")
    officer, _second = _officers(org)
    rr = factories.in_review_request(org, officer)
    _refuse(rr, officer)

    assert rr.appeal_closes_at is not None and "final" not in _last(rr, "refuse").data
    token = tokens.issue_status_link(rr.submission)
    page = client.get(reverse("public:status", args=[token])).content.decode()
    assert f"{rr.reference}/appeal" in page


@pytest.mark.parametrize("jurisdiction", ["CN", "EU", "US-CA", "BR"])
def test_elsewhere_a_refused_appeal_may_be_appealed_again(jurisdiction, clock):
    org = _org(jurisdiction)
    officer, second = _officers(org)
    rr = factories.in_review_request(org, officer)
    _refuse(rr, officer)
    workflow.appeal(rr, actor=SUBJECT, grounds="Please look again")
    _refuse(rr, second)

    event = _last(rr, "refuse")
    assert event.data["appeal_decision"] is True and "final" not in event.data
    assert rr.appeal_closes_at is not None
    assert "This is the decision on your appeal" in _letter(rr)
    workflow.appeal(rr, actor=SUBJECT, grounds="Still wrong")
    assert rr.status == Status.IN_REVIEW


def _va_appealed(clock):
    """A Virginia refusal appealed at 02:00 UTC on 11 March (10 March in New York): due 9 May."""
    org = _org("US-VA")
    officer, second = _officers(org)
    rr = factories.in_review_request(org, officer)
    _refuse(rr, officer)
    clock.move_to(START + timedelta(days=10), tick=False)
    workflow.appeal(rr, actor=SUBJECT, grounds="Please look again")
    assert rr.due_at == datetime(2027, 5, 9, 23, 59, 59, 999999, tzinfo=NEW_YORK)
    return rr, second


def test_us_va_appeal_decided_on_its_60th_day_is_on_time(clock):
    rr, second = _va_appealed(clock)
    clock.move_to(datetime(2027, 5, 9, 23, 59, tzinfo=NEW_YORK), tick=False)  # 03:59 UTC on 10 May

    _refuse(rr, second)

    assert "late" not in _last(rr, "refuse").data


def test_us_va_appeal_decided_after_its_60_days_is_recorded_late(clock):
    rr, second = _va_appealed(clock)
    clock.move_to(datetime(2027, 5, 10, 0, 0, 1, tzinfo=NEW_YORK), tick=False)

    _refuse(rr, second)

    data = _last(rr, "refuse").data
    assert data["late"] is True and data["final"] is True
    assert _same_instant(data["due_at"], rr.due_at)


def test_us_va_appeal_granted_late_is_marked_on_the_approval(clock):
    rr, second = _va_appealed(clock)
    clock.move_to(datetime(2027, 5, 10, 9, 0, tzinfo=NEW_YORK), tick=False)

    workflow.approve(rr, actor=member(second))

    data = _last(rr, "approve").data
    assert data["appeal_decision"] is True and data["late"] is True


# --- late refusals: recorded, warned, shown, counted --------------------------------------------


def _cn_case(clock):
    """Verified at 10:00 on 1 March in Shanghai: due at the end of 31 March (30 days)."""
    org = factories.organisation(name="Hangzhou Park", slug="park-late", jurisdiction="CN")
    officer = factories.member(org, "officer", username="officer_late")
    rr = factories.in_review_request(org, officer)
    assert rr.due_at == datetime(2027, 3, 31, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    return org, officer, rr


def test_refusal_on_the_last_minute_of_the_due_day_is_not_late(clock):
    org, officer, rr = _cn_case(clock)
    clock.move_to(datetime(2027, 3, 31, 23, 59, tzinfo=SHANGHAI), tick=False)

    _refuse(rr, officer)

    assert "late" not in _last(rr, "refuse").data
    assert dashboard.dashboard_figures(org, datetime(2027, 4, 2, tzinfo=UTC)).late_refusals == 0


def test_refusal_after_the_due_date_is_recorded_marked_late_and_counted(clock):
    org, officer, rr = _cn_case(clock)
    clock.move_to(datetime(2027, 4, 1, 0, 0, 1, tzinfo=SHANGHAI), tick=False)  # 16:00 UTC on 31 March

    _refuse(rr, officer)

    assert rr.status == Status.REFUSED
    data = _last(rr, "refuse").data
    assert data["late"] is True and _same_instant(data["due_at"], rr.due_at)
    assert dashboard.dashboard_figures(org, datetime(2027, 4, 2, tzinfo=UTC)).late_refusals == 1


def test_the_desk_warns_before_and_after_a_late_refusal_and_the_case_shows_it(clock, client):
    org, officer, rr = _cn_case(clock)
    client.force_login(officer)
    case_url = reverse("desk:case", args=[rr.reference])
    assert 'id="refuse-late"' not in client.get(case_url).content.decode()
    clock.move_to(datetime(2027, 4, 1, 9, 0, tzinfo=SHANGHAI), tick=False)
    client.force_login(officer)  # a month later: a new session

    before = client.get(case_url).content.decode()
    assert 'id="refuse-late"' in before and "This decision is late: it was due by" in before

    response = client.post(reverse("desk:case_action", args=[rr.reference, "refuse"]),
                           {"reason": "Kept for the fraud case", "legal_ground": "cn_47_2"}, follow=True)
    page = response.content.decode()
    assert "the decision is recorded as late" in page
    assert "Late: it was due by" in page  # the case history
    rr.refresh_from_db()
    assert rr.status == Status.REFUSED
    dash = client.get(reverse("desk:dashboard")).content.decode()
    assert "1 refusal was recorded after its due date." in dash


def test_a_bulk_refusal_says_which_refusals_were_late(clock, client):
    org, officer, late = _cn_case(clock)
    clock.move_to(datetime(2027, 3, 20, 9, 0, tzinfo=SHANGHAI), tick=False)
    on_time = factories.in_review_request(org, officer, email="wang@example.com")  # due 19 April
    clock.move_to(datetime(2027, 4, 1, 9, 0, tzinfo=SHANGHAI), tick=False)
    client.force_login(officer)

    response = client.post(reverse("desk:bulk_refuse"), {
        "references": [late.reference, on_time.reference], "reason": "Fraud case open", "legal_ground": "cn_44_law",
    }, follow=True)

    page = response.content.decode()
    assert f"Refused after the due date, so recorded as late (on each case and the dashboard): {late.reference}." \
        in page
    assert "late" not in _last(on_time, "refuse").data and _last(late, "refuse").data["late"] is True
