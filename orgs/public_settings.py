"""An organisation as the public pages find it by its slug, and its webhook subscriptions:
read on every intake, changed by an administrator now and then, so kept per process
(orgs/generations.py) and dropped everywhere within a second of a change.

Only organisations that exist are kept: a slug nobody has is looked up each time, so
guessing slugs fills no memory.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from orgs.generations import ProcessCache
from orgs.models import EventSubscription, Organisation

_kept = ProcessCache("organisations")


def public_organisation(slug: str) -> Organisation | None:
    """The organisation taking public requests under `slug`, or None. Treat it as read only."""
    found = _kept.get(("slug", slug), lambda: Organisation.objects.filter(
        slug=slug, accepts_public_requests=True).first())
    if found is None:
        _kept.discard(("slug", slug))
    return found


def active_subscriptions(organisation_id: int) -> list[EventSubscription]:
    """The organisation's active webhook subscriptions, oldest first."""
    return _kept.get(("subscriptions", organisation_id), lambda: list(
        EventSubscription.objects.filter(organisation_id=organisation_id, active=True).order_by("pk")))


def forget() -> None:
    _kept.forget()


@receiver(post_save, sender=Organisation, dispatch_uid="orgs.public_settings.organisation_saved")
@receiver(post_delete, sender=Organisation, dispatch_uid="orgs.public_settings.organisation_deleted")
@receiver(post_save, sender=EventSubscription, dispatch_uid="orgs.public_settings.subscription_saved")
@receiver(post_delete, sender=EventSubscription, dispatch_uid="orgs.public_settings.subscription_deleted")
def _changed(**_kwargs) -> None:
    _kept.invalidate()
