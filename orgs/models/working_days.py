"""The working-day calendars an administrator enters where the library falls short: a
year of a jurisdiction and its holidays and make-up working days (read by orgs/calendars.py)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs import calendars
from orgs.models.organisations import Jurisdiction


class CalendarRow(models.Model):
    """A row of the working-day calendars: saving or deleting one tells every process
    to build its calendars again (orgs/calendars.py)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        calendars.invalidate()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        calendars.invalidate()
        return result


class CalendarYear(CalendarRow):
    """A year of a jurisdiction's working-day calendar that an administrator adds where the
    library does not know it yet (China's State Council notice comes out each autumn), or
    corrects. Its days override the library; `covered` says the year is complete, so a
    business-day deadline counted through it raises no warning (orgs/calendars.py)."""

    jurisdiction = models.CharField(_("jurisdiction"), max_length=8, choices=Jurisdiction.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    covered = models.BooleanField(
        _("year complete"), default=False,
        help_text=_("Tick once every holiday and make-up working day of the year is entered: "
                    "deadlines counted through it then carry no warning."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True,
                              help_text=_("Where the days come from, e.g. the State Council notice."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("working-day calendar year")
        verbose_name_plural = _("working-day calendar years")
        ordering = ["jurisdiction", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year"], name="one_calendar_year_per_jurisdiction"),
        ]

    def __str__(self):
        return f"{self.get_jurisdiction_display()} {self.year}"


class CalendarDay(CalendarRow):
    """One day of a CalendarYear that differs from Mon-Fri: a holiday, or a working day
    (a Saturday or Sunday worked in exchange, 调休). It overrides the library's day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (no work)")
        WORKING_DAY = "working_day", _("Working day (a make-up working day)")

    calendar_year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["calendar_year", "day"], name="one_entry_per_calendar_day"),
        ]

    def __str__(self):
        return f"{self.day} · {self.get_kind_display()}"

    def clean(self):
        try:
            year = self.calendar_year.year
        except CalendarYear.DoesNotExist:
            return
        if self.day and year and self.day.year != year:
            raise ValidationError({"day": _("This day is not in %(year)s.") % {"year": year}})
