"""The log's tables in the admin: to look at, never to change (the database refuses too)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orgs.admin.shared import ViewOnlyMixin
from requests_app.models import LogLeaf, LogNode, PendingEntry, SignedTreeHead, TreeState


def _hex(field: str, label):
    @admin.display(description=label)
    def show(self, obj):
        return bytes(getattr(obj, field)).hex()

    return show


@admin.register(SignedTreeHead)
class SignedTreeHeadAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("size", "root_hex", "signed_at")
    fields = readonly_fields = ("size", "root_hex", "signed_at", "checkpoint")
    root_hex = _hex("root", _("root hash"))


@admin.register(LogLeaf)
class LogLeafAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("index", "event", "leaf_hex")
    list_select_related = ("event",)
    search_fields = ("event__request__reference",)
    fields = readonly_fields = ("index", "event", "leaf_hex")
    leaf_hex = _hex("leaf_hash", _("leaf hash"))


@admin.register(LogNode)
class LogNodeAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("level", "index", "hash_hex")
    fields = readonly_fields = ("level", "index", "hash_hex")
    hash_hex = _hex("hash", _("hash"))


@admin.register(PendingEntry)
class PendingEntryAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("event",)
    list_select_related = ("event",)
    fields = readonly_fields = ("event",)


@admin.register(TreeState)
class TreeStateAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("size", "root_hex")
    fields = readonly_fields = ("size", "root_hex")
    root_hex = _hex("root", _("root hash"))
