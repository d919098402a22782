"""Personal information protection impact assessments (PIPL arts. 55-56; Measures for the
Application of Facial Recognition Technology, art. 9): the questions the law asks, which
assessment of an activity is current, approving one, and marking one due for review.

An activity's assessment is "current" when it is approved, not superseded and not yet
due for review (`current_assessment`); only then may a device of the activity go live
(orgs/register.py). Approving an assessment supersedes the activity's previous one and
fixes the new one: kept three years, due for review after its interval, or at once when
what it assessed changes (`mark_review_due`, called where the change is saved).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from orgs.models import Device, ImpactAssessment, Modality, ProcessingActivity
from orgs.models.assessments import KEEP_YEARS

MAX_ANSWER_CHARS = 20_000


@dataclass(frozen=True)
class Question:
    code: str
    text: Promise
    law: Promise  # where the law asks it
    face_only: bool = False


QUESTIONS = (
    Question("purpose_and_method", _("Are the purpose and the method of processing lawful, legitimate and "
                                     "necessary?"), _("PIPL art. 56(1); Measures art. 9")),
    Question("impact_and_risks", _("What is the impact on the individuals' rights and interests, and what are the "
                                   "security risks (leaks, tampering, loss, unlawful use)?"),
             _("PIPL art. 56(2); Measures art. 9")),
    Question("protection_measures", _("Are the protection measures taken lawful, effective and proportionate to "
                                      "the risk?"), _("PIPL art. 56(3); Measures arts. 9, 14")),
    Question("face_necessity", _("Why is face recognition necessary, rather than another way of verifying a "
                                 "person?"), _("Measures arts. 4, 10"), face_only=True),
    Question("face_storage", _("Are the face data stored on the device only, or sent to a central system, "
                               "and why?"), _("Measures art. 8"), face_only=True),
    Question("face_retention", _("How long are the face data kept, and why is that the shortest period "
                                 "needed?"), _("Measures art. 8"), face_only=True),
)
QUESTION_CODES = frozenset(q.code for q in QUESTIONS)


def recognises_faces(activity: ProcessingActivity) -> bool:
    """Whether the activity scans faces: by its modality, or by a device at one of its points."""
    return activity.modality == Modality.FACE or Device.objects.filter(
        collection_point__activity=activity, modality=Modality.FACE
    ).exists()


def questions_for(activity: ProcessingActivity) -> list[Question]:
    face = recognises_faces(activity)
    return [q for q in QUESTIONS if face or not q.face_only]


def unanswered(assessment: ImpactAssessment) -> list[Question]:
    answers = assessment.answers if isinstance(assessment.answers, dict) else {}
    return [q for q in questions_for(assessment.activity) if not str(answers.get(q.code) or "").strip()]


# --- rules ----------------------------------------------------------------------------------


def check_answers(answers) -> None:
    """Answers are a mapping of question codes to text."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Give the answers as a mapping of question to answer.")}, code="invalid")
    unknown = sorted(set(answers) - QUESTION_CODES)
    if unknown:
        raise ValidationError({"answers": _("Unknown questions: %(codes)s. The questions are: %(known)s.") % {
            "codes": ", ".join(map(str, unknown)), "known": ", ".join(q.code for q in QUESTIONS)}}, code="unknown")
    if any(not isinstance(v, str) or len(v) > MAX_ANSWER_CHARS for v in answers.values()):
        raise ValidationError({"answers": _("Each answer is a text of at most %(n)d characters.") % {
            "n": MAX_ANSWER_CHARS}}, code="invalid")


FIXED_ON_APPROVAL = ("activity_id", "answers", "conclusion", "review_interval_days")


def check_assessment(assessment: ImpactAssessment) -> None:
    """What Model.clean() asks: answers well formed, the activity the organisation's own, and
    an approved assessment left as it was approved."""
    check_answers(assessment.answers)
    if assessment.activity_id and assessment.organisation_id:
        if assessment.activity.organisation_id != assessment.organisation_id:
            raise ValidationError({"activity": _("This activity belongs to another organisation.")}, code="other_org")
    if assessment.pk:
        stored = ImpactAssessment.objects.filter(pk=assessment.pk, approved_at__isnull=False).values(
            *FIXED_ON_APPROVAL).first()
        if stored and any(stored[f] != getattr(assessment, f) for f in FIXED_ON_APPROVAL):
            raise ValidationError(_("An approved assessment is not changed: write a new one, which supersedes this "
                                    "one when it is approved."), code="approved")


# --- reading --------------------------------------------------------------------------------


def current_assessment(activity: ProcessingActivity | int, *, now: datetime | None = None) -> ImpactAssessment | None:
    """The activity's current assessment (approved, not superseded, review not yet due), or None."""
    activity_id = activity if isinstance(activity, int) else activity.pk
    return ImpactAssessment.objects.current(now).filter(activity_id=activity_id).first()


def keep_until(approved_at: datetime) -> datetime:
    """Approval plus three years, never less: 29 February is kept to 1 March."""
    kept = approved_at + relativedelta(years=KEEP_YEARS)
    return kept if kept.day == approved_at.day else kept + timedelta(days=1)


# --- steps ----------------------------------------------------------------------------------


def save_draft(assessment: ImpactAssessment, *, user=None) -> ImpactAssessment:
    """Validate and save a draft (a new one is written by `user`); an approved assessment is
    refused any change (ValidationError code "approved")."""
    if assessment.pk is None and user is not None:
        assessment.created_by = user
    assessment.full_clean()
    assessment.save()
    return assessment


def approve(assessment: ImpactAssessment, *, user, now: datetime | None = None) -> ImpactAssessment:
    """Approve a draft in `user`'s name: it becomes the activity's current assessment, due for
    review after its interval and kept three years; the activity's previous standing one is
    superseded by it. Locks the activity, so two approvals of one activity take turns.

    Raises ValidationError: code "approved" if it is not a draft, "unanswered" (on `answers`)
    if a question of the activity has no answer. Not idempotent: a second call is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        ProcessingActivity.objects.select_for_update().filter(pk=assessment.activity_id).first()
        fresh = ImpactAssessment.objects.select_for_update().select_related("activity").get(pk=assessment.pk)
        if fresh.approved_at is not None:
            raise ValidationError(_("This assessment was approved already; to change it, write a new one."),
                                  code="approved")
        missing = unanswered(fresh)
        if missing:
            raise ValidationError({"answers": [
                ValidationError(_("Answer every question before approving. Unanswered: %(questions)s") % {
                    "questions": "; ".join(str(q.text) for q in missing)}, code="unanswered")]})
        # The old one steps aside first: the database allows one standing assessment per activity.
        ImpactAssessment.objects.filter(activity_id=fresh.activity_id).standing().update(
            superseded_by=fresh, superseded_at=now)
        fresh.approved_at, fresh.approved_by = now, user
        fresh.approver_name = (user.get_full_name() or user.get_username()) if user is not None else ""
        fresh.review_due_at = now + timedelta(days=fresh.review_interval_days)
        fresh.keep_until = keep_until(now)
        fresh.review_reason = ""
        fresh.save(update_fields=["approved_at", "approved_by", "approver_name", "review_due_at", "keep_until",
                                  "review_reason"])
    return fresh


def mark_review_due(activity_ids, *, reason: str, now: datetime | None = None) -> int:
    """Make the standing assessments of these activities due for review now (Measures art. 9:
    on change), unless already due; the reminder sweep then tells the owners. Returns how many."""
    now = now or timezone.now()
    ids = {i for i in activity_ids if i is not None}
    return ImpactAssessment.objects.filter(activity_id__in=ids, review_due_at__gt=now).standing().update(
        review_due_at=now, review_reason=str(reason)[:500])


def due_for_review(organisation_id: int | None = None, *, within: timedelta, now: datetime | None = None):
    """Standing assessments due for review within `within` of now, or overdue."""
    now = now or timezone.now()
    found = ImpactAssessment.objects.standing().filter(review_due_at__lte=now + within)
    return found.filter(organisation_id=organisation_id) if organisation_id is not None else found
