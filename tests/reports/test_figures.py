"""The 2025 report of organisation A against the figures worked out by hand in
tests/reports/conftest.py, and what each figure leaves out."""

from decimal import Decimal

import pytest
import time_machine

from orgs.models import ReportSection
from requests_app.reports.figures import NoSuchYear, transparency_report, years_of
from tests import factories
from tests.reports.conftest import NOW, Builder, at, existing_since

pytestmark = pytest.mark.django_db


def _row(report, code):
    return next(row for row in [*report.rows, report.total] if row.code == code)


def _values(row) -> dict:
    return {"received": row.received.value, **{b: c.value for (b, _l), c in zip(row_buckets(), row.cells)}}


def row_buckets():
    from requests_app.reports.figures import BUCKETS

    return BUCKETS


def test_counts_by_kind_and_outcome_are_the_hand_computed_ones(year_2025, org_a):
    report = transparency_report(org_a, 2025, now=NOW)

    # Deletions: whole 1, 2, 9; part 3; denied 6, 8; withdrawn 10 and expired 11; open 12, 13.
    assert _values(_row(report, "deletion")) == {
        "received": 10, "whole": 3, "part": 1, "denied": 2, "closed_unanswered": 2, "open": 2}
    # Storage only is what a restriction asks for: complied with in whole.
    assert _values(_row(report, "restriction")) == {
        "received": 1, "whole": 1, "part": 0, "denied": 0, "closed_unanswered": 0, "open": 0}
    assert _values(_row(report, "withdraw_consent"))["part"] == 1
    assert _values(_row(report, "access"))["denied"] == 1
    # 14 (31 December 2024, 23:30 in Shanghai), 16 (2026) and organisation B's are not counted.
    assert _values(_row(report, "all")) == {
        "received": 13, "whole": 4, "part": 2, "denied": 3, "closed_unanswered": 2, "open": 2}


def test_kinds_are_those_of_the_organisations_law(year_2025, org_a):
    codes = [row.code for row in transparency_report(org_a, 2025, now=NOW).rows]

    assert "deletion" in codes and "alternative" in codes  # PIPL and the Measures have both
    assert "opt_out_sale" not in codes  # a US opt-out: not in China


def test_denials_by_ground_map_either_language_and_keep_an_officers_words_out(year_2025, org_a):
    report = transparency_report(org_a, 2025, now=NOW)
    grounds = {g.code: g.count.value for g in report.grounds}

    assert grounds["cn_47_2"] == 2  # 6 in English, 8 in Chinese
    assert grounds["other"] == 1  # 7's own words
    assert sum(grounds.values()) == 3
    assert all("officer's own citation" not in g.label for g in report.grounds)


def test_days_to_respond_and_the_on_time_rate(year_2025, org_a):
    times = transparency_report(org_a, 2025, now=NOW).times

    # Answered: 1.5, 2, 3, 3, 4, 7, 10, 20, 49 days (n = 9): median 4.0, mean 99.5 / 9 = 11.06.
    assert (times.overall.median, times.overall.mean) == (Decimal("4.0"), Decimal("11.1"))
    # Deletions answered: 2, 4, 7, 10, 20, 49 (n = 6): median 8.5, mean 92 / 6 = 15.33.
    deletion = next(k for k in times.by_kind if k.code == "deletion")
    assert (deletion.stat.median, deletion.stat.mean) == (Decimal("8.5"), Decimal("15.3"))
    # One answered access request: its times would be one person's, withheld.
    access = next(k for k in times.by_kind if k.code == "access")
    assert (access.stat.median, access.stat.mean) == (None, None)
    # 8 of 9 on time; the one late is fewer than 5, so only the bound: (9 - 4) / 9 = 55.6 %.
    assert (times.on_time.numerator, times.on_time.denominator) == (8, 9)
    assert times.on_time.percent is None and times.on_time.text == "at least 55 %"


def test_compensation_counts_claims_of_the_year_and_withholds_a_single_payment(year_2025, org_a):
    (cny,) = transparency_report(org_a, 2025, now=NOW).compensation

    assert (cny.currency, cny.made.value, cny.paid.value) == ("CNY", 2, 1)
    assert cny.made.withheld and cny.paid.withheld
    assert cny.paid_minor is None  # one payment of RMB 1,038.00 would be that person's


def test_amounts_paid_are_shown_once_five_claims_are_paid(org_a, officer_a):
    org = existing_since(org_a, at(6, 1, year=2024))
    b = Builder(org, officer_a)
    for n in range(5):
        rr = b.in_review(at(3, 1 + n))
        with time_machine.travel(at(3, 10 + n), tick=False):
            factories.claim_in_state("paid", rr, officer_a)

    (cny,) = transparency_report(org, 2025, now=NOW).compensation

    assert (cny.made.shown, cny.paid.shown, cny.paid_minor) == (5, 5, 5 * 103800)
    assert cny.paid_display == "5,190.00 CNY"


def test_sections_left_out_are_not_built(year_2025, org_a):
    report = transparency_report(org_a, 2025, sections={ReportSection.RESPONSE_TIMES}, now=NOW)

    assert report.grounds is None and report.compensation is None and report.times is not None
    assert report.total.received.value == 13


def test_years_run_from_the_organisations_creation_to_this_year(year_2025, org_a):
    org_a.refresh_from_db()

    assert years_of(org_a, NOW) == [2026, 2025, 2024]
    for year in (2023, 2027):
        with pytest.raises(NoSuchYear):
            transparency_report(org_a, year, now=NOW)


def test_a_year_so_far_is_marked_incomplete(year_2025, org_a):
    assert transparency_report(org_a, 2025, now=NOW).complete
    assert not transparency_report(org_a, 2026, now=NOW).complete


def test_a_handful_of_queries_however_many_requests(org_a, officer_a, django_assert_num_queries):
    org = existing_since(org_a, at(6, 1, year=2024))
    b = Builder(org, officer_a)
    b.fulfilled(at(2, 1), at(2, 5))
    b.refused(at(2, 2), at(2, 6))

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            transparency_report(org, 2025, now=NOW)
        return len(captured)

    few = queries()
    for n in range(6):
        b.fulfilled(at(3, 1 + n), at(3, 9 + n))
        b.refused(at(4, 1 + n), at(4, 3 + n))
        b.submitted(at(5, 1 + n))
    # Counts, kept records, grounds, days by kind, days overall, claims: six.
    assert few == queries() == 6
