"""What a page showing a report needs (the public page and the owner's preview on the
desk): the report, its chart, its definitions and rule in the active language, the law."""

from requests_app.reports import chart, words
from requests_app.reports.figures import Report
from requests_app.reports.suppression import rule_text


def page_context(report: Report) -> dict:
    """For templates/reports/_report.html; call it in the language of the page."""
    organisation = report.organisation
    return {"report": report, "chart": chart.outcome_chart(report), "rule": rule_text(),
            "definitions": words.definitions(organisation, report.sections),
            "law_citation": words.law_citation(organisation)}


def chosen_year(asked: str, years: list[int]) -> int | None:
    """The year a page's `?year=` asks for, the newest by default; None for a year with no report."""
    year = int(asked) if asked.isdigit() and len(asked) == 4 else years[0]
    return year if year in years else None
