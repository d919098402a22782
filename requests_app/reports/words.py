"""What each figure of the transparency report means, in the reader's language, and the
law it answers to (the organisation's own: orgs/law.py). The page, the CSV and the JSON
all print these same words."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from orgs import law
from orgs.models import Organisation, ReportSection
from requests_app.cases import deadlines


def law_citation(organisation: Organisation) -> str:
    return str(law.texts(organisation.jurisdiction).transparency or "")


def definitions(organisation: Organisation, sections=None) -> list[tuple[str, str]]:
    """(term, definition) pairs, in the order the page lists them; only those of the
    optional `sections` shown (ReportSection values; None: all)."""
    texts = law.texts(organisation.jurisdiction)
    policy = deadlines.get_policy(organisation.jurisdiction)
    optional = {
        _("Legal ground"): ReportSection.REFUSAL_GROUNDS, _("Days to respond"): ReportSection.RESPONSE_TIMES,
        _("On time"): ReportSection.RESPONSE_TIMES, _("Compensation claims"): ReportSection.COMPENSATION,
    }
    return [(term, text) for term, text in _all(organisation, texts, policy)
            if sections is None or optional.get(term, None) in (None, *sections)]


def _all(organisation, texts, policy) -> list[tuple[str, str]]:
    return [
        (pgettext("a count of requests", "Received"), _(
            "Requests received in the calendar year, from 1 January to 31 December in the organisation's time zone "
            "(%(zone)s), counted by the day they arrived. Every other figure is about these requests, as they stand "
            "on the date of the report.") % {"zone": organisation.time_zone}),
        (_("Kinds of request"), _("The kinds of request the organisation's law provides (%(regime)s).")
         % {"regime": texts.regime}),
        (_("Complied with in whole"), _("Fulfilled: the organisation did all that was asked.")),
        (_("Complied with in part"), _(
            "Fulfilled, but for a request to delete data or to withdraw consent at least one record was kept: for "
            "storage only, because a law requires keeping it (%(storage_only)s), or because it is held on another "
            "basis than consent. For a request to restrict processing, storage only is what was asked: complied "
            "with in whole.") % {"storage_only": texts.storage_only}),
        (_("Denied"), _(
            "Refused, with reasons and a legal ground given to the requester. A refusal reopened on appeal is "
            "counted as it now stands.")),
        (_("Withdrawn or expired"), _(
            "Closed without an answer: withdrawn by the requester, or expired because the requester's identity was "
            "never verified.")),
        (_("Still open"), _("Not yet answered on the date of the report.")),
        (_("Legal ground"), _(
            "The ground of the organisation's law each denial cited; a provision an officer cited in their own "
            "words is counted under “other grounds”, and the words are not published.")),
        (_("Days to respond"), _(
            "From receipt of the request to the answer (fulfilled or denied), in days; the median (by linear "
            "interpolation) and the mean, rounded half up to one decimal. Withdrawn, expired and open requests "
            "are not counted.")),
        (_("On time"), _(
            "Answered no later than the due date the law sets (%(source)s), as the organisation's desk counts it.")
         % {"source": policy.source or texts.regime}),
        (_("Compensation claims"), _(
            "Claims for compensation made in the year, by the day of the claim; of them, those paid by the date of "
            "the report, and the total paid, per currency.")),
    ]
