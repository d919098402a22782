"""Whether each organisation publishes its transparency report, and the history of that
choice, in the admin: read only. The owner chooses on the desk (/desk/transparency/),
where each change is recorded with who made it (orgs/report_publication.py)."""

from django.contrib import admin

from orgs.admin.shared import ViewOnlyMixin
from orgs.admin.times import zoned_times
from orgs.models import ReportPublication, ReportPublicationChange


@admin.register(ReportPublication)
@zoned_times("updated_at", model=ReportPublication)
class ReportPublicationAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("organisation", "published", "show_refusal_grounds", "show_response_times", "show_compensation",
                    "updated_at", "updated_by")
    list_select_related = ("organisation", "updated_by")
    list_filter = ("published",)
    actions = None


@admin.register(ReportPublicationChange)
@zoned_times("changed_at", model=ReportPublicationChange)
class ReportPublicationChangeAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("organisation", "changed_at", "changed_by", "published", "sections")
    list_select_related = ("organisation", "changed_by")
    list_filter = ("organisation",)
    fields = ("organisation", "changed_at", "changed_by", "published", "sections")
    actions = None
