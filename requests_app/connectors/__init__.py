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


# Outcomes that change a record held in the vault; each writes one event.
ERASING_OUTCOMES = (RecordOutcome.DELETED, RecordOutcome.STORAGE_ONLY)


class Unavailable(Exception):
    """The system cannot be reached now (down, slow, 5xx); the task is retried later."""
