"""Who oversees what, written once: the grants in force for a regulator now, the
organisations they open, and the record of each page or file a regulator opens.

A grant opens an organisation from the first moment of its first day to the last moment
of its last day, both in the organisation's time zone (orgs/models/oversight.py), unless
revoked sooner; the regulator must be an active login of the grant's authority, and a
grant naming one regulator opens nothing to the others.
"""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from orgs.models import OversightAccess, OversightGrant, Organisation, Regulator


def regulator_of(user) -> Regulator | None:
    """The user's regulator row (with its authority), or None for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return Regulator.objects.select_related("authority").filter(user=user).first()


def is_regulator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and Regulator.objects.filter(user=user).exists()


def grants_in_force(user, now: datetime | None = None) -> QuerySet[OversightGrant]:
    """The grants that let `user` read an organisation at `now`: none for a non-regulator."""
    now = now or timezone.now()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return OversightGrant.objects.none()
    return (OversightGrant.objects
            .filter(authority__regulators__user=user, starts_at__lte=now, ends_at__gte=now)
            .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=now))
            .filter(Q(regulator__isnull=True) | Q(regulator__user=user)))


def organisations_overseen_by(user, now: datetime | None = None) -> QuerySet[Organisation]:
    """The organisations `user` may read at `now`."""
    return Organisation.objects.filter(pk__in=grants_in_force(user, now).values("organisation_id"))


def grant_for(user, slug: str, now: datetime | None = None) -> OversightGrant | None:
    """The grant in force that opens the organisation `slug` to `user` (the one ending last), or None."""
    return (grants_in_force(user, now).filter(organisation__slug=slug)
            .select_related("organisation", "authority").order_by("-ends_at", "-pk").first())


def record_access(grant: OversightGrant, user, kind: str, object_ref: str = "") -> OversightAccess:
    """Write down one page or file the regulator opened under `grant` (append-only)."""
    return OversightAccess.objects.create(organisation_id=grant.organisation_id, authority_id=grant.authority_id,
                                          user=user, grant=grant, kind=kind, object_ref=str(object_ref)[:100])


def revoke(grant: OversightGrant, *, by, now: datetime | None = None) -> bool:
    """End the grant now; False if it was already revoked."""
    return bool(OversightGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True)
                .update(revoked_at=now or timezone.now(), revoked_by=by))
