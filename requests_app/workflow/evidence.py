"""Evidence bundles (requests_app/evidence/): the requester's consent to share their files
in them, and the record that a member exported one. Neither changes the status; each
writes its event on the request's chain.
"""

from django.utils.translation import gettext as _

from requests_app.actors import Actor
from requests_app.cases import sharing
from requests_app.errors import InvalidInput
from requests_app.models import RightsRequest
from requests_app.workflow.transitions import transition


def share_files(rights_request: RightsRequest, *, actor: Actor, attachment_ids) -> list[int]:
    """The requester chooses which of their uploads may be copied into evidence bundles for
    a court or a regulator; the choice replaces the one before (an empty one revokes it).

    One `share_files` event naming each file shared by id and SHA-256, shown to the
    requester. Bundles built after it follow it; one already handed over cannot be called
    back (the page says so). Not idempotent: every choice is recorded."""
    wanted = {int(pk) for pk in attachment_ids}
    with transition(rights_request, sharing.ACTION, actor) as step:
        files = list(sharing.shareable(step.request).filter(pk__in=wanted))
        if len(files) != len(wanted):
            raise InvalidInput({"files": _("Choose among the files you uploaded to this request.")})
        step.data = {"files": [f.pk for f in files], "sha256": [f.sha256 for f in files]}
    return step.data["files"]


def record_evidence_export(rights_request: RightsRequest, *, actor: Actor, manifest_sha256: str,
                           tree_size: int, files: int) -> None:
    """Record that `actor` exported an evidence bundle of the request, after it was built:
    the bundle holds every event before this one, and this event names the bundle by its
    manifest's SHA-256 (and the signed head it was proved against), so the chain says
    which bundle left, when and to whom. Owners, officers and auditors; not shown to the
    requester (like a look at their contact details)."""
    with transition(rights_request, "export_evidence", actor) as step:
        step.data = {"manifest_sha256": manifest_sha256, "tree_size": tree_size, "files_included": files}
        step.visible_to_subject = False
