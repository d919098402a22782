"""Impact assessments (PIPL arts. 55-56; Measures art. 9): the questions asked, approval,
three years of keeping (refused by the model, its queryset and the database), the reminders
of a review due (sent once, in both languages), and the migration on PostgreSQL."""

from datetime import UTC, datetime, timedelta
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from orgs import assessments, register, review_reminders, tasks
from orgs.models import ImpactAssessment, Modality, ReviewReminder
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def face(org_a):
    return factories.activity(org_a, name="Annual pass entry")


def codes(questions) -> list[str]:
    return [q.code for q in questions]


# --- questions and approval ----------------------------------------------------------------


def test_face_recognition_is_asked_three_more_questions(org_a, face):
    fingerprint = factories.activity(org_a, name="Locker", modality=Modality.FINGERPRINT)

    assert codes(assessments.questions_for(fingerprint)) == ["purpose_and_method", "impact_and_risks",
                                                             "protection_measures"]
    assert codes(assessments.questions_for(face)) == [q.code for q in assessments.QUESTIONS]
    # A fingerprint activity with a face camera at one of its points is face recognition too.
    factories.device(factories.collection_point(fingerprint, name="Locker room door"), modality=Modality.FACE)
    assert len(assessments.questions_for(fingerprint)) == 6


def test_approval_needs_every_question_answered(face, owner_a):
    partial = factories.assessment(face, answers={"purpose_and_method": "Entry with a personal pass",
                                                  "impact_and_risks": "  "})

    with pytest.raises(ValidationError) as refused:
        assessments.approve(partial, user=owner_a)

    message = refused.value.message_dict["answers"][0]
    assert message.startswith("Answer every question before approving.")
    assert "security risks" in message and "Why is face recognition necessary" in message
    assert ImpactAssessment.objects.get(pk=partial.pk).approved_at is None


def test_unknown_questions_and_bad_answers_are_refused(face):
    for answers in ({"is_it_fine": "yes"}, {"purpose_and_method": 3}, ["yes"]):
        with pytest.raises(ValidationError) as refused:
            factories.assessment(face, answers=answers)
        assert list(refused.value.message_dict) == ["answers"]


def test_approval_names_the_approver_schedules_the_review_and_keeps_three_years(face, owner_a):
    owner_a.first_name, owner_a.last_name = "Wei", "Zhang"
    owner_a.save()
    moment = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)

    approved = factories.assessment(face, approved_by=owner_a, at=moment, review_interval_days=180)

    assert (approved.approved_at, approved.approved_by, approved.approver_name) == (moment, owner_a, "Wei Zhang")
    assert approved.review_due_at == moment + timedelta(days=180)
    assert approved.keep_until == datetime(2028, 6, 1, 2, 0, tzinfo=UTC)
    with pytest.raises(ValidationError) as twice:
        assessments.approve(approved, user=owner_a)
    assert twice.value.code == "approved"


def test_kept_three_full_years_from_the_29th_of_february():
    assert assessments.keep_until(datetime(2028, 2, 29, 9, tzinfo=UTC)) == datetime(2031, 3, 1, 9, tzinfo=UTC)


def test_an_approved_assessment_is_not_changed(face, owner_a):
    approved = factories.assessment(face, approved_by=owner_a)
    approved.answers = {**approved.answers, "face_retention": "Forever"}

    with pytest.raises(ValidationError) as refused:
        assessments.save_draft(approved)
    assert refused.value.messages == ["An approved assessment is not changed: write a new one, which supersedes "
                                      "this one when it is approved."]
    with pytest.raises(DatabaseError), transaction.atomic():  # nor behind the model's back
        ImpactAssessment.objects.filter(pk=approved.pk).update(answers={})


def test_one_standing_assessment_per_activity_in_the_database(face, owner_a):
    factories.assessment(face, approved_by=owner_a)
    draft = factories.assessment(face)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpactAssessment.objects.filter(pk=draft.pk).update(approved_at=now, review_due_at=now,
                                                            keep_until=now + timedelta(days=1))


# --- kept three years (Measures art. 9) ----------------------------------------------------------


def test_an_assessment_cannot_be_deleted_before_three_years(face, owner_a):
    approved = factories.assessment(face, approved_by=owner_a, at=timezone.now() - timedelta(days=3 * 365))

    with pytest.raises(ValidationError) as refused:
        approved.delete()
    assert "kept at least three years after its approval (Measures art. 9)" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        ImpactAssessment.objects.filter(pk=approved.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM orgs_impactassessment WHERE id = %s", [approved.pk])
    assert ImpactAssessment.objects.filter(pk=approved.pk).exists()


def test_after_three_years_and_as_a_draft_it_may_be_deleted(face, owner_a):
    old = factories.assessment(face, approved_by=owner_a, at=timezone.now() - timedelta(days=3 * 366 + 1))
    draft = factories.assessment(face)

    assert not old.is_kept()
    old.delete()
    draft.delete()
    assert not ImpactAssessment.objects.exists()


def test_an_activity_with_assessments_cannot_be_deleted(face, owner_a):
    factories.assessment(face, approved_by=owner_a)
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        face.delete()


# --- reminders -------------------------------------------------------------------------------------


def due_in(activity, owner, days: int) -> ImpactAssessment:
    approved = factories.assessment(activity, approved_by=owner)
    ImpactAssessment.objects.filter(pk=approved.pk).update(review_due_at=timezone.now() + timedelta(days=days))
    approved.refresh_from_db()
    return approved


def test_the_reminder_goes_to_the_owners_once(org_a, face, owner_a, officer_a):
    second_owner = factories.member(org_a, "owner", username="owner2_a")
    assessment = due_in(face, owner_a, 10)

    assert tasks.remind_assessment_reviews() == 1
    assert tasks.remind_assessment_reviews() == 0

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sorted(sent.to) == sorted([owner_a.email, second_owner.email])
    assert sent.subject == "个人信息保护影响评估待复核：Annual pass entry / Impact assessment due for review: " \
                           "Annual pass entry"
    chinese, english = sent.body.split("——————————")
    assert "个人信息保护影响评估" in chinese and "Asia/Shanghai" in chinese
    assert "is due for review on" in english and "PIPL arts. 55-56" in english
    reminder = ReviewReminder.objects.get()
    assert (reminder.assessment, reminder.due_at, reminder.subject) == (assessment, assessment.review_due_at,
                                                                        sent.subject)
    assert sorted(reminder.recipients) == sorted(sent.to) and reminder.sent_at is not None


def test_outside_china_english_comes_first(face, owner_a):
    eu = factories.jurisdiction_org("EU")
    owner_eu = factories.member(eu, "owner", username="owner_eu")
    due_in(factories.activity(eu, name="Staff entry"), owner_eu, 5)

    review_reminders.remind_due()

    assert mail.outbox[0].subject.startswith("Impact assessment due for review: Staff entry / ")
    assert mail.outbox[0].body.index("is due for review") < mail.outbox[0].body.index("个人信息保护影响评估")


def test_not_yet_due_or_superseded_assessments_bring_no_reminder(org_a, face, owner_a):
    due_in(face, owner_a, 45)
    replaced = due_in(factories.activity(org_a, name="Staff entry"), owner_a, 3)
    factories.assessment(replaced.activity, approved_by=owner_a)

    assert review_reminders.remind_due() == 0 and mail.outbox == []


def test_a_review_brought_forward_by_a_change_is_a_new_reminder(face, owner_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    point = factories.collection_point(face)
    factories.live_device(point, owner_a)
    ImpactAssessment.objects.update(review_due_at=timezone.now() + timedelta(days=20))
    assert review_reminders.remind_due() == 1

    point.site = "Moved to the east entrance"
    register.save_point(point)

    assert review_reminders.remind_due() == 1
    assert "Changed at collection point “North gate”: site." in mail.outbox[1].body
    assert "was due for review on" in mail.outbox[1].body
    assert ReviewReminder.objects.count() == 2


class FailingBackend(EmailBackend):
    def send_messages(self, messages):
        raise SMTPException("mail server down")


def test_a_reminder_that_could_not_be_sent_is_sent_by_the_next_run(face, owner_a, settings):
    due_in(face, owner_a, 1)
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"

    assert review_reminders.remind_due() == 0
    reminder = ReviewReminder.objects.get()
    assert reminder.sent_at is None and reminder.claimed_until is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert review_reminders.remind_due() == 1 and len(mail.outbox) == 1


def test_a_claimed_reminder_is_not_sent_by_another_run(face, owner_a):
    assessment = due_in(face, owner_a, 1)
    assert review_reminders.claim(assessment, now=timezone.now()) is not None

    assert review_reminders.remind_due() == 0 and mail.outbox == []


def test_the_reminder_runs_on_the_beat():
    from config.celery import app

    entry = app.conf.beat_schedule["remind-assessment-reviews"]
    assert entry["task"] == "orgs.remind_assessment_reviews" == tasks.remind_assessment_reviews.name
    assert entry["schedule"] <= 3600


# --- the migration ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_register_migrations_apply_and_reverse_on_postgresql():
    assert connection.vendor == "postgresql"
    executor = MigrationExecutor(connection)
    executor.migrate([("orgs", "0009_webhook_standard_webhooks")])
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert "orgs_impactassessment" not in tables

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'orgs_impactassessment'::regclass "
                       "AND NOT tgisinternal")
        triggers = [row[0] for row in cursor.fetchall()]
        constraints = connection.introspection.get_constraints(cursor, "orgs_collectionpoint")
    assert {"orgs_collectionpoint", "orgs_device", "orgs_impactassessment", "orgs_reviewreminder"} <= set(tables)
    assert triggers == ["impactassessment_kept"]
    assert {"collection_point_not_in_forbidden_place", "public_place_point_has_purpose_and_area"} <= set(constraints)
