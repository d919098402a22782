"""Erasure orders (bulk deletion, run by workers in chunks: orgs/erasure.py) and the
certificates of the vault, both only watched here once made."""

import hashlib
import json
import logging

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize, number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orgs import tasks
from orgs.admin.forms import ErasureOrderForm
from orgs.admin.shared import ViewOnlyMixin
from orgs.admin.times import zoned_field, zoned_times
from orgs.certificates import canonical_json
from orgs.models import ErasureCertificate, ErasureOrder

logger = logging.getLogger(__name__)


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
