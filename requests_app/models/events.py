"""A request's history: RequestEvent, one entry of its append-only, hash-chained log
(requests_app/transparency/audit.py), and AppendOnlyQuerySet, which refuses bulk changes
(the transparency log's tables in log.py use it too)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from requests_app.models.requests import RightsRequest


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk update and delete are refused too; a database trigger backs this up."""

    def update(self, **kwargs):
        raise PermissionError("request events are append-only")

    def delete(self):
        raise PermissionError("request events are append-only")


class RequestEvent(models.Model):
    """One entry of a request's append-only, hash-chained history (requests_app/transparency/audit.py)."""

    # No index of its own: one_event_per_seq (request, seq) leads with it.
    request = models.ForeignKey(RightsRequest, on_delete=models.PROTECT, related_name="events", db_index=False)
    seq = models.PositiveIntegerField(editable=False)
    action = models.CharField(_("action"), max_length=40, editable=False)
    # Not indexed: nothing looks events up by actor, and a user is never deleted once they
    # acted (PROTECT); the one check that would, deleting a user in the admin, may scan.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, db_index=False
    )
    actor_kind = models.CharField(_("actor"), max_length=10, editable=False)
    from_status = models.CharField(_("from"), max_length=20, blank=True, editable=False)
    to_status = models.CharField(_("to"), max_length=20, blank=True, editable=False)
    data = models.JSONField(_("details"), default=dict, blank=True, editable=False)
    visible_to_subject = models.BooleanField(_("visible to the requester"), default=False, editable=False)
    created_at = models.DateTimeField(_("at"), editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["request", "seq"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        # The one index besides the key: a request's history in order (the timeline, the
        # chain check, the letters' latest event of an action, the sweeps' Exists on it).
        constraints = [models.UniqueConstraint(fields=["request", "seq"], name="one_event_per_seq")]

    def __str__(self):
        return f"{self.request_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("request events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("request events are append-only")

    @property
    def opened(self) -> dict:
        """`data` with its sealed texts opened, or marked removed once the person's key is
        gone (requests_app/models/sealed.py). What every reader shows; `data` is what is hashed."""
        from requests_app.models import sealed

        return sealed.opened(self)
