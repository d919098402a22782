"""The machinery every workflow step runs on: the tables of allowed transitions (of a
request, RULES; of a compensation claim, CLAIM_RULES; of a fulfilment task, TASK_RULES)
and the one context manager that locks the row, checks state and role, saves what
changed, writes the event and queues its effects (the steps are in the modules beside this
one, filing.py to claims.py, gathered by requests_app/workflow/__init__.py).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import calendars
from orgs.models import Membership
from requests_app.actors import Actor, ActorKind
from requests_app.cases import deadlines, reminders
from requests_app.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from requests_app.models import ClosedRequestsVersion, CompensationClaim, FulfilmentTask, RightsRequest, sealed
from requests_app.transparency import audit
from requests_app.workflow import effects
from requests_app.workflow.effects import Effect

Status = RightsRequest.Status
ClaimStatus = CompensationClaim.Status
TaskStatus = FulfilmentTask.Status
Role = Membership.Role


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    actors: frozenset[str]  # membership roles, or ActorKind.SUBJECT / ActorKind.SYSTEM
    # What the step sets off once it commits, besides what every step does (effects.after_event).
    effects: tuple[Effect, ...] = ()


def _rule(sources, target, actors, *, then=()) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors), tuple(then))


DECIDERS = {Role.OWNER, Role.OFFICER}
OPEN_BEFORE_FULFILMENT = {
    Status.SUBMITTED, Status.VERIFIED, Status.IN_REVIEW, Status.AWAITING_SUBJECT, Status.APPROVED
}
S, SYS = ActorKind.SUBJECT, ActorKind.SYSTEM

RULES: dict[str, Rule] = {
    "verify": _rule({Status.SUBMITTED}, Status.VERIFIED, DECIDERS | {S},
                    then=[effects.tell_deciders_of_a_new_request]),
    # A relative's request for a deceased person (PIPL art. 49): the relative's code confirms
    # their mailbox; the officer's check of the death and relationship evidence verifies.
    "confirm_contact": _rule({Status.SUBMITTED}, None, {S}, then=[effects.tell_deciders_of_a_new_request]),
    "verify_next_of_kin": _rule({Status.SUBMITTED}, Status.VERIFIED, DECIDERS,
                                then=[effects.tell_deciders_of_a_new_request]),
    # Receipt acknowledged to the requester by the code mail (CCPA regs §7021(a)).
    "acknowledge": _rule(set(Status.values), None, {SYS}),
    "assign": _rule({Status.VERIFIED, Status.IN_REVIEW, Status.AWAITING_SUBJECT, Status.APPROVED,
                     Status.FULFILLING}, None, DECIDERS, then=[effects.tell_the_assignee]),
    "ask_info": _rule({Status.VERIFIED, Status.IN_REVIEW}, Status.AWAITING_SUBJECT, DECIDERS),
    "answer": _rule({Status.AWAITING_SUBJECT}, Status.IN_REVIEW, {S},
                    then=[effects.tell_the_assignee_of_the_reply]),
    "extend": _rule({Status.VERIFIED, Status.IN_REVIEW, Status.AWAITING_SUBJECT, Status.APPROVED,
                     Status.FULFILLING}, None, DECIDERS),
    "approve": _rule({Status.IN_REVIEW}, Status.APPROVED, DECIDERS, then=[effects.begin_the_work]),
    # From submitted only for a relative's request the officer's check cannot verify (workflow.refuse).
    "refuse": _rule({Status.SUBMITTED, Status.IN_REVIEW}, Status.REFUSED, DECIDERS),
    "appeal": _rule({Status.REFUSED}, Status.IN_REVIEW, {S}, then=[effects.tell_the_assignee_of_the_reply]),
    "start_fulfilment": _rule({Status.APPROVED}, Status.FULFILLING, DECIDERS | {SYS},
                              then=[effects.hand_out_every_task]),
    "record_task_outcome": _rule({Status.FULFILLING}, None, DECIDERS | {Role.SYSTEM_OWNER, SYS},
                                 then=[effects.flag_or_complete]),
    "finish_fulfilment": _rule({Status.FULFILLING}, Status.FULFILLED, DECIDERS | {SYS}),
    # A webhook system accepted the request: its callback is awaited (connectors/webhook.py).
    "await_callback": _rule({Status.FULFILLING}, None, {SYS}),
    # No callback by the deadline: the officers are told (fulfilment.flag_silent_tasks).
    "flag_silent_task": _rule({Status.FULFILLING}, None, {SYS}, then=[effects.tell_the_deciders_of_silence]),
    # The devices holding copies confirmed their deletions (task_steps.record_device_receipts).
    "record_device_receipts": _rule({Status.FULFILLING}, None, {SYS}, then=[effects.flag_or_complete]),
    # When a task failed or went silent (requests_app/workflow/task_steps.py).
    "retry_task": _rule({Status.FULFILLING}, None, DECIDERS, then=[effects.hand_out_the_task]),
    "repoint_task": _rule({Status.FULFILLING}, None, DECIDERS, then=[effects.hand_out_the_task]),
    # Another way in than a face scan (workflow/alternatives.py): the officer provides it; the
    # person confirms it works (fulfilled) or says it does not (back to review).
    "provide_alternative": _rule({Status.IN_REVIEW, Status.APPROVED}, Status.FULFILLING, DECIDERS),
    "confirm_alternative": _rule({Status.FULFILLING}, Status.FULFILLED, {S},
                                 then=[effects.tell_the_assignee_of_the_reply]),
    "alternative_not_working": _rule({Status.FULFILLING}, Status.IN_REVIEW, {S},
                                     then=[effects.tell_the_assignee_of_the_reply]),
    # No answer within alternatives.CONFIRM_WITHIN: the officer may close it, saying so.
    "close_unconfirmed_alternative": _rule({Status.FULFILLING}, Status.FULFILLED, DECIDERS),
    "withdraw": _rule(OPEN_BEFORE_FULFILMENT, Status.WITHDRAWN, {S}),
    "expire": _rule({Status.SUBMITTED}, Status.EXPIRED, {SYS}),
    # A pause that runs too long (deadlines.Policy pause_chase_after, pause_close_after).
    "chase_subject": _rule({Status.AWAITING_SUBJECT}, None, {SYS}),
    "close_unanswered": _rule({Status.AWAITING_SUBJECT}, Status.EXPIRED, {SYS}),
    "purge_contact": _rule(RightsRequest.CLOSED_STATUSES, None, {SYS}),
    # A year added to the working-day calendar: the business-day deadlines are counted again.
    "recount_deadlines": _rule(set(Status.values) - set(RightsRequest.CLOSED_STATUSES), None, {SYS}),
    "message_subject": _rule(set(Status.values), None, DECIDERS),
    "subject_message": _rule(set(Status.values) - {Status.WITHDRAWN, Status.EXPIRED}, None, {S}),
    "add_evidence": _rule(set(Status.values) - {Status.WITHDRAWN, Status.EXPIRED}, None, {S}),
    # Compensation steps are recorded on the request's chain; the claim has its own rules.
    "claim_compensation": _rule(set(Status.values) - {Status.WITHDRAWN, Status.EXPIRED}, None, {S}),
    "assess_claim": _rule(set(Status.values), None, DECIDERS),
    "offer_compensation": _rule(set(Status.values), None, DECIDERS),
    "accept_offer": _rule(set(Status.values), None, {S}, then=[effects.tell_the_officers_the_answer]),
    "decline_offer": _rule(set(Status.values), None, {S}, then=[effects.tell_the_officers_the_answer]),
    "record_payment": _rule(set(Status.values), None, DECIDERS),
    "close_claim": _rule(set(Status.values), None, DECIDERS),
    # The officer desk: seeing who the person is is itself on the record (an auditor too).
    "reveal_contact": _rule(set(Status.values), None, DECIDERS | {Role.AUDITOR}),
    "add_note": _rule(set(Status.values), None, DECIDERS),
    # Evidence bundles (workflow/evidence.py): the requester's choice of files to share in
    # them, in any state (a court case may come long after), and each export, by whom.
    "share_files": _rule(set(Status.values), None, {S}),
    "export_evidence": _rule(set(Status.values), None, DECIDERS | {Role.AUDITOR}),
}

CLAIM_RULES: dict[str, tuple[set[str], str]] = {
    "assess_claim": ({ClaimStatus.CLAIMED}, ClaimStatus.ASSESSED),
    # After a decline the officer may offer again (or close the claim).
    "offer_compensation": ({ClaimStatus.ASSESSED, ClaimStatus.DECLINED}, ClaimStatus.OFFERED),
    "accept_offer": ({ClaimStatus.OFFERED}, ClaimStatus.ACCEPTED),
    "decline_offer": ({ClaimStatus.OFFERED}, ClaimStatus.DECLINED),
    "record_payment": ({ClaimStatus.ACCEPTED}, ClaimStatus.PAID),
    "close_claim": ({ClaimStatus.DECLINED}, ClaimStatus.CLOSED),
}


@dataclass(frozen=True)
class TaskRule:
    sources: frozenset[str]
    target: str
    # Statuses the change may also start from once the worker's lease has run out (it died).
    lapsed: frozenset[str] = frozenset()

    def allows(self, task: FulfilmentTask, now) -> bool:
        if task.status in self.sources:
            return True
        return task.status in self.lapsed and (task.lease_expires_at is None or task.lease_expires_at <= now)

    def condition(self, now) -> Q:
        """The same, as a filter: the WHERE of a conditional UPDATE."""
        lapsed = Q(status__in=self.lapsed) & (Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
        return Q(status__in=self.sources) | lapsed


def _task_rule(sources, target, lapsed=()) -> TaskRule:
    return TaskRule(frozenset(sources), target, frozenset(lapsed))


# Every change of a fulfilment task's status. Those a case's reader needs are also request
# events (RULES above): record_task_outcome (done, failed), await_callback,
# flag_silent_task, retry_task, repoint_task. A claim and a release are lease bookkeeping
# and write none.
TASK_RULES: dict[str, TaskRule] = {
    # A worker takes the task, or takes over one whose worker died (fulfilment._claim).
    "claim": _task_rule({TaskStatus.PENDING}, TaskStatus.RUNNING, lapsed={TaskStatus.RUNNING}),
    # The worker hands it back for a retry: endpoint down, database busy.
    "release": _task_rule({TaskStatus.RUNNING}, TaskStatus.PENDING),
    "await_callback": _task_rule({TaskStatus.RUNNING}, TaskStatus.AWAITING_CALLBACK),
    # The vault erased its records; devices that keep copies have yet to confirm (orgs/devices.py).
    "await_devices": _task_rule({TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.AWAITING_CALLBACK,
                                 TaskStatus.FAILED}, TaskStatus.AWAITING_CALLBACK),
    # Flagged (flagged_at) for the officers; the callback may still come.
    "flag_silent_task": _task_rule({TaskStatus.AWAITING_CALLBACK}, TaskStatus.AWAITING_CALLBACK),
    # The outcome, by the connector, the system's callback or by hand (after a failure too).
    "done": _task_rule({TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.AWAITING_CALLBACK, TaskStatus.FAILED},
                       TaskStatus.DONE),
    # Refused by the system, unreachable, or given up after too many claims.
    "fail": _task_rule({TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.AWAITING_CALLBACK}, TaskStatus.FAILED),
    # An officer sends it round again (task_steps.py), never while a worker holds it.
    "retry_task": _task_rule({TaskStatus.PENDING, TaskStatus.AWAITING_CALLBACK, TaskStatus.FAILED},
                             TaskStatus.PENDING, lapsed={TaskStatus.RUNNING}),
    "repoint_task": _task_rule({TaskStatus.PENDING, TaskStatus.AWAITING_CALLBACK, TaskStatus.FAILED},
                               TaskStatus.PENDING, lapsed={TaskStatus.RUNNING}),
}


def move_task(task: FulfilmentTask, action: str, now) -> None:
    """Set the task's status by TASK_RULES[action] (the caller holds its row lock and
    saves it); TransitionNotAllowed, changing nothing, if the table does not allow it."""
    rule = TASK_RULES[action]
    if not rule.allows(task, now):
        if task.status == TaskStatus.DONE:
            raise TransitionNotAllowed(_("This task is already done."))
        if task.status == TaskStatus.RUNNING and TaskStatus.RUNNING in rule.lapsed:
            raise TransitionNotAllowed(_("A worker is carrying this task out right now; wait for it to finish."))
        raise TransitionNotAllowed(
            _("A task that is %(status)s cannot take this step (%(action)s).")
            % {"status": task.get_status_display(), "action": action}
        )
    task.status = rule.target


def update_tasks(tasks: QuerySet[FulfilmentTask], action: str, now=None, **fields) -> int:
    """Move the tasks of `tasks` that TASK_RULES[action] allows, in one conditional UPDATE
    (of two workers at once only one changes a row: the exactly-once claims and releases);
    `fields` are set too. Returns how many rows changed."""
    rule = TASK_RULES[action]
    now = now or timezone.now()
    return tasks.filter(rule.condition(now)).update(status=rule.target, **fields)


@dataclass
class Step:
    """What a transition body may change: the locked row, the target, the event."""

    request: RightsRequest
    target: str | None
    data: dict = field(default_factory=dict)
    visible_to_subject: bool = True
    now: object = None


def _check_actor(rights_request: RightsRequest, actor: Actor, rule: Rule) -> None:
    if actor.kind != ActorKind.USER:
        if actor.kind not in rule.actors:
            raise NotPermitted(_("This step is not yours to take."))
        return
    role = actor.role_in(rights_request.organisation)
    if role is None:
        raise NotPermitted(_("You are not a member of this request's organisation."))
    if role not in rule.actors:
        raise NotPermitted(_("Your role does not allow this step."))


@contextmanager
def transition(rights_request: RightsRequest, action: str, actor: Actor) -> Iterator[Step]:
    rule = RULES[action]
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=rights_request.pk)
        _check_actor(locked, actor, rule)
        if locked.status not in rule.sources:
            raise TransitionNotAllowed(
                _("A request that is %(status)s cannot take this step (%(action)s).")
                % {"status": locked.get_status_display(), "action": action}
            )
        before = {f.attname: getattr(locked, f.attname) for f in RightsRequest._meta.concrete_fields}
        step = Step(request=locked, target=rule.target, now=timezone.now())
        yield step
        from_status = locked.status
        if step.target:
            locked.status = step.target
        changed = [name for name, value in before.items() if getattr(locked, name) != value]
        if changed:
            locked.save(update_fields=changed)
        if from_status in RightsRequest.CLOSED_STATUSES or locked.status in RightsRequest.CLOSED_STATUSES:
            # The desk's tallies of closed requests (cases/closed_tallies.py) are read again.
            ClosedRequestsVersion.bump(locked.organisation_id)
        event = audit.append_event(
            locked,
            action=action,
            actor_id=actor.user_id,
            actor_kind=actor.kind,
            from_status=from_status,
            to_status=locked.status,
            # The purgeable texts go in sealed under the person's key (requests_app/models/sealed.py).
            data=sealed.seal_event_data(locked, action, step.data),
            visible_to_subject=step.visible_to_subject,
        )
        effects.after_event(event, rule.effects)
    rights_request.refresh_from_db()


def policy_of(rights_request: RightsRequest) -> deadlines.Policy:
    return deadlines.get_policy(rights_request.jurisdiction)


def recompute_deadlines(rr: RightsRequest) -> None:
    """Set due and target dates from the clock fields; the clock may not have started yet.
    Business days come from the jurisdiction's working-day calendar (orgs/calendars.py);
    a business-day deadline counted through a year it does not cover is flagged."""
    calendar = calendars.calendar_for(rr.jurisdiction)
    if rr.clock_started_at is not None:
        policy, tz = policy_of(rr), rr.organisation.time_zone
        rr.due_at = deadlines.due_at(
            policy, clock_started_at=rr.clock_started_at, tz=tz, paused=rr.paused_total, extensions=rr.extensions,
            kind=rr.kind, calendar=calendar,
        )
        rr.target_at = deadlines.target_at(
            policy, clock_started_at=rr.clock_started_at, tz=tz, paused=rr.paused_total, calendar=calendar
        )
        if rr.pk is not None:  # a request being filed is submitted: no reminders before verification
            reminders.point(rr, reminders.first_reminder_at(rr))
    rr.calendar_uncovered_year = first_uncovered_year(rr, calendar)


def first_uncovered_year(rr: RightsRequest, calendar: deadlines.WorkingCalendar) -> int | None:
    """The first year one of the request's business-day deadlines is counted through that
    `calendar` does not cover; None when every such count had a real calendar."""
    policy, tz = policy_of(rr), rr.organisation.time_zone
    business = deadlines.Unit.BUSINESS_DAYS
    spans = [(rr.received_at, rr.acknowledge_by, policy.acknowledge_within)]
    if rr.clock_started_at is not None:
        spans += [(rr.clock_started_at, rr.due_at, deadlines.response_period(policy, rr.kind)), (rr.clock_started_at, rr.target_at, policy.target)]
        if policy.extension is not None and rr.extensions:
            spans.append((rr.clock_started_at, rr.due_at, policy.extension))
    years = [
        year
        for start, end, period in spans
        if start is not None and end is not None and period is not None and period.unit == business
        for year in deadlines.uncovered_years(start.astimezone(tz).date(), end.astimezone(tz).date(), calendar)
    ]
    return min(years, default=None)


def require_text(**fields: str) -> None:
    missing = {name: _("This field is required.") for name, value in fields.items() if not (value or "").strip()}
    if missing:
        raise InvalidInput(missing)
