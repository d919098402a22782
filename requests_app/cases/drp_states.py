"""Rightsdesk's words in the protocol's, one table each: the rights a DRP request may
exercise (DRP 3.01) onto the kinds of a RightsRequest, a RightsRequest's status onto a DRP
state and reason (DRP 3.02), and the refusal grounds of every law (orgs/law.py) onto the
reasons a request is denied for. tests/drp/test_mapping.py checks each table is whole.
"""

from django.conf import settings
from django.utils import translation

from orgs import law
from requests_app.models import RightsRequest

Kind, Status = RightsRequest.Kind, RightsRequest.Status

# DRP 3.02 states and reasons, spelt as the specification spells them (`insuf_verification`
# in its table and in openapi.yaml).
OPEN, IN_PROGRESS, FULFILLED, REVOKED, DENIED, EXPIRED = (
    "open", "in_progress", "fulfilled", "revoked", "denied", "expired")
STATES = (OPEN, IN_PROGRESS, FULFILLED, REVOKED, DENIED, EXPIRED)
NEED_USER_VERIFICATION, SUSPECTED_FRAUD, INSUF_VERIFICATION, NO_MATCH = (
    "need_user_verification", "suspected_fraud", "insuf_verification", "no_match")
CLAIM_NOT_COVERED, OUTSIDE_JURISDICTION, TOO_MANY_REQUESTS, OTHER = (
    "claim_not_covered", "outside_jurisdiction", "too_many_requests", "other")
REASONS = (NEED_USER_VERIFICATION, SUSPECTED_FRAUD, INSUF_VERIFICATION, NO_MATCH, CLAIM_NOT_COVERED,
           OUTSIDE_JURISDICTION, TOO_MANY_REQUESTS, OTHER)
FINAL_STATES = (FULFILLED, REVOKED, DENIED, EXPIRED)

# DRP 3.01's rights. `access:categories` is the right to know the categories (an access
# request); `access:specific` the specific pieces (a copy). `sale:opt-in` is consent to a
# sale given again: no request to answer, so no kind (the exercise is refused, 400).
KIND_FOR_RIGHT: dict[str, str | None] = {
    "sale:opt-out": Kind.OPT_OUT_SALE,
    "sale:opt-in": None,
    "deletion": Kind.DELETION,
    "access": Kind.ACCESS,
    "access:categories": Kind.ACCESS,
    "access:specific": Kind.COPY,
}
RIGHTS = tuple(KIND_FOR_RIGHT)

# Where a request stands, for the agent. Unverified (submitted), the person has yet to
# confirm with the code mailed to their own address (CCPA regs §7063): the request is
# `open`. An officer's question (awaiting_subject) needs the person: need_user_verification.
# A refusal's reason comes from its ground (REASON_FOR_GROUND). A request closed because
# the person never confirmed, or never answered, timed out its verification: denied,
# insuf_verification (DRP 3.02's entrance criterion for that reason).
STATE_FOR_STATUS: dict[str, tuple[str, str | None]] = {
    Status.SUBMITTED: (OPEN, None),
    Status.VERIFIED: (IN_PROGRESS, None),
    Status.IN_REVIEW: (IN_PROGRESS, None),
    Status.AWAITING_SUBJECT: (IN_PROGRESS, NEED_USER_VERIFICATION),
    Status.APPROVED: (IN_PROGRESS, None),
    Status.FULFILLING: (IN_PROGRESS, None),
    Status.FULFILLED: (FULFILLED, None),
    Status.REFUSED: (DENIED, None),
    Status.WITHDRAWN: (REVOKED, None),
    Status.EXPIRED: (DENIED, INSUF_VERIFICATION),
}

# Every refusal ground of every law (orgs/law.py), by code; a ground cited by hand ("other"
# on the desk) or one no longer on the list is `other`.
REASON_FOR_GROUND: dict[str, str] = {
    # China (PIPL, GB/T 35273-2020)
    "cn_47_2": CLAIM_NOT_COVERED, "cn_45_18": CLAIM_NOT_COVERED, "cn_44_law": CLAIM_NOT_COVERED,
    "cn_49_arranged": CLAIM_NOT_COVERED, "cn_identity": INSUF_VERIFICATION, "cn_excessive": TOO_MANY_REQUESTS,
    # EU (GDPR)
    "eu_12_5": TOO_MANY_REQUESTS, "eu_12_2": NO_MATCH, "eu_17_3_b": CLAIM_NOT_COVERED,
    "eu_17_3_e": CLAIM_NOT_COVERED, "eu_17_3_a": CLAIM_NOT_COVERED, "eu_15_4": CLAIM_NOT_COVERED,
    "eu_23": CLAIM_NOT_COVERED,
    # California (CCPA and its regulations)
    "ca_7062": INSUF_VERIFICATION, "ca_105_d_8": CLAIM_NOT_COVERED, "ca_105_d_2": CLAIM_NOT_COVERED,
    "ca_105_d_1": CLAIM_NOT_COVERED, "ca_145_h": TOO_MANY_REQUESTS,
    # Brazil (LGPD): not the controller, so no data of this person here
    "br_16_i": CLAIM_NOT_COVERED, "br_18_4": NO_MATCH, "br_identity": INSUF_VERIFICATION,
    # Virginia (VCDPA)
    "va_577_b": INSUF_VERIFICATION, "va_582_a_1": CLAIM_NOT_COVERED, "va_582_a_3": CLAIM_NOT_COVERED,
    "va_577_b_excessive": TOO_MANY_REQUESTS,
}


def ground_code(rr: RightsRequest) -> str | None:
    """The code of the law's ground a refusal cites: the request stores the ground's label
    in the requester's language (desk/forms.ground_text), so it is matched in each language."""
    stored = rr.refusal_legal_ground.strip()
    for code, label in law.texts(rr.jurisdiction).refusal_grounds:
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                if str(label) == stored:
                    return code
    return None


def state_of(rr: RightsRequest) -> tuple[str, str | None]:
    """The DRP (state, reason) of a request as it now is."""
    state, reason = STATE_FOR_STATUS[rr.status]
    if rr.status == Status.REFUSED:
        reason = REASON_FOR_GROUND.get(ground_code(rr) or "", OTHER)
    return state, reason
