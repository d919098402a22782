"""The consent ledger, view only: entries are written by the ledger's rules
(orgs/consent.py, through the API or a request's withdrawal), never here, and never
changed or deleted (the database refuses both). Masked identifiers only: no hash is shown."""

from django.contrib import admin

from orgs.admin.shared import ViewOnlyMixin
from orgs.admin.times import zoned_times
from orgs.models import ConsentEvent


@admin.register(ConsentEvent)
@zoned_times("at", "recorded_at", model=ConsentEvent)
class ConsentEventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    # Explicit, so a field added to the model later (or a hash) does not appear by default.
    FIELDS = ("organisation", "activity", "action", "masked_identifiers", "at", "channel", "wording_version",
              "wording", "separate", "under_14", "guardian_masked_name", "guardian_relation", "reference",
              "recorded_at", "recorded_by")
    fields = readonly_fields = FIELDS
    list_display = ("at", "organisation", "activity", "action", "masked_identifiers", "channel", "separate",
                    "under_14", "reference")
    list_filter = ("action", "channel", "under_14", "organisation")
    search_fields = ("masked_identifiers", "reference", "activity__name", "organisation__name")
    list_select_related = ("organisation", "activity")
    date_hierarchy = "at"
    actions = None
