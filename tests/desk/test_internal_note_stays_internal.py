"""The note a person types when recording an outcome by hand is labelled "Internal note":
it stays on the desk. The requester's erasure certificate and fulfilment letter, which
they download from their status page, never print it."""

import pytest
from django.urls import reverse

from orgs.models import DataSystem
from requests_app import fulfilment
from requests_app.cases import tokens
from requests_app.models import RightsRequest
from tests import factories

pytestmark = pytest.mark.django_db
INTERNAL = "Requester shouted at the ticket office; ask security before calling back"


def test_an_internal_note_recorded_by_hand_is_on_the_desk_and_not_in_the_requesters_documents(
        officer_client, client, org_a, officer_a):
    factories.system(org_a, name="Paper archive", connector=DataSystem.Connector.MANUAL)
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get()
    form = officer_client.get(reverse("desk:case", args=[rr.reference])).content.decode()
    assert "Internal note" in form

    done = officer_client.post(reverse("desk:case_action", args=[rr.reference, "record_task_outcome"]), {
        "task": task.pk, "outcome": "deleted", "detail": "Application form and photos shredded", "note": INTERNAL})
    assert done.status_code == 302
    fulfilment.complete_if_done(rr.pk)
    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.FULFILLED and rr.certificate is not None

    assert INTERNAL in officer_client.get(reverse("desk:case", args=[rr.reference])).content.decode()
    token = tokens.issue_status_link(rr.submission)
    for name in ("certificate", "fulfilment"):
        page = client.get(reverse("public:document_html", args=[token, rr.reference, name]))
        assert page.status_code == 200
        assert INTERNAL not in page.content.decode(), name
    assert INTERNAL not in client.get(reverse("public:certificate", args=[token, rr.reference])).content.decode()
    assert INTERNAL not in str(rr.certificate.body)
