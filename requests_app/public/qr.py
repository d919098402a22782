"""The QR code on a collection point's sign: it opens the request form with the point chosen.

Drawn server-side as SVG paths (qrcode's SvgPathImage: no Pillow, no script), so the page
shows it as an ordinary same-origin image under the strict CSP.
"""

from urllib.parse import urlencode

import qrcode
from django.conf import settings
from django.urls import reverse
from qrcode.image.svg import SvgPathImage

from orgs.models import CollectionPoint


def request_url(point: CollectionPoint) -> str:
    """The absolute URL of the organisation's request form with this point chosen (SITE_URL + path)."""
    path = reverse("public:request", kwargs={"slug": point.organisation.slug})
    return settings.SITE_URL.rstrip("/") + path + "?" + urlencode({"point": str(point.public_id)})


def svg(data: str) -> str:
    """A QR code of `data` as an SVG document (medium error correction, the standard quiet zone)."""
    image = qrcode.make(data, image_factory=SvgPathImage, error_correction=qrcode.constants.ERROR_CORRECT_M,
                        box_size=10, border=4)
    return image.to_string(encoding="unicode")
