"""The organisations' mail wordings, for the record (owners word them on the desk)."""

from django.contrib import admin

from orgs.models import MailWording


@admin.register(MailWording)
class MailWordingAdmin(admin.ModelAdmin):
    """Owners word these on the desk (/desk/mails/, with a preview); shown here for the record."""

    list_display = ("organisation", "kind", "language", "greeting", "updated_at", "updated_by")
    list_filter = ("kind", "language", "organisation")
    list_select_related = ("organisation", "updated_by")
    readonly_fields = ("updated_at", "updated_by")
