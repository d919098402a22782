"""Working-day calendars per jurisdiction: a maintained library, corrected and extended
by the administrator's rows (CalendarYear and CalendarDay in the admin).

requests_app/cases/deadlines.py counts business days on whatever calendar it is given and
never reads the database; this module is the one place a calendar is built. Each
process keeps the calendars it built and rebuilds them when their shared generation
(orgs/generations.py) changes: saving or deleting a row bumps it once committed, so every
web and worker process sees the new year within a second.

- CN: public holidays and the weekend days worked in exchange (调休), State Council
  notice per year, from `chinese_calendar` (it knows the years it lists, no others).
- US-CA: California state holidays from `holidays` (US, subdivision CA); US-VA and BR
  likewise from `holidays`. EU has no single calendar: only rows the administrator adds.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import chinese_calendar
import holidays

from orgs.generations import ProcessCache

logger = logging.getLogger(__name__)
# Which `holidays` country (and subdivision) each jurisdiction's business days follow.
HOLIDAYS_LIBRARY: dict[str, tuple[str, str | None]] = {
    "US-CA": ("US", "CA"),
    "US-VA": ("US", "VA"),
    "BR": ("BR", None),
}


class ChinaLibrary:
    """chinese_calendar: holidays and make-up working days for the years it has notices of."""

    @cached_property
    def years(self) -> range:
        known = chinese_calendar.holidays.keys()
        return range(min(known).year, max(known).year + 1)

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: date) -> bool:
        return chinese_calendar.is_workday(day)


class HolidaysLibrary:
    """A `holidays` country or subdivision: Mon-Fri minus its public holidays (observed days too)."""

    def __init__(self, country: str, subdiv: str | None):
        self.country, self.subdiv = country, subdiv
        self._lock = threading.Lock()
        self._by_year: dict[int, frozenset[date]] = {}

    @cached_property
    def years(self) -> range:
        known = holidays.country_holidays(self.country, subdiv=self.subdiv, years=[])
        return range(known.start_year, known.end_year + 1)

    def covers(self, year: int) -> bool:
        return year in self.years

    def _holidays(self, year: int) -> frozenset[date]:
        with self._lock:
            if year not in self._by_year:
                days = holidays.country_holidays(self.country, subdiv=self.subdiv, years=year)
                self._by_year[year] = frozenset(days)
            return self._by_year[year]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays(day.year)


def library_for(jurisdiction: str) -> ChinaLibrary | HolidaysLibrary | None:
    if jurisdiction == "CN":
        return ChinaLibrary()
    if jurisdiction in HOLIDAYS_LIBRARY:
        return HolidaysLibrary(*HOLIDAYS_LIBRARY[jurisdiction])
    return None


@dataclass(frozen=True)
class Calendar:
    """A jurisdiction's working days: the administrator's days first, then the library,
    then Mon-Fri. A year is covered if the library knows it or a row marks it complete;
    a day in an uncovered year is still counted (Mon-Fri), and the caller warns."""

    jurisdiction: str
    library: ChinaLibrary | HolidaysLibrary | None
    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    covered_years: frozenset[int] = frozenset()

    def covers(self, year: int) -> bool:
        return year in self.covered_years or (self.library is not None and self.library.covers(year))

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.holidays:
            return False
        if self.library is not None and self.library.covers(day.year):
            return self.library.is_working_day(day)
        return day.weekday() < 5


def build(jurisdiction: str) -> Calendar:
    """Read the administrator's rows for `jurisdiction` (two small queries) over its library."""
    from orgs.models import CalendarDay, CalendarYear

    covered = CalendarYear.objects.filter(jurisdiction=jurisdiction, covered=True).values_list("year", flat=True)
    days = CalendarDay.objects.filter(calendar_year__jurisdiction=jurisdiction).values_list("day", "kind")
    rows = list(days)
    return Calendar(
        jurisdiction=jurisdiction,
        library=library_for(jurisdiction),
        holidays=frozenset(day for day, kind in rows if kind == CalendarDay.Kind.HOLIDAY),
        working_days=frozenset(day for day, kind in rows if kind == CalendarDay.Kind.WORKING_DAY),
        covered_years=frozenset(covered),
    )


_calendars = ProcessCache("calendars")


def calendar_for(jurisdiction: str) -> Calendar:
    """The working-day calendar of `jurisdiction`, built once per process and generation."""
    return _calendars.get(jurisdiction, lambda: build(jurisdiction))


def forget() -> None:
    """Drop this process's calendars (they are rebuilt on next use)."""
    _calendars.forget()


def invalidate() -> None:
    """Forget every built calendar: here at once, and (through the cache) in every process
    once the change is committed."""
    _calendars.invalidate()
