"""The device connector in the admin, to read: each device's credential (never its
token), the deletions queued for devices and the signed receipts that acknowledged them."""

from django.contrib import admin

from orgs.admin.shared import ViewOnlyMixin
from orgs.admin.times import zoned_times
from orgs.models import DeviceCredential, DeviceDeletion, DeviceReceipt


@admin.register(DeviceCredential)
@zoned_times("issued_at", "last_seen_at", model=DeviceCredential)
class DeviceCredentialAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("device", "issued_at", "last_seen_at")
    list_select_related = ("device",)
    list_filter = ("device__organisation",)
    fields = ("device", "verify_key", "issued_at", "issued_by", "last_seen_at")


@admin.register(DeviceDeletion)
@zoned_times("queued_at", model=DeviceDeletion)
class DeviceDeletionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "device", "record", "order", "request_task_id", "queued_at", "receipt")
    list_select_related = ("device", "receipt__device")
    list_filter = ("device__organisation",)
    fields = ("device", "record", "order", "request_task_id", "queued_at", "receipt")
    raw_id_fields = ("record", "order", "receipt")


@admin.register(DeviceReceipt)
@zoned_times("received_at", model=DeviceReceipt)
class DeviceReceiptAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("device", "received_at", "deletions", "body_sha256")
    list_select_related = ("device",)
    list_filter = ("device__organisation",)
    fields = ("device", "received_at", "deletions", "body", "body_sha256", "signature", "verify_key")
