"""Denials by legal ground, as the public may read them.

A refusal stores its ground as text: the law's label in the requester's language, or the
provision an officer cited under "other" (requests_app/desk/forms.py ground_text). The
report maps each stored text back to the ground of the organisation's law it is the label
of, in any of the site's languages, and counts whatever matches none as "other grounds":
an officer's own words are never published (they could name the person or the case).
"""

from collections import Counter

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from orgs import law
from orgs.models import Organisation

OTHER = "other"


def _codes_by_text(jurisdiction: str) -> dict[str, str]:
    found = {}
    for code, label in law.texts(jurisdiction).refusal_grounds:
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                found[str(label).strip()] = code
    return found


def tally(organisation: Organisation, texts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """(code, count) for every ground of the law, in the law's order, then "other"."""
    codes = _codes_by_text(organisation.jurisdiction)
    counts = Counter()
    for text, n in texts:
        counts[codes.get((text or "").strip(), OTHER)] += n
    ordered = [code for code, _label in law.texts(organisation.jurisdiction).refusal_grounds] + [OTHER]
    return [(code, counts[code]) for code in ordered]


def label(organisation: Organisation, code: str) -> str:
    if code == OTHER:
        return _("Other grounds cited by the organisation")
    return str(law.refusal_ground_label(organisation.jurisdiction, code))
