"""The public register of an organisation's collection points (Measures for the Application
of Facial Recognition Technology, 2025, arts. 5, 8, 10 and 13): the list, one point, its
printable sign with the QR code, the code itself and the photo of the sign.

Only published points of an organisation that takes public requests; anything else is a
404 that says nothing of whether the point exists. What is shown is read by
orgs.public_register, which never reads a person's data.
"""

from contextlib import AbstractContextManager

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_language

from orgs import public_register, report_publication
from orgs.models import CollectionPoint, Jurisdiction, Organisation
from orgs.models.register import sniff_image
from requests_app.public import qr
from requests_app.public.views import _public_organisation

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp"}
# The sign shows the notice's opening; the whole notice is on the point's page, a scan away.
SIGN_NOTICE_LINES = 3


def _organisation_language(request, organisation: Organisation) -> AbstractContextManager:
    """Chinese first for an organisation in China, as its signs are; a visitor who chose a
    language with the switch (the language cookie) reads theirs."""
    if organisation.jurisdiction == Jurisdiction.CN and not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        request.LANGUAGE_CODE = "zh-hans"
        return translation.override("zh-hans")
    return translation.override(get_language())


def _render(request, organisation: Organisation, template: str, context: dict) -> HttpResponse:
    with _organisation_language(request, organisation):
        response = render(request, template, {"organisation": organisation, **context})
        response["Content-Language"] = get_language()
    return response


def _published(slug: str, public_id) -> CollectionPoint:
    point = public_register.published_point(_public_organisation(slug), public_id)
    if point is None:
        raise Http404
    return point


def _entries(points: list[CollectionPoint]) -> list[dict]:
    groups = public_register.device_groups(points)
    return [{"point": point, "devices": groups[point.pk],
             "on_device": public_register.templates_stay_on_device(groups[point.pk])} for point in points]


def register(request, slug):
    organisation = _public_organisation(slug)
    points = list(public_register.published_points(organisation))
    return _render(request, organisation, "public/register.html", {
        "entries": _entries(points), "report_published": report_publication.published_sections(organisation) is not None})


def point_page(request, slug, public_id):
    point = _published(slug, public_id)
    return _render(request, point.organisation, "public/register_point.html", {"entry": _entries([point])[0]})


def sign(request, slug, public_id):
    """The printable sign. In China it is bilingual, Chinese and English (a gate's visitors
    read either), the visitor's chosen language first; elsewhere in the visitor's language."""
    point = _published(slug, public_id)
    with _organisation_language(request, point.organisation):
        first = get_language()
        lines = _notice_lines(point)
    second, second_lines = None, []
    if point.organisation.jurisdiction == Jurisdiction.CN:
        second = "en" if first.startswith("zh") else "zh-hans"
        with translation.override(second):
            second_lines = _notice_lines(point)
    return _render(request, point.organisation, "public/register_sign.html", {
        "point": point, "notice_lines": lines, "request_url": qr.request_url(point),
        "second_language": second, "second_notice_lines": second_lines})


def _notice_lines(point: CollectionPoint) -> list[str]:
    """The opening of the notice in the active language (its Chinese text where there is one)."""
    return [line.strip() for line in point.local_notice.splitlines() if line.strip()][:SIGN_NOTICE_LINES]


def qr_code(request, slug, public_id):
    point = _published(slug, public_id)
    return HttpResponse(qr.svg(qr.request_url(point)), content_type="image/svg+xml")


def signage_photo(request, slug, public_id):
    """The photo of a published point's sign, as the image it is (its bytes were checked on
    upload and are sniffed again here); never a download of anything else."""
    point = _published(slug, public_id)
    if not point.signage_photo:
        raise Http404
    try:
        handle = point.signage_photo.open("rb")
    except OSError:
        raise Http404 from None  # the row outlived its file
    content_type = IMAGE_TYPES.get(sniff_image(handle.read(16)))
    if content_type is None:
        handle.close()
        raise Http404
    handle.seek(0)
    return FileResponse(handle, content_type=content_type)
