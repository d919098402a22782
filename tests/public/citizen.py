"""What a person does on the public pages, as steps tests can call: fill the form, read the
code from the mail outbox, verify, open the status page. Real small PDF and PNG files."""

import re
import struct
import zlib

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from requests_app import tasks
from requests_app.demo.documents import one_page_pdf
from requests_app.models import RightsRequest, VerificationChallenge

DESCRIPTION = "Face scan at the north gate when I entered with my annual pass"


def png_bytes() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(
        b"IEND", b""
    )


def pdf_bytes(text: str = "Annual pass 2019") -> bytes:
    """A small valid one-page PDF (the demo's scanned documents are made the same way)."""
    return one_page_pdf(text)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def form_data(**overrides) -> dict:
    """A valid request form as a person fills it in; an override of None leaves the field out."""
    data = {
        "kinds": ["deletion"],
        "data_description": DESCRIPTION,
        "details": "",
        "full_name": "Guo Bing",
        "email": "guo@example.com",
        "phone": "",
        "member_number": "",
        "id_number": "",
        "filed_by": "self",
        "requester_name": "",
        "requester_email": "",
        "claim_amount": "",
        "claim_currency": "CNY",
        "claim_covers": "",
        "website": "",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def form_url(organisation) -> str:
    return reverse("public:request", kwargs={"slug": organisation.slug})


def file_request(client, organisation, *, ip: str = "127.0.0.1", **overrides):
    return client.post(form_url(organisation), form_data(**overrides), REMOTE_ADDR=ip)


def submission_of(response) -> str:
    match = re.fullmatch(r"/verify/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def send_code(submission) -> str:
    """Run the code task as a worker would, for the newest challenge; return the code mailed."""
    challenge = (
        VerificationChallenge.objects.filter(request__submission=submission).order_by("-created_at", "-pk").first()
    )
    tasks.send_verification_code(challenge.pk)
    return code_in(mail.outbox[-1])


def code_in(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def verify_url(submission) -> str:
    return reverse("public:verify", kwargs={"submission": submission})


def token_of(response) -> str:
    match = re.fullmatch(r"/status/([^/]+)/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def status_url(token: str) -> str:
    return reverse("public:status", kwargs={"token": token})


def action_url(token: str, rr: RightsRequest, action: str) -> str:
    return reverse("public:status_action", kwargs={"token": token, "reference": rr.reference, "action": action})


def file_and_verify(client, organisation, **overrides) -> tuple[str, list[RightsRequest]]:
    """File through the form, verify with the mailed code; the status token and the requests."""
    response = file_request(client, organisation, **overrides)
    assert response.status_code == 302, response.content.decode()[:2000]
    submission = submission_of(response)
    code = send_code(submission)
    response = client.post(verify_url(submission), {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    requests = list(RightsRequest.objects.filter(submission=submission).order_by("pk"))
    return token_of(response), requests


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"
