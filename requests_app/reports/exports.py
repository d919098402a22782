"""The report's downloads: JSON and CSV with the page's (suppressed) figures, its
definitions and its suppression rule, in the reader's language. A withheld figure is
null in the JSON and "withheld" in the CSV; never its value."""

import csv
import io
import json

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from requests_app.cases.spreadsheets import safe_cell
from requests_app.money import format_money
from requests_app.reports import words
from requests_app.reports.figures import Report, Row, Stat
from requests_app.reports.suppression import THRESHOLD, rule_text


def filename(report: Report, ext: str) -> str:
    return f"transparency-{report.organisation.slug}-{report.year}.{ext}"


def _row(report: Report, row: Row) -> dict:
    return {"kind": row.code, "label": row.label, "received": row.received.shown,
            "outcomes": {code: cell.shown for (code, _l), cell in zip(report.buckets, row.cells)}}


def _stat(stat: Stat) -> dict:
    return {"median_days": _decimal(stat.median), "mean_days": _decimal(stat.mean)}


def _decimal(value):
    return None if value is None else float(value)


def as_dict(report: Report) -> dict:
    org = report.organisation
    data = {
        "organisation": {"name": org.local_name, "slug": org.slug, "jurisdiction": org.jurisdiction},
        "year": report.year,
        "as_of": report.as_of.isoformat(),
        "complete_year": report.complete,
        "language": translation.get_language(),
        "law": words.law_citation(org),
        "definitions": [{"term": term, "definition": text} for term, text in words.definitions(org, report.sections)],
        "suppression": {"threshold": THRESHOLD, "rule": rule_text(), "withheld_is": None},
        "outcomes": [{"code": code, "label": label} for code, label in report.buckets],
        "requests": [_row(report, row) for row in report.rows],
        "all_requests": _row(report, report.total),
    }
    if report.grounds is not None:
        data["denied_by_ground"] = [{"ground": g.code, "label": g.label, "denied": g.count.shown}
                                    for g in report.grounds]
    if report.times is not None:
        data["days_to_respond"] = {
            "all": _stat(report.times.overall),
            "by_kind": [{"kind": k.code, "label": k.label, **_stat(k.stat)} for k in report.times.by_kind],
        }
        data["on_time"] = {"rate_percent": report.times.on_time.percent, "as_shown": report.times.on_time.text}
    if report.compensation is not None:
        data["compensation"] = [{
            "currency": c.currency, "claims": c.made.shown, "paid": c.paid.shown,
            "amount_paid_minor": c.paid_minor,
            "amount_paid": format_money(c.paid_minor, c.currency) if c.paid_minor is not None else None,
        } for c in report.compensation]
    return data


def as_json(report: Report) -> str:
    return json.dumps(as_dict(report), ensure_ascii=False, indent=2)


def as_csv(report: Report) -> str:
    """One figure a line: section, item, measure, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    withheld = _("withheld")

    def put(section, item, measure, value):
        writer.writerow([safe_cell(v) for v in (section, item, measure, withheld if value is None else value)])

    writer.writerow([_("Section"), _("Item"), _("Measure"), _("Value")])
    org = report.organisation
    put(_("Report"), org.local_name, _("Year"), report.year)
    put(_("Report"), org.local_name, _("As of"), report.as_of.isoformat())
    for row in [*report.rows, report.total]:
        put(_("Requests"), row.label, pgettext("a count of requests", "Received"), row.received.shown)
        for (_code, label), cell in zip(report.buckets, row.cells):
            put(_("Requests"), row.label, label, cell.shown)
    for ground in report.grounds or []:
        put(_("Denied, by legal ground"), ground.label, _("Denied"), ground.count.shown)
    if report.times is not None:
        for label, stat in [(_("All requests"), report.times.overall),
                            *[(k.label, k.stat) for k in report.times.by_kind]]:
            put(_("Days to respond"), label, _("Median"), stat.median)
            put(_("Days to respond"), label, _("Mean"), stat.mean)
        put(_("On time"), _("All requests"), _("On-time rate"), report.times.on_time.text)
    for claims in report.compensation or []:
        put(_("Compensation claims"), claims.currency, _("Claims"), claims.made.shown)
        put(_("Compensation claims"), claims.currency, _("Paid"), claims.paid.shown)
        put(_("Compensation claims"), claims.currency, _("Amount paid"),
            format_money(claims.paid_minor, claims.currency) if claims.paid_minor is not None else None)
    put(_("Law"), "", "", words.law_citation(org))
    for term, text in words.definitions(org, report.sections):
        put(_("Definition"), term, "", text)
    for n, sentence in enumerate(rule_text(), start=1):
        put(_("Suppression rule"), n, "", sentence)
    return out.getvalue()
