"""Sending an attachment to whoever may see it (the caller has checked that)."""

from django.http import FileResponse, Http404

from requests_app.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404 from None  # the row outlived its file (restored backup, moved storage)
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)
