"""What a requester may upload: PDFs and images, known by their first bytes; a name may not claim another type."""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}

# The extensions a file of each type may carry (a name without an extension is fine).
EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
}


def sniff(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def validate_upload(upload) -> None:
    limit = settings.MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    content_type = sniff(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise ValidationError(
            _("“%(name)s” is not a PDF or an image (PNG, JPEG, GIF, WebP).") % {"name": upload.name}
        )
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension and extension not in EXTENSIONS[content_type]:
        # A PNG named .pdf (or a PDF named .png) would open in the wrong program for the officer.
        raise ValidationError(
            _("“%(name)s” is not the kind of file its name says. Send a PDF or an image (PNG, JPEG, GIF, "
              "WebP) under its usual extension.") % {"name": upload.name}
        )
    upload.content_type = content_type
