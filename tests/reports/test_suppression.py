"""The suppression rule: small counts withheld, and their complements, so no withheld count
can be worked out from a total; worked out by hand on small tables, then checked on the
report of tests/reports/conftest.py."""

import pytest

from requests_app.reports.figures import BUCKETS, transparency_report
from requests_app.reports.suppression import THRESHOLD, Share, withheld_keys
from tests.reports.conftest import NOW


def test_a_small_count_and_the_smallest_other_count_of_its_line_are_withheld():
    # 20 = 12 + 3 + 5: 3 is small; alone it would be 20 - 12 - 5, so 5 goes too (8 hidden: fine).
    values = {"total": 20, "a": 12, "b": 3, "c": 5}

    assert withheld_keys(values, [("total", ["a", "b", "c"])]) == {"b", "c"}


def test_withheld_counts_adding_up_to_fewer_than_the_threshold_take_one_more():
    # 14 = 10 + 1 + 1 + 2: the three small ones add up to 4, which the total would give away.
    values = {"total": 14, "a": 10, "b": 1, "c": 1, "d": 2}

    assert withheld_keys(values, [("total", ["a", "b", "c", "d"])]) == {"a", "b", "c", "d"}


def test_withheld_counts_that_could_only_be_ones_take_one_more():
    # Six withheld ones add up to 6 (>= 5) but six cells of at least 1 adding to 6 are all 1.
    values = {"total": 16, "big": 10, **{f"s{i}": 1 for i in range(6)}}

    hidden = withheld_keys(values, [("total", ["big", *[f"s{i}" for i in range(6)]])])

    assert hidden == {"big", *[f"s{i}" for i in range(6)]}


def test_complementary_suppression_runs_across_rows_and_columns():
    # x11 x12 | r1       2 10 | 12
    # x21 x22 | r2      10 10 | 20
    # c1  c2  | g       12 20 | 32
    # x11 is small. Row 1 takes x12; then column 1 exposes x11 (takes x21) and column 2
    # exposes x12 (takes x22). The margins all stay: each withheld count has a partner.
    values = {"x11": 2, "x12": 10, "x21": 10, "x22": 10, "r1": 12, "r2": 20, "c1": 12, "c2": 20, "g": 32}
    lines = [("r1", ["x11", "x12"]), ("r2", ["x21", "x22"]), ("c1", ["x11", "x21"]), ("c2", ["x12", "x22"]),
             ("g", ["r1", "r2"]), ("g", ["c1", "c2"])]

    assert withheld_keys(values, lines) == {"x11", "x12", "x21", "x22"}


def test_zero_and_counts_from_the_threshold_up_are_shown():
    values = {"total": 5, "a": 5, "b": 0}

    assert withheld_keys(values, [("total", ["a", "b"])]) == set()
    assert THRESHOLD == 5


@pytest.mark.parametrize(("on_time", "answered", "text", "percent"), [
    (95, 100, "95 %", 95),  # 5 late: shown
    (100, 100, "100 %", 100),
    (96, 100, "at least 96 %", None),  # 4 late: the bound (100 - 4) / 100
    (2, 100, "at most 4 %", None),  # 2 on time: the bound 4 / 100
    (3, 4, "withheld", None),  # over fewer than 5 answered
    (0, 0, "withheld", None),
])
def test_a_share_with_a_small_side_is_shown_only_as_a_bound(on_time, answered, text, percent):
    share = Share(on_time, answered)

    assert (share.text, share.percent) == (text, percent)


def _exposed_lines(report) -> list[str]:
    """Lines of the published table where a withheld count could be worked out."""
    rows = [*report.rows, report.total]
    lines = [(row.received, row.cells) for row in rows]
    lines += [(report.total.cells[i], [row.cells[i] for row in report.rows]) for i in range(len(BUCKETS))]
    lines.append((report.total.received, [row.received for row in report.rows]))
    if report.grounds is not None:
        denied = report.total.cells[[b for b, _l in BUCKETS].index("denied")]
        lines.append((denied, [g.count for g in report.grounds]))
    bad = []
    for total, parts in lines:
        hidden = [c for c in [total, *parts] if c.withheld]
        if len(hidden) == 1:
            bad.append(f"one withheld in {total.value}")
        elif hidden and not total.withheld:
            hidden_sum = sum(c.value for c in parts if c.withheld)
            if hidden_sum < THRESHOLD or hidden_sum <= len([c for c in parts if c.withheld]):
                bad.append(f"withheld parts add up to {hidden_sum} of {total.value}")
    return bad


@pytest.mark.django_db
def test_no_withheld_count_of_the_report_can_be_worked_out(year_2025, org_a):
    report = transparency_report(org_a, 2025, now=NOW)
    cells = [c for row in [*report.rows, report.total] for c in [row.received, *row.cells]]

    assert not _exposed_lines(report)
    assert all(c.withheld for c in cells if 0 < c.value < THRESHOLD)  # every small count
    assert not any(c.withheld for c in cells if c.value == 0)
    # The total of 13 requests received is shown; some counts of 5 and more are withheld
    # only to protect a small one.
    assert report.total.received.shown == 13
