"""The copy given to the requester, recorded by hand, may come with any Content-Type its
sender's software claims; one longer than the column holds (100 characters) is stored as
a plain download (application/octet-stream), not a 500 with the file left behind."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orgs.models import DataSystem
from requests_app.models import Attachment, FulfilmentTask
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_copy_with_an_overlong_content_type_is_recorded_and_downloads(officer_client, org_a, officer_a):
    factories.system(org_a, name="Ticket office archive", connector=DataSystem.Connector.MANUAL)
    rr = factories.fulfilling_request(org_a, officer_a, kind="access")
    task = rr.fulfilment_tasks.get()
    copy = SimpleUploadedFile("your-data.pdf", b"%PDF-1.4 the annual pass form",
                              content_type="application/vnd.example." + "x" * 200)

    response = officer_client.post(reverse("desk:case_action", args=[rr.reference, "record_task_outcome"]),
                                   {"task": task.pk, "outcome": "copy_provided", "upload": copy})

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == FulfilmentTask.Status.DONE
    attachment = Attachment.objects.get(request=rr, original_name="your-data.pdf")
    assert attachment.content_type == "application/octet-stream"
    download = officer_client.get(reverse("desk:attachment", args=[rr.reference, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 the annual pass form"
