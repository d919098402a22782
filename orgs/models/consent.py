"""The consent ledger (PIPL arts. 14, 15, 29, 31; Measures for the Application of Facial
Recognition Technology art. 6): every consent a person gave to one processing activity,
and every withdrawal, one row each, in the order they happened.

A row is never changed or deleted: the database refuses both (trigger, migration
0013_consent_ledger), so the ledger is evidence of what the person agreed to and when
they took it back. The person's consent to an activity now is the latest row about them
(orgs/consent.py `current`). The person is known by the keyed hashes of their identifiers
and a masked form, as biometric records are (orgs/identifiers.py), never in the clear;
a child's guardian by a masked name and the relation.

The rules (a consent bundled with other terms is refused, a child's consent needs a
guardian's) are in orgs/consent.py; the database refuses what it can express.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models.organisations import Organisation
from orgs.models.processing import ProcessingActivity


class ConsentAction(models.TextChoices):
    GIVEN = "given", _("Consent given")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")


class ConsentChannel(models.TextChoices):
    KIOSK = "kiosk", _("Kiosk or terminal")
    APP = "app", _("App")
    WEB = "web", _("Website")
    PAPER = "paper", _("Paper form")
    STAFF = "staff", _("In person, with staff")
    REQUEST = "request", _("Rights request")


class ConsentEventQuerySet(models.QuerySet):
    def matching(self, identifier_hashes: dict[str, str]):
        """Events about a person: any of the given {kind: hash} equal."""
        condition = Q()
        for kind, value in identifier_hashes.items():
            if value:
                condition |= Q(**{f"{kind}_hash": value})
        return self.filter(condition) if condition else self.none()

    def latest_first(self):
        return self.order_by("-at", "-pk")

    def update(self, **kwargs):
        raise TypeError("the consent ledger is append-only")

    def delete(self):
        raise TypeError("the consent ledger is append-only")

    delete.queryset_only = True


class ConsentEvent(models.Model):
    Action = ConsentAction
    Channel = ConsentChannel

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="consent_events",
                                     verbose_name=_("organisation"))
    activity = models.ForeignKey(ProcessingActivity, on_delete=models.PROTECT, related_name="consent_events",
                                 verbose_name=_("processing activity"))
    action = models.CharField(_("event"), max_length=10, choices=ConsentAction.choices)
    # Who: keyed hashes for matching, a masked form to show; never the identifier itself.
    email_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    member_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    masked_identifiers = models.CharField(_("person (masked)"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    # How it was asked: the text the person was shown, and its version.
    wording = models.TextField(_("consent text shown"), blank=True)
    wording_version = models.CharField(_("version of the consent text"), max_length=100, blank=True)
    separate = models.BooleanField(
        _("given separately"), default=False,
        help_text=_("Asked for on its own, not as part of other terms (PIPL art. 29; Measures art. 6)."))
    under_14 = models.BooleanField(_("a child under 14"), default=False)
    guardian_masked_name = models.CharField(_("guardian (masked)"), max_length=100, blank=True)
    guardian_relation = models.CharField(_("guardian's relation to the child"), max_length=100, blank=True)
    # A withdrawal: the request it came with, if any.
    reference = models.CharField(_("request reference"), max_length=100, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    # Kept as written: the ledger outlives the account of whoever recorded the row.
    recorded_by = models.CharField(_("recorded by"), max_length=300, blank=True, editable=False)

    objects = ConsentEventQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "-at", "-pk"]
        verbose_name = _("consent ledger entry")
        verbose_name_plural = _("consent ledger")
        constraints = [
            models.CheckConstraint(condition=Q(action__in=ConsentAction.values), name="consent_action_valid"),
            models.CheckConstraint(condition=Q(channel__in=ConsentChannel.values), name="consent_channel_valid"),
            # A consent bundled with other terms is not recorded as consent.
            models.CheckConstraint(condition=~Q(action="given") | Q(separate=True), name="consent_given_separately"),
            # A child's consent is its guardian's.
            models.CheckConstraint(
                condition=~Q(action="given", under_14=True) | (~Q(guardian_masked_name="") & ~Q(guardian_relation="")),
                name="child_consent_has_guardian"),
            models.CheckConstraint(
                condition=~Q(email_hash="", phone_hash="", member_number_hash="", id_number_hash=""),
                name="consent_names_a_person"),
        ]
        indexes = [
            models.Index(fields=["email_hash"], name="consent_email_hash_idx"),
            models.Index(fields=["phone_hash"], name="consent_phone_hash_idx"),
            models.Index(fields=["member_number_hash"], name="consent_member_hash_idx"),
            models.Index(fields=["id_number_hash"], name="consent_id_hash_idx"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} · {self.activity.name} · {self.masked_identifiers}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("the consent ledger is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the consent ledger is append-only")

    def identifier_hashes(self) -> dict[str, str]:
        return {"email": self.email_hash, "phone": self.phone_hash, "member_number": self.member_number_hash,
                "id_number": self.id_number_hash}
