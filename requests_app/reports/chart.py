"""The report's chart: the requests received, by outcome, as horizontal bars (geometry
only; templates/public/transparency_chart.html draws it as server-rendered SVG, like the
desk dashboard's chart: no script, which the strict CSP would refuse anyway).

A withheld count gets no bar, only the word: a bar's length would give the count away.
"""

from dataclasses import dataclass

from requests_app.reports.figures import Report
from requests_app.reports.suppression import Cell

COLOURS = {"whole": "#2f8132", "part": "#5b8f29", "denied": "#b42318", "closed_unanswered": "#7b8794",
           "open": "#2563a8"}


@dataclass(frozen=True)
class Bar:
    code: str
    label: str
    cell: Cell
    y: float
    width: float
    label_y: float
    colour: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_width: int
    bar_height: int
    bars: list[Bar]


def outcome_chart(report: Report, *, width: int = 520) -> Chart:
    left, right, top, slot, bar_height = 160, 56, 8, 34, 22
    plot_width = width - left - right
    cells = list(zip(report.buckets, report.total.cells))
    largest = max([cell.value for _b, cell in cells if not cell.withheld] + [1])
    bars = []
    for i, ((code, label), cell) in enumerate(cells):
        y = top + i * slot
        length = 0.0 if cell.withheld or not cell.value else max(round(plot_width * cell.value / largest, 1), 2.0)
        bars.append(Bar(code=code, label=label, cell=cell, y=y, width=length, label_y=y + bar_height / 2,
                        colour=COLOURS[code]))
    return Chart(width=width, height=top * 2 + slot * len(cells), plot_left=left, plot_width=plot_width,
                 bar_height=bar_height, bars=bars)
