"""Organisations and the people who work in them (memberships with a role)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField


class Jurisdiction(models.TextChoices):
    """Codes of the deadline policies in requests_app/cases/deadlines.py (a test keeps them equal)."""

    CN = "CN", _("China (PIPL)")
    EU = "EU", _("European Union (GDPR)")
    US_CA = "US-CA", _("California (CCPA/CPRA)")
    BR = "BR", _("Brazil (LGPD)")
    US_VA = "US-VA", _("Virginia (VCDPA)")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PARK = "park", _("Park or venue")
        PROPERTY_SALES = "property_sales", _("Property sales office")
        HOUSING_ESTATE = "housing_estate", _("Housing estate")
        RETAIL = "retail", _("Shop or mall")
        EMPLOYER = "employer", _("Employer")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, help_text=_("In English: the primary name."))
    name_zh = models.CharField(_("name in Chinese"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    city = models.CharField(_("city"), max_length=100, blank=True, help_text=_("In English."))
    city_zh = models.CharField(_("city in Chinese"), max_length=100, blank=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=8, choices=Jurisdiction.choices)
    time_zone = TimeZoneField(_("time zone"), default="Asia/Shanghai")
    contact_email = models.EmailField(_("privacy contact email"))
    contact_phone = models.CharField(_("privacy contact phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    accepts_public_requests = models.BooleanField(_("accepts public requests"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(jurisdiction__in=Jurisdiction.values), name="organisation_jurisdiction_valid"
            ),
        ]

    def __str__(self):
        return self.local_name

    # Names in the reader's language (the active one: the visitor's on a page, the
    # recipient's in a mail); the English name where no Chinese one is given.
    @property
    def local_name(self) -> str:
        return self.name_zh if self.name_zh and _reads_chinese() else self.name

    @property
    def local_city(self) -> str:
        return self.city_zh if self.city_zh and _reads_chinese() else self.city


def _reads_chinese() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").lower().startswith("zh")


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    OFFICER = "officer", _("Privacy officer")
    SYSTEM_OWNER = "system_owner", _("Data-system owner")
    AUDITOR = "auditor", _("Auditor")


class Membership(models.Model):
    Role = MembershipRole

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_user_and_org"),
            models.CheckConstraint(condition=Q(role__in=MembershipRole.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"
