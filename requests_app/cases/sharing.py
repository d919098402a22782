"""Which of a request's files its requester agreed to have copied into evidence bundles.

The requester's choice is an event on the request's own chain (`share_files`,
requests_app/workflow/evidence.py): the newest one says which of their uploads may
travel in a bundle (requests_app/evidence/), by id and by SHA-256, so the consent is in
the public log beside the files' hashes. No event, or an empty list, means none: a
bundle then lists the files' hashes only. Only files the requester uploaded can be
shared this way; what the organisation made (exports, certificates) never is.
"""

from requests_app.models import Attachment, RightsRequest

ACTION = "share_files"


def shareable(rights_request: RightsRequest):
    """The files the requester may choose to share: their own uploads."""
    return rights_request.attachments.filter(from_subject=True).order_by("created_at", "pk")


def choice_event(rights_request: RightsRequest, *, up_to_seq: int | None = None):
    """The requester's newest choice (up to event `up_to_seq`), or None if never made."""
    events = rights_request.events.filter(action=ACTION)
    if up_to_seq is not None:
        events = events.filter(seq__lte=up_to_seq)
    return events.order_by("-seq").first()


def shared_ids(rights_request: RightsRequest, *, up_to_seq: int | None = None) -> set[int]:
    """The ids of the files the newest choice shares (a revoked choice shares none)."""
    event = choice_event(rights_request, up_to_seq=up_to_seq)
    return set(event.data.get("files", [])) if event is not None else set()


def shared(rights_request: RightsRequest) -> list[Attachment]:
    return list(shareable(rights_request).filter(pk__in=shared_ids(rights_request)))
