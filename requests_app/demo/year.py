"""The park's year of requests, for its published transparency report (requests_app/reports).

The stories of scenes.py are the cases a demo user works on; this adds the requests the
park answered earlier in the year, each walked through the real workflow at its own moment
(the engine's Scene), so the public report counts what the workflow recorded: deletions
complied with in whole, in part (the paper archive keeps a form for storage only), denied,
withdrawn and expired, copies refused, explanations, compensation paid and not. Each
deletion carried out erases the holder's fingerprint template in the vault (enrolled with
the pass), on the record, like the stories' deletions.
Then the park's owner publishes the report, every section on. Idempotent like the
stories: a request whose subject exists is skipped, and publishing again changes nothing.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import translation

from orgs import law, report_publication
from orgs.models import BiometricRecord, DataSystem, ProcessingActivity, ReportSection
from requests_app import fulfilment, workflow
from requests_app.actors import SUBJECT, SYSTEM, member
from requests_app.demo.data import PAPER_ARCHIVE, PARK, PARK_FINGERPRINT, VAULT, Person
from requests_app.demo.engine import Scene
from requests_app.models import CompensationClaim, RightsRequest

Kind = RightsRequest.Kind
VENDOR = "Gate vendor cloud"
STORAGE_DUTY = ("Accounting Law art. 35 and the Accounting Archives Measures: the signed pass application is an "
                "accounting voucher of the pass sale, kept 30 years; stored only, used for nothing else.")


@dataclass(frozen=True)
class Plan:
    n: int  # the request's number in the year (its subject: park.year.<n>)
    kind: str
    end: str  # whole, part, denied, withdrawn, expired, open
    days_ago: int  # when it was filed
    answer_after: int = 9  # days from filing to the answer
    claim: str = ""  # paid, declined


def _plans() -> list[Plan]:
    plans, n = [], 0

    def add(count, kind, end, first_day, step=11, **extra):
        nonlocal n
        for i in range(count):
            n += 1
            plans.append(Plan(n, kind, end, first_day - step * i, **extra))

    add(6, Kind.DELETION, "whole", 185, claim="paid")
    add(2, Kind.DELETION, "whole", 120, answer_after=38)  # answered after the 30 days
    add(5, Kind.DELETION, "part", 178)
    add(4, Kind.DELETION, "denied", 170, claim="declined")
    add(1, Kind.DELETION, "denied", 60)
    add(3, Kind.DELETION, "withdrawn", 160)
    add(1, Kind.DELETION, "expired", 150)
    add(2, Kind.DELETION, "open", 30, step=3)
    add(5, Kind.DELETION, "part", 176)
    add(5, Kind.EXPLANATION, "whole", 174, answer_after=6)
    # Enough of each kind that the report shows its figures rather than withholding them.
    add(4, Kind.COPY, "denied", 140, answer_after=12)
    add(4, Kind.EXPLANATION, "open", 12, step=2)
    add(4, Kind.WITHDRAW_CONSENT, "open", 15, step=2)
    return plans


def build(demo) -> None:
    org = demo.orgs[PARK]
    for plan in _plans():
        person = Person(f"park.year.{plan.n:02d}", f"Pass holder {plan.n:02d}", member_number=f"HWW-2025-{plan.n:04d}")
        email_hash = person.identifier_fields(org.jurisdiction)["email_hash"]
        if RightsRequest.objects.filter(organisation=org, subject__email_hash=email_hash).exists():
            continue
        with transaction.atomic():
            scene = Scene(demo, org, person)
            if plan.end in ("whole", "part") and plan.kind == Kind.DELETION:
                _enrol(scene, person, plan.days_ago)
            _play(scene, plan)
        demo.result.created["requests"] += 1
    report_publication.set_publication(org, user=demo.users["park.owner"], published=True,
                                       sections=ReportSection.values)


def _play(s: Scene, plan: Plan) -> None:
    d = plan.days_ago
    rr = s.submit(d, "09:30", plan.kind, data_description="Face and fingerprint templates of my annual pass.")
    if plan.end == "expired":
        s.do(d - 15, "03:00", workflow.expire, rr, actor=SYSTEM)  # the code never entered
        return
    s.verify_by_code(rr, d, "09:40")
    if plan.end == "withdrawn":
        s.do(d - 1, "12:00", workflow.withdraw, rr, actor=SUBJECT)
        return
    if plan.claim:
        s.do(d, "09:45", workflow.claim_compensation, rr, actor=SUBJECT, amount_minor=_amount(plan), currency="CNY",
             covers="annual pass (lost contract benefit) and travel costs")
    if plan.end == "open":
        return
    s.assign(rr, d - 1, "10:00")
    answer = d - plan.answer_after
    officer = member(s.officer)
    if plan.end == "denied":
        code = "cn_45_18" if plan.kind == Kind.COPY else "cn_47_2"
        with translation.override("zh-hans"):  # as the desk stores it: the law's label in the requester's language
            ground = str(law.refusal_ground_label(s.org.jurisdiction, code))
        s.do(answer, "15:00", workflow.refuse, rr, actor=officer, reason=REFUSAL, legal_ground=ground)
    else:
        s.do(answer, "11:00", workflow.approve, rr, actor=officer)
        if plan.kind == Kind.EXPLANATION:
            s.do(answer, "11:05", workflow.start_fulfilment, rr, actor=officer)
            s.do(answer, "11:30", workflow.finish_fulfilment, rr, actor=officer, explanation=EXPLANATION)
        else:
            _carry_out(s, rr, plan, answer)
    if plan.claim:
        _settle(s, rr, plan, answer)


REFUSAL = ("Your pass contract's records are held while the pass's refund dispute is before the Fuyang court; "
           "they are stored only until it ends.")
EXPLANATION = ("Face templates are made at enrolment, kept in the park's vault and on the gates, used only to open "
               "the gate for the pass holder, and deleted when the pass ends; no one else receives them.")


def _carry_out(s: Scene, rr: RightsRequest, plan: Plan, answer: int) -> None:
    s.worker(rr, answer, "11:01")  # the vault deletes the holder's template (an erase_record event)
    archive = member(s.users["park.archive"])
    if plan.end == "part":  # the signed application stays, for storage only
        outcome = {"connector": "manual", "outcome": "storage_only", "note": STORAGE_DUTY}
    else:
        outcome = {"connector": "manual", "outcome": "deleted", "note": "Application form and photos shredded."}
    s.do(answer, "14:00", workflow.record_task_outcome, s.task(rr, PAPER_ARCHIVE), actor=archive, outcome=outcome)
    # The gate vendor's signed callback, as it arrives within the hour: it held no copy.
    s.do(answer, "14:30", workflow.record_task_outcome, s.task(rr, VENDOR), actor=SYSTEM,
         outcome={"connector": "webhook", "note": "No copy of this pass holder's templates in the vendor's cloud."})
    s.do(answer, "14:31", fulfilment.complete_if_done, rr.pk)


def _enrol(s: Scene, person: Person, days_ago: int) -> None:
    """The holder's fingerprint template in the vault, enrolled with the pass a year before."""
    org = s.org
    activity = ProcessingActivity.objects.get(organisation=org, name=PARK_FINGERPRINT)
    collected = s.moment(days_ago + 365, "10:30")
    record = BiometricRecord(organisation=org, system=DataSystem.objects.get(organisation=org, name=VAULT),
                             activity=activity, modality=activity.modality, collected_at=collected,
                             retain_until=s.demo.real_now + timedelta(days=300),
                             **person.identifier_fields(org.jurisdiction))
    record.set_template(secrets.token_bytes(512))  # stands in for a real template
    record.save()


def _amount(plan: Plan) -> int:
    return 20000 + 8000 * plan.n  # RMB 208 onwards, in fen


def _settle(s: Scene, rr: RightsRequest, plan: Plan, answer: int) -> None:
    claim = rr.claims.get()
    owner = member(s.owner)
    s.do(answer, "16:00", workflow.assess_claim, claim, actor=owner, basis=CompensationClaim.Basis.LOSS,
         amount_minor=claim.claimed_minor, note="Unused months of the annual pass and travel costs.")
    s.do(answer, "16:05", workflow.offer_compensation, claim, actor=owner, amount_minor=claim.claimed_minor)
    if plan.claim == "declined":
        s.do(answer - 1, "10:00", workflow.decline_offer, claim, actor=SUBJECT)
        return
    s.do(answer - 1, "10:00", workflow.accept_offer, claim, actor=SUBJECT)
    s.do(answer - 2, "10:00", workflow.record_payment, claim, actor=owner, amount_minor=claim.claimed_minor,
         reference=f"HWW-PAY-{plan.n:04d}")
