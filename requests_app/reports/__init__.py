"""The public transparency report of an organisation, per calendar year (issue 14, item 1).

figures.py builds it (queries.py reads, grounds.py names the denials' grounds,
suppression.py withholds what could single a person out, words.py defines each figure);
exports.py writes its CSV and JSON, chart.py the geometry of its chart, pages.py what a
page showing it needs. The pages are requests_app/public/report_pages.py (public) and
requests_app/desk/report_settings.py (the owner's switch and preview). Whether a report
is published is orgs.report_publication's question, kept apart so a regulator's desk may
build an unpublished one. May import requests_app.models, .cases and orgs; never the
workflow, nor any page.
"""
