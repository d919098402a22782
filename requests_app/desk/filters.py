"""The queue's filters (django-filter). `QueueFilter` is also the filter of the queue's
CSV export: one definition of "this filtered queue" for the page and the file.

Construct it with the request and the current membership:
    QueueFilter(request.GET, queryset=selectors.requests_visible_to(membership),
                request=request, membership=membership)
`.qs` is the filtered queryset (not yet ordered or paginated); with no status chosen it
holds the open requests only, the queue an officer works. `sort` is only checked here:
the order is applied by the keyset pages (desk/pagination.py), `chosen_sort()` says which.
"""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.core.validators import EMPTY_VALUES
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Jurisdiction
from requests_app.cases import deadlines, selectors
from requests_app.desk.pagination import DEFAULT_SORT, SORTS
from requests_app.models import RightsRequest

UNASSIGNED = "none"


class QueueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Reference, name, email or member number"), method="filter_search", max_length=254,
        help_text=_("Email and member or pass number must be typed whole: they are matched by their keyed hash."),
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=RightsRequest.Status.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every open request."), method="filter_status",
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=RightsRequest.Kind.choices, empty_label=_("Any kind"))
    assignee = django_filters.ChoiceFilter(label=_("Assigned to"), method="filter_assignee", empty_label=_("Anyone"))
    jurisdiction = django_filters.ChoiceFilter(
        label=_("Jurisdiction"), choices=Jurisdiction.choices, empty_label=_("Any jurisdiction")
    )
    due_within = django_filters.NumberFilter(
        label=_("Due within (days)"), method="filter_due_within", min_value=0, max_value=366,
        help_text=_("Open requests due from now to that many days ahead (overdue ones not included)."),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput,
    )
    mine = django_filters.BooleanFilter(label=_("Assigned to me"), method="filter_mine", widget=forms.CheckboxInput)
    no_calendar = django_filters.BooleanFilter(
        label=_("Deadline in a year without a working-day calendar"), method="filter_no_calendar",
        widget=forms.CheckboxInput,
    )
    received_from = django_filters.DateFilter(label=_("Received from"), method="filter_received_from",
                                              widget=forms.DateInput(attrs={"type": "date"}))
    received_to = django_filters.DateFilter(label=_("Received to (inclusive)"), method="filter_received_to",
                                            widget=forms.DateInput(attrs={"type": "date"}))
    # The order is the pagination's to apply (keyset pages, desk/pagination.py); here it is only checked.
    sort = django_filters.ChoiceFilter(label=_("Sort by"), choices=[(k, s.label) for k, s in SORTS.items()],
                                       method="filter_sort", empty_label=None)

    class Meta:
        model = RightsRequest
        fields = ["q", "status", "kind", "assignee", "jurisdiction", "due_within", "overdue", "mine",
                  "received_from", "received_to", "sort", "no_calendar"]

    def __init__(self, data=None, *args, membership=None, **kwargs):
        # Always bound: no query string at all is the default queue (open requests), too.
        super().__init__(data if data is not None else {}, *args, **kwargs)
        self.membership = membership
        self.now = timezone.now()
        people = selectors.assignable_members(membership) if membership is not None else []
        self.filters["assignee"].extra["choices"] = [(UNASSIGNED, _("Nobody yet"))] + [
            (str(user.pk), user.get_full_name() or user.get_username()) for user in people
        ]
        if membership is not None:  # the kinds this organisation's law has (no US opt-outs elsewhere)
            policy = deadlines.get_policy(membership.organisation.jurisdiction)
            kind = self.filters["kind"]
            kind.extra["choices"] = [
                (code, label) for code, label in RightsRequest.Kind.choices if deadlines.offers_kind(policy, code)
            ]
            kind.__dict__.pop("_field", None)  # a field built before (copied with the filter) had every kind

    def filter_queryset(self, queryset, *, skip=()):
        """Every filter but those in `skip`; no status chosen means the open ones."""
        for name, value in self.form.cleaned_data.items():
            if name not in skip:
                queryset = self.filters[name].filter(queryset, value)
        if "status" not in skip and not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=selectors.OPEN_STATUSES)
        return queryset

    def qs_for_counts(self):
        """The filtered queryset before the status filter: what the counts per status count."""
        self.form.is_valid()  # cleans the form; an invalid field is left out, as in `.qs`
        return self.filter_queryset(self.queryset.all(), skip={"status"})

    def fragment_key(self) -> tuple | None:
        """What the rendered filter form is made from, for desk/fragments.py: the query and
        the choices offered; None with a search text (not kept in memory)."""
        if str(self.data.get("q", "")).strip():
            return None
        lists = self.data.lists() if hasattr(self.data, "lists") else ((k, [v]) for k, v in self.data.items())
        return (
            tuple(sorted((name, tuple(values)) for name, values in lists if name != "cursor")),
            self.assignee_choices(),
            tuple(code for code, _label in self.filters["kind"].extra.get("choices") or RightsRequest.Kind.choices),
        )

    def assignee_choices(self) -> tuple:
        return tuple((value, str(label)) for value, label in self.filters["assignee"].extra["choices"])

    def narrowed(self) -> bool:
        """Whether a filter other than the status (or the sort) is set: without one, the
        counts per status are the whole organisation's (closed_tallies.status_counts)."""
        self.form.is_valid()
        return any(value not in EMPTY_VALUES and value is not False
                   for name, value in self.form.cleaned_data.items() if name not in ("status", "sort"))

    def chosen_statuses(self) -> set[str]:
        """The statuses `.qs` holds: those chosen, or the open ones when none is."""
        self.form.is_valid()
        return set(self.form.cleaned_data.get("status") or selectors.OPEN_STATUSES)

    def filter_status(self, queryset, name, value):
        # One IN (an index condition), not the default OR of equalities under DISTINCT. Every
        # status is no condition at all (request_status_valid): an IN of all ten would draw a
        # planner without statistics to the status index and a sort, not the due-date order.
        if not value or set(value) >= set(RightsRequest.Status.values):
            return queryset
        return queryset.filter(status__in=value)

    def filter_search(self, queryset, name, value):
        return selectors.search(queryset, value) if value.strip() else queryset

    def filter_assignee(self, queryset, name, value):
        if value == UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=value)

    def filter_due_within(self, queryset, name, value):
        return queryset.filter(
            status__in=selectors.OPEN_STATUSES, due_at__gte=self.now, due_at__lte=self.now + timedelta(days=int(value))
        )

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        # As the dashboard counts it: the clock is running (not paused for the requester).
        return queryset.filter(status__in=selectors.OPEN_STATUSES, due_at__lt=self.now, paused_at__isnull=True)

    def filter_no_calendar(self, queryset, name, value):
        return queryset.filter(calendar_uncovered_year__isnull=False) if value else queryset

    def _day_start(self, day):
        """Midnight of `day` where the organisation is: a date on the desk is the organisation's."""
        zone = self.membership.organisation.time_zone if self.membership is not None else timezone.get_current_timezone()
        return timezone.make_aware(datetime.combine(day, time.min), zone)

    # The calendar's first and last day bound nothing (no midnight after 9999-12-31, none in
    # UTC before 0001-01-01 east of Greenwich): no bound, rather than an OverflowError.
    def filter_received_from(self, queryset, name, value):
        if not value or value <= date.min + timedelta(days=1):
            return queryset
        return queryset.filter(received_at__gte=self._day_start(value))

    def filter_received_to(self, queryset, name, value):
        if not value or value >= date.max - timedelta(days=1):
            return queryset
        return queryset.filter(received_at__lt=self._day_start(value + timedelta(days=1)))

    def filter_sort(self, queryset, name, value):
        return queryset

    def chosen_sort(self) -> str:
        """The chosen sort (a key of pagination.SORTS); the default for none or a bad one."""
        self.form.is_valid()
        return self.form.cleaned_data.get("sort") or DEFAULT_SORT

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        user = getattr(self.request, "user", None)
        return queryset.filter(assignee_id=user.pk if user is not None else None)
