"""Rights requests in the admin: one page per request with its whole case, read-only.

The page lists the request's fields, its audit chain's state and, as read-only inlines,
its timeline, messages, claims, fulfilment tasks, reminders and attachments. A
superuser may also download the case file (requests_app/cases/casefile.py) of one
request or of a selection, and anyone who sees the list may check the audit chains of
the selected requests.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orgs.admin.shared import ViewOnlyMixin
from orgs.admin.times import zoned_times
from requests_app.admin.case_records import MoneyColumns
from requests_app.admin.events import actor_in_words, event_in_words
from requests_app.cases import casefile, selectors
from requests_app.models import (
    Attachment,
    CompensationClaim,
    FulfilmentTask,
    Message,
    Reminder,
    RequestEvent,
    RightsRequest,
)
from requests_app.transparency import audit


def short_hash(value: str) -> str:
    return f"{value[:12]}…" if value else "—"


# --- inlines of a request: its case file, read-only --------------------------------


class ReadOnlyInline(ViewOnlyMixin, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    # Each row's label is str(obj), which names the request (and sometimes more): join them.
    related = ("request",)

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.related)


@zoned_times("created_at")
class RequestEventInline(ReadOnlyInline):
    model = RequestEvent
    verbose_name = _("timeline event")
    verbose_name_plural = _("timeline")
    # In words, as the desk shows them; the raw record stays on each event's own page.
    fields = ("seq", "created_at", "what", "actor_display", "transition", "hash_display")
    ordering = ("seq",)
    related = ("actor", "request__organisation")

    @admin.display(description=_("what happened"))
    def what(self, event):
        return event_in_words(event)

    @admin.display(description=_("by"))
    def actor_display(self, event):
        return actor_in_words(event)

    @admin.display(description=_("from → to"))
    def transition(self, event):
        # Labels, not codes; a code the model no longer knows is shown as it was written.
        labels = dict(RightsRequest.Status.choices)
        source, target = (labels.get(code, code) for code in (event.from_status, event.to_status))
        if not source or source == target:
            return target or "—"
        return f"{source} → {target}"

    @admin.display(description=_("hash"))
    def hash_display(self, event):
        return short_hash(event.hash)


@zoned_times("created_at")
class MessageInline(ReadOnlyInline):
    model = Message
    fields = ("created_at", "direction", "author", "body")
    related = ("request__organisation", "author")


@zoned_times("created_at")
class CompensationClaimInline(MoneyColumns, ReadOnlyInline):
    model = CompensationClaim
    fields = ("status", "claimed", "assessed", "offered", "paid", "created_at")
    related = ("request__organisation",)


@zoned_times("created_at", "completed_at")
class FulfilmentTaskInline(ReadOnlyInline):
    model = FulfilmentTask
    fields = ("system", "connector", "status", "attempts", "created_at", "completed_at", "outcome", "last_error")
    related = ("request__organisation", "system")

    @admin.display(description=_("outcome"))
    def outcome(self, task):
        """What became of the data, in words, as the case page says it (not the stored JSON)."""
        records = task.result.get("records", []) if isinstance(task.result, dict) else []
        words = [selectors.outcome_words(entry) for entry in records if isinstance(entry, dict)]
        note = task.result.get("note", "") if isinstance(task.result, dict) else ""
        return "; ".join(filter(None, words + [note])) or "—"


@zoned_times("due_at", "created_at", "sent_at")
class ReminderInline(ReadOnlyInline):
    model = Reminder
    fields = ("threshold", "due_at", "created_at", "sent_at")
    related = ("request__organisation",)


@zoned_times("created_at")
class AttachmentInline(ReadOnlyInline):
    model = Attachment
    # Not the file link: media is not served to the public, and the file is evidence.
    fields = ("created_at", "purpose", "original_name", "content_type", "size", "from_subject")
    related = ("request__organisation",)


# --- requests ----------------------------------------------------------------------


@admin.register(RightsRequest)
@zoned_times("received_at", "verified_at", "clock_started_at", "paused_at", "acknowledge_by", "target_at", "due_at",
             "expires_at", "appeal_closes_at", "closed_at", model=RightsRequest)
class RightsRequestAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("reference", "organisation", "kind", "status", "jurisdiction", "due_at", "assignee")
    list_filter = ("status", "kind", "jurisdiction", "organisation", "filed_by")
    search_fields = ("reference",)
    list_select_related = ("organisation", "assignee")
    date_hierarchy = "received_at"
    actions = ("verify_chains", "download_case_files")
    inlines = (
        RequestEventInline, MessageInline, CompensationClaimInline, FulfilmentTaskInline, ReminderInline,
        AttachmentInline,
    )
    fieldsets = (
        (None, {"fields": (
            "reference", "organisation", "subject", "kind", "status", "assignee", "chain_status", "case_file_links",
        )}),
        (_("Filed by"), {"fields": ("filed_by", "requester_name", "requester_email")}),
        (_("Request"), {"fields": ("jurisdiction", "data_description", "details")}),
        (_("Clock"), {"fields": (
            "received_at", "verified_at", "clock_started_at", "paused_at", "paused_total", "extensions",
            "extension_reason", "acknowledge_by", "target_at", "due_at", "expires_at", "appeal_closes_at",
            "closed_at",
        )}),
        (_("Refusal"), {"fields": ("refusal_reason", "refusal_legal_ground")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Every field shown, none editable (a view-only admin already refuses a POST).
        return [name for _title, options in self.fieldsets for name in options["fields"]]

    @admin.display(description=_("audit chain"))
    def chain_status(self, obj):
        broken = audit.verify_chain(obj)
        if broken is None:
            return _("Holds (%(count)d events checked)") % {"count": obj.event_count}
        return _("BROKEN: %(problem)s") % {"problem": broken}

    # --- the case file (requests_app/cases/casefile.py), any organisation's, for superusers ---

    CASE_FILE_LIMIT = 200  # per download of selected requests: a case file reads every event

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/casefile.html", view(self.case_file_view), {"extension": "html"},
                 name="requests_app_rightsrequest_casefile_html"),
            path("<path:object_id>/casefile.json", view(self.case_file_view), {"extension": "json"},
                 name="requests_app_rightsrequest_casefile_json"),
        ] + super().get_urls()

    def case_file_view(self, request, object_id, extension):
        if not request.user.is_superuser:
            raise PermissionDenied
        rr = casefile.casefile_queryset().filter(pk=object_id).first() if object_id.isdigit() else None
        if rr is None:
            raise Http404
        case = casefile.case_file(rr)
        if extension == "html":
            return HttpResponse(casefile.as_html(case, request=request))
        response = HttpResponse(casefile.as_json(case), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{casefile.filename(case, "json")}"'
        return response

    @admin.display(description=_("case file"))
    def case_file_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a> · <a href="{}">{}</a>',
            reverse("admin:requests_app_rightsrequest_casefile_html", args=[obj.pk]), _("printable page (HTML)"),
            reverse("admin:requests_app_rightsrequest_casefile_json", args=[obj.pk]), _("JSON"),
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("download_case_files", None)
        return actions

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # The links lead to superuser-only downloads: others do not see them.
        return [(title, {**options, "fields": tuple(f for f in options["fields"] if f != "case_file_links")})
                for title, options in fieldsets]

    @admin.action(description=_("Download the case files of the selected requests (JSON)"))
    def download_case_files(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied
        count = queryset.count()
        if count > self.CASE_FILE_LIMIT:
            self.message_user(
                request,
                _("Select at most %(limit)d requests for one download (%(count)d selected).")
                % {"limit": self.CASE_FILE_LIMIT, "count": count},
                messages.ERROR,
            )
            return None
        cases = [casefile.case_file(rr) for rr in casefile.casefile_queryset().filter(
            pk__in=queryset.values("pk")).order_by("pk")]
        body = casefile.as_json({"format": casefile.FORMAT + "+list", "case_files": cases})
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="casefiles.json"'
        return response

    @admin.action(description=_("Verify the audit chain of the selected requests"))
    def verify_chains(self, request, queryset):
        broken = [b for b in map(audit.verify_chain, queryset.iterator()) if b is not None]
        for chain_break in broken:
            self.message_user(request, str(chain_break), messages.ERROR)
        if not broken:
            count = queryset.count()
            self.message_user(
                request,
                ngettext("The audit chain of %(count)d request holds.",
                         "The audit chains of %(count)d requests hold.", count) % {"count": count},
                messages.SUCCESS,
            )
