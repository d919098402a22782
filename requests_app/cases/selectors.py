"""Reads that decide who sees what on the officer desk. Organisation scoping is written
once, here: every desk page and action finds its requests through these functions, for
the member's CURRENT membership (orgs/current.py), never by a bare reference.

- owners and officers see and act on their organisation's requests;
- auditors see them and act on none (the workflow refuses; the desk shows no buttons);
- data-system owners see no request here, only their tasks at /tasks/
  (manual_tasks_for: the one rule of which manual tasks a member may confirm, for the
  desk's /tasks/ and the API alike).
A request of another organisation is "not found", never "forbidden": its reference is
not confirmed to exist.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, Count, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.identifiers import IdentifierKind, identifier_hash, normalise
from orgs.models import BiometricRecord, DataSystem, Membership, Modality
from requests_app.cases.outcomes import RecordOutcome
from requests_app.models import (
    Attachment,
    CompensationClaim,
    FulfilmentTask,
    Message,
    RequestEvent,
    RightsRequest,
)
from requests_app.models import sealed

Role = Membership.Role
Status = RightsRequest.Status
# Who works the desk (queue and case pages); a system owner has /tasks/ instead.
DESK_ROLES = frozenset({Role.OWNER, Role.OFFICER, Role.AUDITOR})
OPEN_STATUSES = tuple(s for s in Status.values if s not in RightsRequest.CLOSED_STATUSES)


def requests_visible_to(membership: Membership | None) -> QuerySet[RightsRequest]:
    """The requests this membership may see: its organisation's, for a desk role; none otherwise."""
    if membership is None or membership.role not in DESK_ROLES:
        return RightsRequest.objects.none()
    return RightsRequest.objects.filter(organisation_id=membership.organisation_id)


def manual_tasks_for(user, organisation_id: int | None = None) -> QuerySet[FulfilmentTask]:
    """The manual fulfilment tasks `user` may confirm, in any state: every one of the
    organisations where they decide (owner, officer), and those of the systems they own
    where they are an owner, officer or system owner. Never another organisation's, and
    none for an auditor (the workflow would refuse them: transitions.RULES
    "record_task_outcome"). `organisation_id`: only that organisation's (the API acts for
    one); None: all of the user's (the desk's /tasks/)."""
    memberships = Membership.objects.filter(user=user)
    if organisation_id is not None:
        memberships = memberships.filter(organisation_id=organisation_id)
    deciding = memberships.filter(role__in=[Role.OWNER, Role.OFFICER]).values("organisation")
    owning = memberships.filter(role__in=[Role.OWNER, Role.OFFICER, Role.SYSTEM_OWNER]).values("organisation")
    return (
        FulfilmentTask.objects.filter(connector=DataSystem.Connector.MANUAL)
        .filter(Q(request__organisation__in=deciding) | Q(system__owner=user, request__organisation__in=owning))
        .select_related("request__organisation", "request__subject", "system")
    )


def tasks_to_confirm(user, organisation_id: int | None = None) -> QuerySet[FulfilmentTask]:
    """Of manual_tasks_for, those still waiting for their owner (pending, the request being
    fulfilled), the soonest due first: the list on /tasks/ and GET /api/v1/fulfilment-tasks/."""
    return manual_tasks_for(user, organisation_id).filter(
        status=FulfilmentTask.Status.PENDING, request__status=Status.FULFILLING
    ).order_by("request__due_at", "pk")


def tasks_needing_hands(rr: RightsRequest) -> QuerySet[FulfilmentTask]:
    """This request's tasks a person may act on (retry, re-point, record by hand): every
    manual task not done, and every automatic one that failed, went silent, is waiting
    for its system, or keeps failing."""
    return rr.fulfilment_tasks.exclude(status=FulfilmentTask.Status.DONE).filter(
        Q(connector=DataSystem.Connector.MANUAL) | Q(status=FulfilmentTask.Status.FAILED)
        | Q(status=FulfilmentTask.Status.AWAITING_CALLBACK) | Q(flagged_at__isnull=False) | ~Q(last_error="")
    ).select_related("system").order_by("pk")


def request_for(membership: Membership | None, reference: str) -> RightsRequest:
    """The visible request with this reference, or 404 (another organisation's included)."""
    rr = (
        requests_visible_to(membership)
        .select_related("organisation", "subject", "assignee", "certificate")
        .filter(reference=normalise_reference(reference))
        .first()
    )
    if rr is None:
        raise Http404
    return rr


def normalise_reference(value: str) -> str:
    return "".join(value.split()).upper()


# --- the queue ---------------------------------------------------------------------------


def queue_rows(queryset: QuerySet[RightsRequest]) -> QuerySet[RightsRequest]:
    """What a queue row shows, in one query: no per-row lookups."""
    return queryset.select_related("subject", "assignee").only(
        "pk", "reference", "kind", "status", "jurisdiction", "received_at", "due_at", "paused_at", "calendar_uncovered_year",
        "subject__masked_identifiers", "subject__full_name", "assignee__username", "assignee__first_name", "assignee__last_name",
    )


def status_counts(queryset: QuerySet[RightsRequest]) -> dict[str, int]:
    """How many of `queryset` are in each status, in one aggregate query (zeros included)."""
    # COUNT(*), not COUNT(id): the (organisation, status, due_at) index alone answers it.
    found = dict(queryset.order_by().values_list("status").annotate(n=Count("*")).values_list("status", "n"))
    return {status: found.get(status, 0) for status in Status.values}


NAME_SEARCH_MIN = 2  # one letter would match half the queue


def search(queryset: QuerySet[RightsRequest], text: str) -> QuerySet[RightsRequest]:
    """By the requester's email, or else by reference, member or pass number, or name.

    Identifiers are matched by their keyed hash, as intake stored them (the clear value is
    never scanned, so it must be typed whole); the name is the one column kept in the
    clear for the desk to read, matched as a part of it. A purged subject has no name and
    no hashes left: nothing finds it but its reference."""
    text = text.strip()
    if "@" in text:
        try:
            email = normalise(IdentifierKind.EMAIL, text)
        except ValidationError:  # not an address: nothing can match it
            return queryset.none()
        return queryset.filter(subject__email_hash=identifier_hash(IdentifierKind.EMAIL, email))
    found = Q(reference=normalise_reference(text))
    try:
        number = normalise(IdentifierKind.MEMBER_NUMBER, text)
    except ValidationError:
        number = ""
    if number:
        found |= Q(subject__member_number_hash=identifier_hash(IdentifierKind.MEMBER_NUMBER, number))
    if len(text) >= NAME_SEARCH_MIN:
        found |= Q(subject__full_name__icontains=text)
    return queryset.filter(found)


def assignable_members(membership: Membership):
    """Who a request of this organisation may be assigned to: its owners and officers."""
    return (
        get_user_model()
        .objects.filter(
            memberships__organisation_id=membership.organisation_id,
            memberships__role__in=[Role.OWNER, Role.OFFICER],
            is_active=True,
        )
        .order_by("username")
    )


def requests_by_reference(membership: Membership, references: Iterable[str]) -> dict[str, RightsRequest]:
    """The visible requests among `references` (for bulk steps); the others are simply absent."""
    wanted = {normalise_reference(ref) for ref in references if ref.strip()}
    return {rr.reference: rr for rr in requests_visible_to(membership).filter(reference__in=wanted)}


# --- the case page -----------------------------------------------------------------------


@dataclass
class CaseFile:
    """Everything the case page shows of one request, read in a fixed handful of queries."""

    request: RightsRequest
    events: list[RequestEvent] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    claims: list[CompensationClaim] = field(default_factory=list)
    tasks: list[FulfilmentTask] = field(default_factory=list)
    records: list[BiometricRecord] = field(default_factory=list)
    stall: str = ""  # why fulfilment is not moving, in words, when it is stuck


def case_file(rr: RightsRequest) -> CaseFile:
    """The case page's reads for a request already found through `request_for`."""
    case = CaseFile(
        request=rr,
        events=list(rr.events.select_related("actor").order_by("seq")),
        messages=list(rr.messages.select_related("author").order_by("created_at", "pk")),
        attachments=list(rr.attachments.order_by("created_at", "pk")),
        claims=list(rr.claims.order_by("created_at", "pk")),
        tasks=list(rr.fulfilment_tasks.select_related("system").order_by("pk")),
        records=matching_records(rr),
    )
    _label_events(case.events)
    for task in case.tasks:
        records = task.result.get("records", []) if isinstance(task.result, dict) else []
        task.outcomes = [{**entry, "label": _outcome_label(entry.get("outcome")),
                          "modality": _modality_label(entry.get("modality"))} for entry in records
                         if isinstance(entry, dict)]
    case.stall = fulfilment_stall(case, timezone.now())
    return case


STALL_GRACE = timedelta(minutes=1)  # the background steps normally take seconds


def fulfilment_stall(case: "CaseFile", now) -> str:
    """Why an approved or fulfilling request is not moving on, or "" when it is."""
    rr = case.request
    if rr.status == RightsRequest.Status.APPROVED and not case.tasks and rr.kind != RightsRequest.Kind.EXPLANATION:
        approved = [e.created_at for e in case.events if e.action == "approve"]
        if approved and now - approved[-1] > STALL_GRACE:
            return str(_("Approved %(minutes)s minutes ago, but fulfilment has not started: the background worker "
                         "has not taken it up (it is offered again every minute). Check that the worker runs, or "
                         "start fulfilment yourself.") % {"minutes": int((now - approved[-1]).total_seconds() // 60)})
    if rr.status == RightsRequest.Status.FULFILLING and case.tasks and all(
        t.status == FulfilmentTask.Status.DONE for t in case.tasks
    ):
        last = max(t.completed_at for t in case.tasks if t.completed_at)
        if now - last > STALL_GRACE:
            return str(_("Every system is done, but the request has not been closed: finish fulfilment yourself."))
    return ""


def outcomes_for_requester(rr: RightsRequest) -> list[dict]:
    """What was done in each system, as the requester may see it: the outcome per record
    and the words that go with it (what changed, the law that keeps data in storage).
    Never internal notes; only tasks that are done."""
    shown = []
    for task in rr.fulfilment_tasks.filter(status=FulfilmentTask.Status.DONE).select_related("system").order_by("pk"):
        records = task.result.get("records", []) if isinstance(task.result, dict) else []
        for entry in records:
            if isinstance(entry, dict) and entry.get("outcome"):
                shown.append({"system": task.system.name, "label": _outcome_label(entry["outcome"]),
                              "words": entry.get("detail") or entry.get("reason") or "",
                              "modality": _modality_label(entry.get("modality"))})
    return shown


def outcome_words(entry: dict) -> str:
    """One record's outcome as a sentence fragment: "Deleted · Face · Gate entry (why)"."""
    parts = [_outcome_label(entry.get("outcome")), _modality_label(entry.get("modality")), entry.get("activity", "")]
    why = entry.get("reason") or entry.get("detail") or ""
    return " · ".join(str(p) for p in parts if p) + (f" ({why})" if why else "")


def _modality_label(code) -> str:
    return str(Modality(code).label) if code in Modality.values else str(code or "")


def _outcome_label(code) -> str:
    return RecordOutcome(code).label if code in RecordOutcome.values else str(code or "")


def _label_events(events: list[RequestEvent]) -> None:
    """Names instead of ids in the timeline: the people events point at, in one query; the
    sealed texts opened (requests_app/models/sealed.py), in one more when there are any."""
    sealed.open_events(events)
    wanted = {e.data.get("assignee") for e in events if e.action == "assign" and isinstance(e.data, dict)}
    people = get_user_model().objects.in_bulk([pk for pk in wanted if isinstance(pk, int)]) if wanted else {}
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        event.assignee = people.get(data.get("assignee"))
        event.outcome_label = _outcome_label(data.get("outcome")) if event.action == "erase_record" else ""


def matching_records(rr: RightsRequest) -> list[BiometricRecord]:
    """The organisation's biometric records that match the request's identity, once it is
    verified (before that the identity is only a claim). Never the template or the hashes:
    only what the case page shows is read. The records this request deleted are listed too:
    their tombstones no longer carry the person's identifiers (orgs/erasure.py)."""
    if rr.verified_at is None:
        return []
    erased_here = RequestEvent.objects.filter(request_id=rr.pk, action="erase_record").values(
        record=Cast(KeyTextTransform("record", "data"), BigIntegerField())
    )
    records = BiometricRecord.objects.filter(organisation_id=rr.organisation_id)
    return list(
        (records.matching(rr.subject.identifier_hashes()) | records.filter(pk__in=erased_here))
        .select_related("activity", "system")
        .only(
            "pk", "modality", "state", "collected_at", "retain_until", "tombstoned_at", "tombstone_reason",
            "activity__name", "activity__legal_basis", "activity__collection_point", "activity__retention_days",
            "activity__statutory_retention", "system__name",
        )
        .order_by("activity__name", "pk")
    )


# --- the approval's confirmation ---------------------------------------------------------


@dataclass
class ApprovalPreview:
    """What the officer reads before approving: how the identity was verified, and what
    approval sets off (the fulfilment task it queues, one per system below)."""

    request: RightsRequest
    verification: RequestEvent | None  # the verify event: when, by whom, how (code or a check)
    systems: list[DataSystem]
    irreversible: bool  # a deletion: what the systems erase cannot be brought back


def approval_preview(rr: RightsRequest) -> ApprovalPreview:
    """For a request already found through `request_for`. The systems are those
    workflow.start_fulfilment gives a task: the organisation's that may hold personal data."""
    return ApprovalPreview(
        request=rr,
        verification=rr.events.filter(action__in=("verify", "verify_next_of_kin")).select_related("actor")
        .order_by("-seq").first(),
        systems=list(DataSystem.objects.filter(organisation_id=rr.organisation_id, holds_personal_data=True)
                     .select_related("owner").order_by("name", "pk")),
        irreversible=rr.kind == RightsRequest.Kind.DELETION,
    )
