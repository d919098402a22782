"""Connectors: how one data system carries out its part of a request.

- `vault`: the built-in biometric vault, run by a worker in one database transaction;
- `webhook`: a signed POST to an external system, completed by its signed callback;
- `manual`: the system's owner does it by hand and confirms it in the web UI.

This package's root holds only what every connector shares and the workflow needs too
(the per-record outcomes, the transient error); it imports none of its modules, so
`requests_app.workflow` may import it without a cycle.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordOutcome(models.TextChoices):
    """What became of one record (or, for a manual system, of the person's data there)."""

    DELETED = "deleted", _("Deleted")
    # Which law requires the keeping is said per request (orgs/law.py storage_only), not here.
    STORAGE_ONLY = "storage_only", _("Storage only (a legal duty to keep it)")
    NOT_FOUND = "not_found", _("Not found")
    EXPORTED = "exported", _("Exported")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    COPY_PROVIDED = "copy_provided", _("Copy provided")
    MACHINE_READABLE = "machine_readable", _("Machine-readable file provided")
    CORRECTED = "corrected", _("Corrected")
    RESTRICTED = "restricted", _("Processing restricted")
    EXPLAINED = "explained", _("Explanation given")
    # The US opt-outs: recorded per system; the data stay, their sale, sharing or use stops.
    OPTED_OUT = "opted_out", _("Opt-out recorded")
    USE_LIMITED = "use_limited", _("Use limited to what the law allows")
    # A withdrawal of consent leaves a record held on another basis; its reason names the basis.
    KEPT = "kept", _("Kept: held on another basis")


# Outcomes that change a record held in the vault; each writes one event.
ERASING_OUTCOMES = (RecordOutcome.DELETED, RecordOutcome.STORAGE_ONLY, RecordOutcome.RESTRICTED)

# What a person may record for each kind of request, in one system (by hand).
_OUTCOMES_FOR_KIND = {
    "access": (RecordOutcome.COPY_PROVIDED, RecordOutcome.NOT_FOUND),
    "copy": (RecordOutcome.COPY_PROVIDED, RecordOutcome.NOT_FOUND),
    "portability": (RecordOutcome.MACHINE_READABLE, RecordOutcome.NOT_FOUND),
    "correction": (RecordOutcome.CORRECTED, RecordOutcome.NOT_FOUND),
    "deletion": (RecordOutcome.DELETED, RecordOutcome.STORAGE_ONLY, RecordOutcome.NOT_FOUND),
    "withdraw_consent": (RecordOutcome.DELETED, RecordOutcome.STORAGE_ONLY, RecordOutcome.KEPT,
                         RecordOutcome.NOT_FOUND),
    "restriction": (RecordOutcome.RESTRICTED, RecordOutcome.NOT_FOUND),
    "explanation": (RecordOutcome.EXPLAINED,),
    # "Not applicable": the system does not sell, share, target or profile with the data.
    "opt_out_sale": (RecordOutcome.OPTED_OUT, RecordOutcome.NOT_APPLICABLE, RecordOutcome.NOT_FOUND),
    "opt_out_targeted": (RecordOutcome.OPTED_OUT, RecordOutcome.NOT_APPLICABLE, RecordOutcome.NOT_FOUND),
    "opt_out_profiling": (RecordOutcome.OPTED_OUT, RecordOutcome.NOT_APPLICABLE, RecordOutcome.NOT_FOUND),
    "limit_sensitive": (RecordOutcome.USE_LIMITED, RecordOutcome.NOT_APPLICABLE, RecordOutcome.NOT_FOUND),
}
# What an opt-out kind records for each of the person's records in a system.
OPT_OUT_OUTCOME = {"opt_out_sale": RecordOutcome.OPTED_OUT, "opt_out_targeted": RecordOutcome.OPTED_OUT,
                   "opt_out_profiling": RecordOutcome.OPTED_OUT, "limit_sensitive": RecordOutcome.USE_LIMITED}
# Outcomes that come with the file the requester receives.
NEEDS_FILE = (RecordOutcome.COPY_PROVIDED, RecordOutcome.MACHINE_READABLE)
# Outcomes that need words: what changed, the law that requires keeping, the explanation.
NEEDS_DETAIL = {
    RecordOutcome.CORRECTED: _("Say what was corrected (before and after)."),
    RecordOutcome.STORAGE_ONLY: _("Name the law or rule that requires keeping the data, and until when."),
    RecordOutcome.EXPLAINED: _("Write the explanation given to the requester."),
    RecordOutcome.KEPT: _("Name the basis other than consent the data are held on."),
}


def outcomes_for(kind: str) -> tuple[str, ...]:
    """The outcomes that fit a request of this kind (RightsRequest.Kind value)."""
    return _OUTCOMES_FOR_KIND.get(kind, ())

