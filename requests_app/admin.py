"""Admin for rights requests and their history: a window onto the case, never a way round it.

Every status change goes through requests_app/workflow/__init__.py, which writes the audit
event; an admin form that saved a request would change it off the record. So requests
and everything hanging off them are read-only here, and the audit events can be
neither added, edited nor deleted.
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orgs.admin.shared import IdentifierSearchMixin, ViewOnlyMixin
from orgs.admin.times import zoned_times
from orgs.identifiers import IdentifierKind
from requests_app.cases import casefile, selectors
from requests_app.models import (
    Attachment,
    CompensationClaim,
    DataSubject,
    EventDelivery,
    FulfilmentTask,
    Notification,
    Message,
    Reminder,
    RequestEvent,
    RightsRequest,
    StatusLink,
    SubjectKey,
    VerificationChallenge,
)
from requests_app.money import format_money
from requests_app.transparency import audit


def short_hash(value: str) -> str:
    return f"{value[:12]}…" if value else "—"


def compact_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "), cls=DjangoJSONEncoder)


def event_in_words(event) -> str:
    """What happened, in the desk's own words (templates/officer/_event.html), not its code."""
    selectors._label_events([event])  # the assignee's name rather than their id
    return mark_safe(render_to_string("officer/_event.html", {"event": event}).strip())  # noqa: S308 - escaped


def actor_in_words(event) -> str:
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    return {"subject": _("the requester"), "system": _("the system")}.get(event.actor_kind, event.actor_kind)


class MoneyColumns:
    """A claim's amounts as money ("1,038.00 CNY"), never as minor units."""

    @admin.display(description=_("claimed"), ordering="claimed_minor")
    def claimed(self, claim):
        return format_money(claim.claimed_minor, claim.currency) or "—"

    @admin.display(description=_("assessed"), ordering="assessed_minor")
    def assessed(self, claim):
        return format_money(claim.assessed_minor, claim.currency) or "—"

    @admin.display(description=_("offered"), ordering="offered_minor")
    def offered(self, claim):
        return format_money(claim.offered_minor, claim.currency) or "—"

    @admin.display(description=_("paid"), ordering="paid_minor")
    def paid(self, claim):
        return format_money(claim.paid_minor, claim.currency) or "—"


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


@admin.register(RequestEvent)
@zoned_times("created_at", model=RequestEvent)
class RequestEventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    # The audit record itself: its words first, then the raw fields the hash covers.
    list_display = ("request", "seq", "what", "by", "from_status", "to_status", "created_at")
    list_filter = ("action", "actor_kind", "to_status", "visible_to_subject")
    search_fields = ("request__reference",)
    list_select_related = ("request__organisation", "actor")
    date_hierarchy = "created_at"
    actions = None
    fields = readonly_fields = (
        "request", "seq", "what", "by", "action", "actor", "actor_kind", "from_status", "to_status", "opened",
        "data", "visible_to_subject", "created_at", "prev_hash", "hash",
    )

    @admin.display(description=_("details, sealed texts opened"))
    def opened(self, event):
        # `data` below is the record as stored and hashed: sealed texts are envelopes there.
        return compact_json(event.opened)

    @admin.display(description=_("what happened"))
    def what(self, event):
        return event_in_words(event)

    @admin.display(description=_("by"))
    def by(self, event):
        return actor_in_words(event)


@admin.register(SubjectKey)
@zoned_times("created_at", "destroyed_at", model=SubjectKey)
class SubjectKeyAdmin(ViewOnlyMixin, admin.ModelAdmin):
    # Whether a person's data key exists or was destroyed by the purge; never the key itself.
    list_display = ("subject", "created_at", "destroyed_at")
    list_filter = (("destroyed_at", admin.EmptyFieldListFilter),)
    list_select_related = ("subject",)
    fields = readonly_fields = ("subject", "created_at", "destroyed_at")


@admin.register(DataSubject)
class DataSubjectAdmin(IdentifierSearchMixin, admin.ModelAdmin):
    list_display = ("__str__", "preferred_language", "created_at", "contact_purged_at")
    list_filter = ("preferred_language", ("contact_purged_at", admin.EmptyFieldListFilter))
    search_fields = ("requests__reference",)
    # Only email and phone hashes are indexed on subjects.
    identifier_kinds = (IdentifierKind.EMAIL, IdentifierKind.PHONE)
    date_hierarchy = "created_at"
    fields = (
        "masked_identifiers", "full_name", "email", "phone", "preferred_language", "created_at", "contact_purged_at"
    )
    # Email and phone are what the matching hashes were computed from: editing them here
    # would leave the hashes pointing at the old values.
    readonly_fields = ("masked_identifiers", "email", "phone", "created_at", "contact_purged_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- the rest of a case: read-only lists --------------------------------------------


@admin.register(CompensationClaim)
@zoned_times("created_at", "paid_at", model=CompensationClaim)
class CompensationClaimAdmin(MoneyColumns, ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("request", "status", "claimed", "assessed", "offered", "paid", "created_at")
    list_filter = ("status", "currency", "basis")
    search_fields = ("request__reference", "payment_reference")
    list_select_related = ("request__organisation",)
    date_hierarchy = "created_at"
    exclude = ("claimed_minor", "assessed_minor", "offered_minor", "paid_minor")
    readonly_fields = ("claimed", "assessed", "offered", "paid", "paid_at")


@admin.register(VerificationChallenge)
@zoned_times("created_at", "sent_at", "expires_at", "used_at", model=VerificationChallenge)
class VerificationChallengeAdmin(ViewOnlyMixin, admin.ModelAdmin):
    # Never code_hash: a hash of six digits is the code to anyone who tries a million.
    fields = readonly_fields = ("request", "channel", "created_at", "sent_at", "expires_at", "attempts", "used_at")
    list_display = ("request", "channel", "created_at", "sent_at", "expires_at", "attempts", "used_at")
    list_filter = ("channel", ("used_at", admin.EmptyFieldListFilter))
    search_fields = ("request__reference",)
    list_select_related = ("request__organisation",)
    date_hierarchy = "created_at"


@admin.register(Reminder)
@zoned_times("due_at", "created_at", "sent_at", model=Reminder)
class ReminderAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("request", "threshold", "due_at", "created_at", "sent_at")
    list_filter = ("threshold", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("request__reference",)
    list_select_related = ("request__organisation",)
    date_hierarchy = "due_at"


@admin.register(Message)
@zoned_times("created_at", model=Message)
class MessageAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("request", "direction", "author", "created_at")
    list_filter = ("direction",)
    search_fields = ("request__reference",)
    list_select_related = ("request__organisation", "author")
    date_hierarchy = "created_at"


@admin.register(Attachment)
@zoned_times("created_at", model=Attachment)
class AttachmentAdmin(ViewOnlyMixin, admin.ModelAdmin):
    fields = readonly_fields = (
        "request", "message", "purpose", "original_name", "content_type", "size", "sha256", "from_subject",
        "created_at",
    )
    list_display = ("original_name", "request", "purpose", "content_type", "size", "from_subject", "created_at")
    list_filter = ("purpose", "from_subject")
    search_fields = ("request__reference", "sha256")
    list_select_related = ("request__organisation",)
    date_hierarchy = "created_at"


@admin.register(FulfilmentTask)
@zoned_times("deadline_at", "completed_at", model=FulfilmentTask)
class FulfilmentTaskAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("request", "system", "connector", "status", "attempts", "deadline_at", "completed_at")
    list_filter = ("status", "connector", "system__organisation")
    search_fields = ("request__reference", "system__name")
    list_select_related = ("request__organisation", "system")
    date_hierarchy = "created_at"


@admin.register(Notification)
@zoned_times("created_at", "sent_at", model=Notification)
class NotificationAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("request", "kind", "user", "created_at", "attempts", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("request__reference",)
    list_select_related = ("request__organisation", "user")
    date_hierarchy = "created_at"


@admin.register(StatusLink)
class StatusLinkAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Only that a link exists and when it was used; the token itself is never stored."""

    list_display = ("submission", "created_at", "last_used_at")
    fields = readonly_fields = ("submission", "created_at", "last_used_at")
    date_hierarchy = "created_at"


@admin.register(EventDelivery)
class EventDeliveryAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """The outbox of event webhooks: what was sent where, and what is still owed."""

    list_display = ("event", "request", "subscription", "created_at", "attempts", "sent_at", "last_status")
    list_filter = ("event", "last_status")
    list_select_related = ("request", "subscription__organisation")
    search_fields = ("request__reference", "key")

# The transparency log's tables (requests_app/transparency/admin.py).
from requests_app.transparency import admin as transparency_admin  # noqa: E402,F401
