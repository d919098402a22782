"""The rest of a case in the admin, each as its own read-only list across all requests.

Compensation claims (amounts shown as money), verification challenges, reminders and
when the deadline sweep next looks at each request, messages, attachments, fulfilment tasks, the officers' notifications, status links and
the event-webhook outbox: to search and filter, never to change, since each is written
only by the code that owns it (the workflow's steps, the delivery of mail and webhooks).
And each organisation's closed requests' version, which the closing steps bump (the key of
the desk's kept tallies, requests_app/desk/closed_tallies.py).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orgs.admin.shared import ViewOnlyMixin
from orgs.admin.times import zoned_times
from requests_app.models import (
    Attachment,
    ClosedRequestsVersion,
    CompensationClaim,
    EventDelivery,
    FulfilmentTask,
    Message,
    NextReminder,
    Notification,
    Reminder,
    StatusLink,
    VerificationChallenge,
)
from requests_app.money import format_money


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


@admin.register(NextReminder)
@zoned_times("at", model=NextReminder)
class NextReminderAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("request", "at")
    search_fields = ("request__reference",)
    list_select_related = ("request__organisation",)
    date_hierarchy = "at"


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


@admin.register(ClosedRequestsVersion)
class ClosedRequestsVersionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("organisation", "version")
    list_select_related = ("organisation",)
