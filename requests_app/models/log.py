"""The log's tables. Leaves, nodes and heads are append-only (model, queryset and a
database trigger, TRUNCATE included); the pending queue and the tree's running state
are working rows the sequencer changes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from requests_app.models.events import AppendOnlyQuerySet, RequestEvent


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("the transparency log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the transparency log is append-only")


class PendingEntry(models.Model):
    """An event written but not yet in the tree; the sequencer takes these in id order.
    Written in the event's own transaction, so an event is either pending or logged."""

    event = models.OneToOneField(RequestEvent, on_delete=models.CASCADE, primary_key=True, related_name="+")


class LogLeaf(AppendOnly):
    """Leaf `index` (from 0) of the tree: the event and RFC 9162's leaf hash of its hash."""

    index = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(RequestEvent, on_delete=models.PROTECT, related_name="log_leaf")
    # No db_index: the unique constraint below is the one index, and binary needs no `_like` twin.
    leaf_hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        constraints = [models.UniqueConstraint(fields=["leaf_hash"], name="one_leaf_per_hash")]


class LogNode(AppendOnly):
    """The hash of a complete subtree: 2**level leaves from index * 2**level. Stored once
    complete (it never changes after), so a proof reads O(log n) of them."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="one_node_per_position")]


class TreeState(models.Model):
    """The one row the sequencer locks: how many leaves the tree has and its root."""

    size = models.BigIntegerField(default=0)
    root = models.BinaryField(max_length=32, default=b"")


class SignedTreeHead(AppendOnly):
    """A tree head as signed and published: the checkpoint's text, signature included."""

    size = models.BigIntegerField(primary_key=True)
    root = models.BinaryField(max_length=32)
    signed_at = models.DateTimeField()
    checkpoint = models.TextField()

    class Meta:
        ordering = ["size"]
        verbose_name = _("signed tree head")
        verbose_name_plural = _("signed tree heads")

    def __str__(self):
        return f"{self.size} {bytes(self.root).hex()[:16]}…"
