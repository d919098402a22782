"""The filing obligations of the face-recognition Measures (art. 15) and their reminders in
the admin: a read-only history. They are opened and closed by orgs/filing.py's check and
marked filed on the desk (/desk/filing/), never edited here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orgs import filing
from orgs.admin.shared import ViewOnlyMixin
from orgs.admin.times import zoned_times
from orgs.models import FilingObligation, FilingReminder


class FilingReminderInline(ViewOnlyMixin, admin.TabularInline):
    model = FilingReminder
    fields = ("stage", "sent_at", "recipients", "subject")
    readonly_fields = fields
    extra = 0


@admin.register(FilingObligation)
@zoned_times("opened_at", "due_at", "filed_at", "closed_at", model=FilingObligation)
class FilingObligationAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("organisation", "kind", "trigger", "people_counted", "opened_at", "due_at", "status", "reference")
    list_select_related = ("organisation",)
    list_filter = ("status", "kind", "organisation")
    fields = ("organisation", "kind", "trigger", "why", "people_counted", "opened_at", "due_at", "status", "filed_at",
              "filed_by_name", "reference", "closed_at", "people_when_closed")
    readonly_fields = ("why",)
    inlines = [FilingReminderInline]
    actions = None

    @admin.display(description=_("why"))
    def why(self, obj):
        return "; ".join(filing.describe(obj))


@admin.register(FilingReminder)
@zoned_times("sent_at", model=FilingReminder)
class FilingReminderAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("obligation", "stage", "sent_at", "subject")
    list_select_related = ("obligation__organisation",)
    list_filter = ("stage", "obligation__organisation")
    fields = ("obligation", "stage", "sent_at", "recipients", "subject")
    actions = None
