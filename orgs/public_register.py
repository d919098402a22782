"""Reads of the public register: what anyone may see of an organisation's collection points.

Only published points, and of each only what the Measures ask an organisation to tell
the people it scans (art. 5: who, where, for what, on which basis, for how long, with
which alternative; art. 8: whether templates stay on the device; art. 13: the sign).
Of the devices only their kind, how many, and where they keep templates: never a
serial or a location inside the premises. Nothing here reads a person's data.
"""

import uuid
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from orgs.models import CollectionPoint, Device, DeviceStatus, Organisation


@dataclass(frozen=True)
class DeviceGroup:
    """How many devices of one kind at a point keep templates in one place."""

    kind: str
    kind_label: str
    storage: str
    storage_label: str
    count: int


def published_points(organisation: Organisation) -> QuerySet[CollectionPoint]:
    """The organisation's points on the public register, with their activity, in name order."""
    return (CollectionPoint.objects.filter(organisation=organisation, published=True)
            .select_related("activity").order_by("name", "pk"))


def published_point(organisation: Organisation, public_id) -> CollectionPoint | None:
    """The organisation's published point of this public id; None for anything else (a
    malformed id, another organisation's point, an unpublished one), so a caller can
    neither fail on a bad id nor tell another organisation's point from no point."""
    try:
        public_id = uuid.UUID(str(public_id))
    except (TypeError, ValueError, AttributeError):
        return None
    return published_points(organisation).filter(public_id=public_id).first()


def device_groups(points) -> dict[int, list[DeviceGroup]]:
    """Per point pk: its devices in service (planned or live, not retired), counted by kind
    and by where they keep templates."""
    rows = (Device.objects.filter(collection_point__in=[p.pk for p in points])
            .exclude(status=DeviceStatus.RETIRED)
            .values("collection_point_id", "kind", "template_storage").annotate(count=Count("pk"))
            .order_by("collection_point_id", "kind", "template_storage"))
    kinds, storages = dict(Device.Kind.choices), dict(Device.Storage.choices)
    groups: dict[int, list[DeviceGroup]] = {p.pk: [] for p in points}
    for row in rows:
        groups[row["collection_point_id"]].append(DeviceGroup(
            kind=row["kind"], kind_label=str(kinds.get(row["kind"], row["kind"])), storage=row["template_storage"],
            storage_label=str(storages.get(row["template_storage"], row["template_storage"])), count=row["count"]))
    return groups


def templates_stay_on_device(groups: list[DeviceGroup]) -> bool | None:
    """True when every device in service keeps templates on itself, False when any sends
    them on, None when the point has no device in service."""
    if not groups:
        return None
    return all(g.storage == Device.Storage.ON_DEVICE for g in groups)
