"""Whether an organisation publishes its yearly transparency report, and which parts.

The figures are requests_app.reports'; this is only the owner's choice (orgs never
imports requests_app). Nothing is published until an owner says so; each change of the
choice leaves a ReportPublicationChange (who, when, what it became).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models.organisations import Organisation


class ReportSection(models.TextChoices):
    """The parts of the report an owner may leave out; the counts of requests received,
    complied with and denied (CCPA regs §7102's floor) are always in a published report."""

    REFUSAL_GROUNDS = "refusal_grounds", _("Requests denied, by legal ground")
    RESPONSE_TIMES = "response_times", _("Days to respond and on-time rate")
    COMPENSATION = "compensation", _("Compensation claims and amounts paid")


class ReportPublication(models.Model):
    Section = ReportSection

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="report_publication"
    )
    published = models.BooleanField(_("published"), default=False)
    show_refusal_grounds = models.BooleanField(_("show the legal grounds of denials"), default=True)
    show_response_times = models.BooleanField(_("show days to respond and the on-time rate"), default=True)
    show_compensation = models.BooleanField(_("show compensation claims and amounts paid"), default=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("transparency report publication")
        verbose_name_plural = _("transparency report publications")

    def __str__(self):
        return f"{self.organisation} · {'published' if self.published else 'not published'}"

    @property
    def sections(self) -> frozenset[str]:
        """The optional sections shown (ReportSection values)."""
        chosen = {ReportSection.REFUSAL_GROUNDS: self.show_refusal_grounds,
                  ReportSection.RESPONSE_TIMES: self.show_response_times,
                  ReportSection.COMPENSATION: self.show_compensation}
        return frozenset(str(section) for section, shown in chosen.items() if shown)


class ReportPublicationChange(models.Model):
    """One change of an organisation's publication choice, as it stood after the change."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="report_publication_changes")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, editable=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("changed by"))
    published = models.BooleanField(_("published"))
    sections = models.JSONField(_("sections shown"), default=list)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("change of the transparency report publication")
        verbose_name_plural = _("changes of the transparency report publication")

    def __str__(self):
        return f"{self.organisation} · {self.changed_at:%Y-%m-%d %H:%M}"
