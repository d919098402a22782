"""The officers' steps as the case page shows them. The steps themselves (who may take
them from which states, what they do, when they can work, their labels and messages) are
declared once in requests_app/workflow/steps.py; here is only what is the desk's: each
step's form (forms.FORM_FOR), the unbound forms the page opens with, and which steps are
a button rather than a folded form.

What a member MAY do is workflow.RULES (and the workflow checks it again on every step);
`offered` only hides what the current state would refuse anyway, so the page shows the
steps that can work now.
"""

from requests_app.cases.selectors import CaseFile
from requests_app.desk import forms
from requests_app.models import CompensationClaim
from requests_app.money import to_major
from requests_app.workflow.steps import OFFICER_STEPS, claim_for

# Steps with nothing (or nothing required) to type: a button on the page, not a folded form.
# Approve is a link to its confirmation page (views.approve_confirm), which holds its form.
BUTTONS = ("approve", "start_fulfilment", "finish_fulfilment")
# Offered in the page's section on the person, not among the next steps.
REVEAL = "reveal_contact"


def may(role: str, name: str) -> bool:
    """Whether the role may take this step at all (workflow.RULES), in any state."""
    return OFFICER_STEPS[name].may(role)


def offered(case: CaseFile, role: str) -> list[str]:
    """The steps to show on the case page: the role may take them and they can work now."""
    return [name for name, step in OFFICER_STEPS.items() if step.offered(case, role)]


def blank_forms(case: CaseFile, membership, names) -> dict[str, forms.ActionForm]:
    """An unbound form per offered step, the claim steps aimed at the claim they apply to."""
    made = {}
    for name in names:
        form, initial = forms.FORM_FOR[name], {}
        if issubclass(form, forms.ClaimForm):
            claim = claim_for(OFFICER_STEPS[name], case)
            initial = {"claim": claim.pk, "amount": _major(claim)}
        made[name] = form(rr=case.request, membership=membership, initial=initial)
    return made


def _major(claim: CompensationClaim):
    amount = claim.offered_minor if claim.offered_minor is not None else claim.assessed_minor
    return to_major(amount if amount is not None else claim.claimed_minor, claim.currency)
