"""Regulators' read-only access (issue 14, item 2): the authorities, the people who sign in
for them, the grants an administrator makes over chosen organisations for a period, and
the record of every page or file a regulator opened.

A grant runs from the first moment of `starts_on` to the last of `ends_on`, both days as
the organisation counts them (its time zone); the instants are written beside the dates
when the grant is saved, so one query finds the grants in force anywhere. A revoked grant
stops at `revoked_at`. Outside a grant in force a regulator gets 404 (orgs/oversight.py).

`OversightAccess` is append-only: the database refuses UPDATE and DELETE of a row
(trigger, migration 0018_oversight), like the consent ledger.
"""

from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models.organisations import Jurisdiction, Organisation, _reads_chinese


class AuthorityKind(models.TextChoices):
    CAC = "cac", _("Cyberspace administration office")
    EU_DPA = "eu_dpa", _("EU supervisory authority")
    CPPA = "cppa", _("California Privacy Protection Agency")
    ANPD = "anpd", _("ANPD (Brazil)")
    OTHER = "other", _("Other authority")


class Authority(models.Model):
    name = models.CharField(_("name"), max_length=200, help_text=_("In English."))
    name_zh = models.CharField(_("name in Chinese"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AuthorityKind.choices)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=8, choices=Jurisdiction.choices)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AuthorityKind.values), name="authority_kind_valid"),
        ]

    def __str__(self):
        return self.local_name

    @property
    def local_name(self) -> str:
        return self.name_zh if self.name_zh and _reads_chinese() else self.name


class Regulator(models.Model):
    """A login that works for an authority: it reads what a grant opens to it, nothing else."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="regulator",
                                verbose_name=_("user"))
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="regulators",
                                  verbose_name=_("authority"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("regulator")
        verbose_name_plural = _("regulators")

    def __str__(self):
        return f"{self.user} · {self.authority}"


class OversightGrant(models.Model):
    """Read-only access of an authority (or of one of its regulators) to one organisation."""

    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="grants",
                                  verbose_name=_("authority"))
    regulator = models.ForeignKey(Regulator, on_delete=models.PROTECT, null=True, blank=True, related_name="grants",
                                  verbose_name=_("only this regulator"),
                                  help_text=_("Empty: every regulator of the authority."))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="oversight_grants",
                                     verbose_name=_("organisation"))
    starts_on = models.DateField(_("from"), help_text=_("The first day, in the organisation's time zone."))
    ends_on = models.DateField(_("until"), help_text=_("The last day (included), in the organisation's time zone."))
    starts_at = models.DateTimeField(editable=False)
    ends_at = models.DateTimeField(editable=False)
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False, verbose_name=_("granted by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False, verbose_name=_("revoked by"))

    class Meta:
        ordering = ["organisation", "-starts_on", "-pk"]
        verbose_name = _("oversight grant")
        verbose_name_plural = _("oversight grants")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="grant_ends_after_start"),
        ]
        indexes = [models.Index(fields=["authority", "ends_at"], name="grant_authority_ends_idx")]

    def __str__(self):
        return f"{self.authority} · {self.organisation} · {self.starts_on}–{self.ends_on}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last day cannot come before the first.")})
        if self.regulator_id and self.authority_id and self.regulator.authority_id != self.authority_id:
            raise ValidationError({"regulator": _("This regulator works for another authority.")})

    def save(self, *args, **kwargs):
        zone = self.organisation.time_zone
        self.starts_at = datetime.combine(self.starts_on, time.min, tzinfo=zone)
        self.ends_at = datetime.combine(self.ends_on, time.max, tzinfo=zone)
        super().save(*args, **kwargs)

    def in_force(self, now=None) -> bool:
        now = now or timezone.now()
        return self.starts_at <= now <= self.ends_at and (self.revoked_at is None or self.revoked_at > now)


class AccessKind(models.TextChoices):
    OVERVIEW = "overview", _("Overview and figures")
    QUEUE = "queue", _("List of requests")
    CASE = "case", _("Case page")
    CASEFILE = "casefile", _("Case file")
    DOCUMENT = "document", _("Case document")
    PROOF = "proof", _("Audit-log proof")
    REGISTER = "register", _("Register of scanners")
    CERTIFICATE = "certificate", _("Erasure certificate")
    FILINGS = "filings", _("Filings")
    FILING_PACK = "filing_pack", _("Filing pack")
    ORDERS = "orders", _("Orders and inquiries")
    ORDER = "order", _("Order or inquiry")
    EVIDENCE = "evidence", _("Evidence bundle")
    TRANSPARENCY = "transparency", _("Transparency report")


class OversightAccessQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("the oversight history is append-only")

    def delete(self):
        raise TypeError("the oversight history is append-only")

    delete.queryset_only = True


class OversightAccess(models.Model):
    """One page or file a regulator opened: what (a kind and the object's reference: a
    request reference, a certificate number, an order number; never a person's name or
    address), who, under which grant, when."""

    Kind = AccessKind

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="oversight_accesses",
                                     verbose_name=_("organisation"))
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+", verbose_name=_("authority"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("regulator"))
    grant = models.ForeignKey(OversightGrant, on_delete=models.PROTECT, related_name="accesses",
                              verbose_name=_("grant"))
    kind = models.CharField(_("what"), max_length=20, choices=AccessKind.choices)
    object_ref = models.CharField(_("reference"), max_length=100, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    objects = OversightAccessQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "-at", "-pk"]
        verbose_name = _("regulator's view")
        verbose_name_plural = _("regulators' views")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AccessKind.values), name="oversight_access_kind_valid"),
        ]
        indexes = [models.Index(fields=["organisation", "-at"], name="oversight_access_org_at_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.object_ref} · {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("the oversight history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the oversight history is append-only")
