"""Admin for organisations, their people, systems, activities and biometric records,
and for the erasure orders and certificates of the vault.

A biometric template never reaches the admin: the record's queryset defers the
ciphertext, no form, list, read-only field or search names it, and records cannot be
added here (templates arrive encrypted through the vault). Nor does a webhook secret:
it is shown once, when generated, and stored only encrypted.
"""

import hashlib
import json
import logging
import secrets

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize, number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orgs import calendars, tasks
from orgs.admin_times import zoned_field, zoned_times
from orgs.certificates import canonical_json
from orgs.forms import ErasureOrderForm
from orgs.identifiers import IdentifierKind, identifier_hash, normalise
from orgs.models import (
    BiometricRecord,
    CalendarDay,
    CalendarYear,
    DataSystem,
    ErasureCertificate,
    ErasureOrder,
    ApiToken,
    EventSubscription,
    MailWording,
    Membership,
    Organisation,
    ProcessingActivity,
    RetentionDuty,
)

logger = logging.getLogger(__name__)


def identifier_hashes_for(term: str, kinds=tuple(IdentifierKind)) -> dict[str, str]:
    """{kind: hash} for every identifier kind the search term is a valid value of."""
    hashes = {}
    for kind in kinds:
        try:
            hashes[kind.value] = identifier_hash(kind, normalise(kind, term))
        except ValidationError:
            continue
    return hashes


class IdentifierSearchMixin:
    """Find a person's rows by typing their email, phone or number.

    The term is normalised and hashed as intake does, then matched against the
    `*_hash` columns; those columns are never in search_fields, where a substring of a
    hash means nothing. Only indexed hash columns are listed, so a search stays cheap.
    """

    identifier_kinds = tuple(IdentifierKind)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        condition = Q()
        for kind, value in identifier_hashes_for(search_term.strip(), self.identifier_kinds).items():
            condition |= Q(**{f"{kind}_hash": value})
        if search_term.strip() and condition:
            results |= queryset.filter(condition)
        return results, may_have_duplicates


# A webhook URL typed without a scheme is meant as https (and Django 6 will assume it).
WEBHOOK_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)

    def get_queryset(self, request):
        # Each row's label is str(membership): user and organisation.
        return super().get_queryset(request).select_related("user", "organisation")


class DataSystemInline(admin.TabularInline):
    model = DataSystem
    extra = 0
    fields = ("name", "connector", "owner", "webhook_url", "holds_personal_data")
    raw_id_fields = ("owner",)
    show_change_link = True
    formfield_overrides = WEBHOOK_HTTPS


class ViewOnlyMixin:
    """View permission only: no add, no change, no delete (so no bulk delete action)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "slug", "kind", "city", "jurisdiction", "accepts_public_requests",
                    "created_at")
    list_filter = ("jurisdiction", "kind", "accepts_public_requests")
    search_fields = ("name", "name_zh", "slug", "city", "city_zh")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "created_at"
    readonly_fields = ("created_at",)
    inlines = (MembershipInline, DataSystemInline)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role", "organisation")
    search_fields = ("user__username", "user__email", "organisation__name")
    list_select_related = ("user", "organisation")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(DataSystem)
class DataSystemAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "connector", "owner", "holds_personal_data", "has_webhook_secret")
    list_filter = ("connector", "holds_personal_data", "organisation")
    search_fields = ("name", "organisation__name")
    list_select_related = ("organisation", "owner")
    raw_id_fields = ("owner",)
    readonly_fields = ("has_webhook_secret",)
    formfield_overrides = WEBHOOK_HTTPS
    actions = ("generate_webhook_secret",)

    def get_queryset(self, request):
        # Whether a secret is set is asked of the database; its ciphertext is never loaded.
        return (
            super().get_queryset(request)
            .defer("webhook_secret_ciphertext")
            .annotate(
                secret_set=ExpressionWrapper(Q(webhook_secret_ciphertext__isnull=False), output_field=BooleanField())
            )
        )

    @admin.display(description=_("webhook secret set"), boolean=True, ordering="secret_set")
    def has_webhook_secret(self, obj):
        return getattr(obj, "secret_set", obj.webhook_secret_ciphertext is not None) if obj.pk else False

    @admin.action(description=_("Generate a new webhook secret"), permissions=["change"])
    def generate_webhook_secret(self, request, queryset):
        """Set a fresh random secret on each selected webhook system and show it, this once.

        The page is rendered here rather than through a message after a redirect: a
        message is kept in a cookie or the session until shown, and the secret must not
        be kept anywhere in clear. Only its ciphertext is stored.
        """
        webhook = queryset.filter(connector=DataSystem.Connector.WEBHOOK).select_related("organisation")
        skipped = queryset.exclude(connector=DataSystem.Connector.WEBHOOK).count()
        if skipped:
            self.message_user(request, ngettext(
                "%(count)d selected system is not a webhook system and has no secret; it was left alone.",
                "%(count)d selected systems are not webhook systems and have no secret; they were left alone.",
                skipped,
            ) % {"count": skipped}, messages.WARNING)
        issued = []
        with transaction.atomic():
            for system in webhook.select_for_update(of=("self",)):
                secret = secrets.token_urlsafe(32)
                system.set_webhook_secret(secret)
                system.save(update_fields=["webhook_secret_ciphertext"])
                issued.append((system, secret))
        if not issued:
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("New webhook secrets"),
            "opts": self.opts,
            "issued": issued,
            "changelist_url": reverse("admin:orgs_datasystem_changelist"),
        }
        # The admin's views are never_cache: the page is not kept by the browser either.
        return TemplateResponse(request, "admin/orgs/datasystem/webhook_secrets.html", context)


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(admin.ModelAdmin):
    list_display = (
        "name", "organisation", "collection_point", "modality", "legal_basis", "consent_type",
        "retention_days", "statutory_retention",
    )
    list_filter = ("modality", "legal_basis", "consent_type", "statutory_retention", "organisation")
    search_fields = ("name", "collection_point", "organisation__name")
    list_select_related = ("organisation",)


@admin.register(BiometricRecord)
class BiometricRecordAdmin(ViewOnlyMixin, IdentifierSearchMixin, admin.ModelAdmin):
    # Explicit, so a field added to the model later does not appear here by default.
    FIELDS = (
        "organisation", "system", "activity", "modality", "masked_identifiers", "has_template",
        "collected_at", "retain_until", "state", "tombstoned_at", "tombstone_reason",
    )
    fields = readonly_fields = FIELDS
    list_display = (
        "__str__", "organisation", "system", "activity", "modality", "state", "has_template",
        "collected_at", "retain_until", "tombstoned_at",
    )
    list_filter = ("state", "modality", "organisation")
    search_fields = ("masked_identifiers", "organisation__name", "system__name")
    list_select_related = ("organisation", "system", "activity")
    date_hierarchy = "collected_at"

    def get_queryset(self, request):
        # The ciphertext is never even loaded; whether one exists is asked of the database.
        return (
            super().get_queryset(request)
            .defer("template_ciphertext")
            .annotate(
                stored_template=ExpressionWrapper(
                    Q(template_ciphertext__isnull=False), output_field=BooleanField()
                )
            )
        )

    @admin.display(description=_("template stored (encrypted)"), boolean=True, ordering="stored_template")
    def has_template(self, obj):
        return obj.stored_template

    # View only: templates come in through the vault, encrypted; deletion and restriction
    # go through fulfilment, which keeps the tombstone and the request's audit trail.


# --- erasure orders and their certificates -----------------------------------------------


def queue_order(order_id: int) -> None:
    """Queue the order's first chunk after commit; a broker that is down never fails the save.

    The order row is the truth: the re-queue sweep finds an unclaimed order and queues it.
    """

    def send():
        try:
            tasks.run_erasure_order.delay(order_id)
        except Exception:  # noqa: BLE001 - any broker failure; the sweep picks the order up
            logger.warning("could not queue erasure order %s; the re-queue sweep will pick it up", order_id,
                           exc_info=True)

    transaction.on_commit(send)


@admin.register(ErasureOrder)
class ErasureOrderAdmin(admin.ModelAdmin):
    """Bulk deletion of one activity's or collection point's records, as Nanjing ordered.

    Added here, run by workers in chunks; once added it can be watched, not changed or
    deleted (the records are gone, the order is their record).
    """

    form = ErasureOrderForm
    add_fields = ("organisation", "activity", "collection_point", "reason")
    READ_ONLY = (
        "kind", "organisation", "what", "reason", "ordered_by", "created_at_zoned", "status", "progress",
        "finished_at_zoned", "certificate_link",
    )
    list_display = ("number", "kind", "organisation", "what", "status", "progress", "certificate_link",
                    "created_at_zoned")
    created_at_zoned = zoned_field(ErasureOrder, "created_at")
    finished_at_zoned = zoned_field(ErasureOrder, "finished_at")
    list_filter = ("kind", "status", "organisation")
    list_select_related = ("organisation", "activity", "certificate")
    search_fields = ("organisation__name", "collection_point", "activity__name", "reason")
    date_hierarchy = "created_at"
    actions = None

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.READ_ONLY

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.READ_ONLY

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ordered_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.ordered_by = request.user
        super().save_model(request, obj, form, change)
        queue_order(obj.pk)

    def response_add(self, request, obj, post_url_continue=None):
        # To the order's own (read-only) page, where its progress shows.
        self.message_user(
            request,
            _("%(order)s was added. The records are deleted in the background; this page shows the progress.")
            % {"order": obj},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:orgs_erasureorder_change", args=[obj.pk]))

    @admin.display(description=_("order"), ordering="pk")
    def number(self, obj):
        return f"#{obj.pk}"

    @admin.display(description=_("what"))
    def what(self, obj):
        if obj.kind == ErasureOrder.Kind.RETENTION:
            # In the organisation's time zone, as every date it is shown.
            return _("records retained until before %(cut_off)s") % {
                "cut_off": localize(timezone.localtime(obj.retain_until_before, obj.organisation.time_zone))
            }
        parts = []
        if obj.activity_id:
            parts.append(_("activity “%(name)s”") % {"name": obj.activity.name})
        if obj.collection_point:
            parts.append(_("collection point “%(point)s”") % {"point": obj.collection_point})
        return ", ".join(str(part) for part in parts)

    @admin.display(description=_("progress"))
    def progress(self, obj):
        if not obj.total:
            # Nothing selected: no fraction to show, and "100 %" of nothing says nothing.
            return _("nothing to erase") if obj.status == ErasureOrder.Status.DONE else _("not started")
        percent = obj.processed * 100 // obj.total
        return _("%(processed)s / %(total)s (%(percent)s %%)") % {
            "processed": number_format(obj.processed, force_grouping=True),
            "total": number_format(obj.total, force_grouping=True),
            "percent": percent,
        }

    @admin.display(description=_("certificate"))
    def certificate_link(self, obj):
        if obj.certificate_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:orgs_erasurecertificate_change", args=[obj.certificate_id]), obj.certificate.number,
        )


@admin.register(ErasureCertificate)
@zoned_times("issued_at", model=ErasureCertificate)
class ErasureCertificateAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "organisation", "issued_at", "body_sha256")
    list_filter = ("organisation",)
    list_select_related = ("organisation",)
    search_fields = ("number", "body_sha256", "organisation__name")
    date_hierarchy = "issued_at"
    actions = None
    fields = readonly_fields = ("number", "organisation", "issued_at", "pretty_body", "sha256", "hash_check")


    @admin.display(description=_("content"))
    def pretty_body(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.body, indent=2, sort_keys=True, ensure_ascii=False))

    @admin.display(description=_("SHA-256 of the content"))
    def sha256(self, obj):
        return obj.body_sha256

    @admin.display(description=_("content matches its SHA-256"))
    def hash_check(self, obj):
        if hashlib.sha256(canonical_json(obj.body).encode()).hexdigest() == obj.body_sha256:
            return _("Holds")
        return _("BROKEN: the content no longer matches the SHA-256 printed on the certificate")


# --- outgoing event webhooks (requests_app/event_webhooks.py) ---------------------------


class EventSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), assume_scheme="https")
    events = forms.MultipleChoiceField(choices=EventSubscription.Event.choices, widget=forms.CheckboxSelectMultiple,
                                       label=_("events"))

    class Meta:
        model = EventSubscription
        fields = ("organisation", "url", "events", "active", "legacy_signature")


def _show_new_secrets(model_admin, request, issued, rotated=False):
    """The secrets page of the data systems, for subscriptions: shown once, never stored in clear."""
    from types import SimpleNamespace

    context = {
        **model_admin.admin_site.each_context(request),
        "rotation_note": _("The previous secret signs beside the new one for %(hours)s hours, then stops.") % {
            "hours": int(EventSubscription.ROTATION_OVERLAP.total_seconds() // 3600)} if rotated else "",
        "title": _("New signing secrets"),
        "opts": model_admin.opts,
        "issued": [(SimpleNamespace(name=sub.url, organisation=sub.organisation), secret) for sub, secret in issued],
        "changelist_url": reverse("admin:orgs_eventsubscription_changelist"),
    }
    return TemplateResponse(request, "admin/orgs/datasystem/webhook_secrets.html", context)


@admin.register(EventSubscription)
class EventSubscriptionAdmin(admin.ModelAdmin):
    """A subscription's signing secret is made when it is added and shown on the next page,
    once; the action makes a new one, and the old one signs beside it for a while (rotation)."""

    form = EventSubscriptionForm
    list_display = ("url", "organisation", "events", "active", "created_at")
    list_filter = ("active", "organisation")
    list_select_related = ("organisation",)
    formfield_overrides = WEBHOOK_HTTPS
    actions = ("generate_secret",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("secret_ciphertext")

    def save_model(self, request, obj, form, change):
        if not change:
            request._new_subscription_secret = EventSubscription.new_secret()
            obj.set_secret(request._new_subscription_secret)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "_new_subscription_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return _show_new_secrets(self, request, [(obj, secret)])

    @admin.action(description=_("Generate a new signing secret"), permissions=["change"])
    def generate_secret(self, request, queryset):
        issued = []
        with transaction.atomic():
            for subscription in queryset.select_related("organisation").select_for_update(of=("self",)):
                secret = EventSubscription.new_secret()
                subscription.set_secret(secret, rotate=True)
                subscription.save(update_fields=["secret_ciphertext", "previous_secret_ciphertext",
                                                 "previous_secret_until"])
                issued.append((subscription, secret))
        return _show_new_secrets(self, request, issued, rotated=True) if issued else None


@admin.register(ApiToken)
class ApiTokenAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Who holds which API token and whether it still works; never the token or its hash.
    Members create and revoke their own on their account page."""

    list_display = ("name", "user", "organisation", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("organisation", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "user__username", "prefix")
    list_select_related = ("user", "organisation")
    fields = readonly_fields = list_display


@admin.register(MailWording)
class MailWordingAdmin(admin.ModelAdmin):
    """Owners word these on the desk (/desk/mails/, with a preview); shown here for the record."""

    list_display = ("organisation", "kind", "language", "greeting", "updated_at", "updated_by")
    list_filter = ("kind", "language", "organisation")
    list_select_related = ("organisation", "updated_by")
    readonly_fields = ("updated_at", "updated_by")


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3
    fields = ("day", "kind", "name")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """A year of working days the library does not know yet (or gets wrong): its holidays and
    make-up working days override the library; ticking "year complete" marks it covered."""

    list_display = ("jurisdiction", "year", "covered", "library_knows_year", "source", "updated_at")
    list_filter = ("jurisdiction", "covered")
    readonly_fields = ("updated_at",)
    inlines = [CalendarDayInline]

    @admin.display(boolean=True, description=_("library knows the year"))
    def library_knows_year(self, obj: CalendarYear) -> bool:
        library = calendars.library_for(obj.jurisdiction)
        return library is not None and library.covers(obj.year)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Every entered day at a glance; entered and changed on their year's page."""

    list_display = ("day", "kind", "name", "calendar_year")
    list_filter = ("calendar_year__jurisdiction", "kind")
    list_select_related = ("calendar_year",)
    date_hierarchy = "day"


@admin.register(RetentionDuty)
class RetentionDutyAdmin(admin.ModelAdmin):
    """A duty the organisation names, with its legal basis, to keep the identifiers of the
    records it deletes; certificates then say so. Without one, tombstones keep none."""

    list_display = ("name", "organisation", "activity", "legal_basis", "recorded_at", "recorded_by")
    list_filter = ("organisation",)
    list_select_related = ("organisation", "activity", "recorded_by")
    fields = ("organisation", "activity", "name", "legal_basis", "recorded_at", "recorded_by")
    readonly_fields = ("recorded_at", "recorded_by")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


from orgs import admin_unlock  # noqa: E402,F401  (the users admin with its unlock action)
from orgs import admin_passkeys  # noqa: E402,F401  (passkeys, read-only, for administrators)
