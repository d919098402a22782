"""Template helpers for the texts that cite law and for money: `{% load rightsdesk_law %}`.

`jurisdiction|law` gives the jurisdiction's texts (orgs/law.py), so a template never writes
a regime's name itself; `amount_minor|money:currency` formats minor units as money.
"""

from django import template

from orgs import law as law_texts
from requests_app.money import format_money

register = template.Library()


@register.filter
def law(jurisdiction):
    """The LawTexts of a Jurisdiction code, or None for an unknown one (the template says nothing)."""
    try:
        return law_texts.texts(jurisdiction)
    except KeyError:
        return None


@register.filter
def jurisdiction_name(code):
    """"China (PIPL)" for "CN"; an unknown code as it is."""
    from orgs.models import Jurisdiction

    return Jurisdiction(code).label if code in Jurisdiction.values else code


@register.filter
def money(amount_minor, currency):
    if amount_minor in (None, ""):
        return ""
    return format_money(int(amount_minor), currency or "")


# The steps of a compensation claim (requests_app/workflow/transitions.py CLAIM_RULES and the claim itself).
CLAIM_ACTIONS = frozenset({"claim_compensation", "assess_claim", "offer_compensation", "accept_offer",
                           "decline_offer", "record_payment", "close_claim"})


@register.filter
def is_claim_step(action) -> bool:
    return action in CLAIM_ACTIONS


@register.simple_tag
def all_laws():
    """(jurisdiction label, LawTexts) for every jurisdiction, in the table's order (landing page)."""
    from orgs.models import Jurisdiction

    return [(Jurisdiction(code).label, texts) for code, texts in law_texts.LAW.items()]


@register.filter
def pause_reason(code):
    """The label of a reason to pause the clock (requests_app/cases/deadlines.py pause_reasons)."""
    from requests_app.cases import deadlines

    for policy in deadlines.POLICIES.values():
        for known, label in policy.pause_reasons:
            if known == code:
                return label
    return code


@register.filter
def pause_closes_at(event):
    """When the paused request of a `chase_subject` event closes unanswered, as the step
    recorded it (an aware datetime), or None: the mail may go out after the case moved on."""
    from django.utils.dateparse import parse_datetime

    value = event.data.get("closes_at") if event is not None and isinstance(event.data, dict) else None
    return parse_datetime(value) if isinstance(value, str) else value


@register.filter
def alternative_label(code):
    """"Card or pass" for "card" (orgs Alternative: another way in than a face scan); an unknown code as it is."""
    from orgs.models import Alternative

    return Alternative(code).label if code in Alternative.values else (code or "")
