"""The working-day calendars: years the library does not know (or gets wrong), and their days."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orgs import calendars
from orgs.models import CalendarDay, CalendarYear


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3
    fields = ("day", "kind", "name")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """A year of working days the library does not know yet (or gets wrong): its holidays and
    make-up working days override the library; ticking "year complete" marks it covered."""

    list_display = ("jurisdiction", "year", "covered", "library_knows_year", "source", "updated_at")
    list_filter = ("jurisdiction", "covered")
    readonly_fields = ("updated_at",)
    inlines = [CalendarDayInline]

    @admin.display(boolean=True, description=_("library knows the year"))
    def library_knows_year(self, obj: CalendarYear) -> bool:
        library = calendars.library_for(obj.jurisdiction)
        return library is not None and library.covers(obj.year)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Every entered day at a glance; entered and changed on their year's page."""

    list_display = ("day", "kind", "name", "calendar_year")
    list_filter = ("calendar_year__jurisdiction", "kind")
    list_select_related = ("calendar_year",)
    date_hierarchy = "day"
