"""Builders for test state. Requests are made through the workflow, as in production."""

from django.contrib.auth import get_user_model
from django.core import mail

from orgs.models import DataSystem, Membership, Organisation
from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, member as as_member
from requests_app.models import RightsRequest
from requests_app.subjects import Identity

PASSWORD = "correct-horse-battery"


def organisation(*, name="Test Org", slug="test-org", jurisdiction="CN", time_zone="Asia/Shanghai", **extra):
    return Organisation.objects.create(
        name=name, slug=slug, jurisdiction=jurisdiction, time_zone=time_zone,
        contact_email=f"privacy@{slug}.example", **extra,
    )


def member(org, role, *, username):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


def system(org, *, name="Gate vault", connector=DataSystem.Connector.VAULT, **extra):
    return DataSystem.objects.create(organisation=org, name=name, connector=connector, **extra)


def submitted_request(org, *, kind="deletion", email="guo@example.com", **extra) -> RightsRequest:
    return workflow.submit(organisation=org, kind=kind, identity=Identity(email=email, full_name="Guo"), **extra)


def code_from_outbox() -> str:
    """The six digits of the newest code email in Django's test outbox."""
    import re

    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def verified_request(org, **kwargs) -> RightsRequest:
    rr = submitted_request(org, **kwargs)
    tasks.send_verification_code(rr.challenges.get().pk)
    workflow.verify_identity(rr, actor=SUBJECT, code=code_from_outbox())
    return rr


def in_review_request(org, officer, **kwargs) -> RightsRequest:
    rr = verified_request(org, **kwargs)
    workflow.assign(rr, actor=as_member(officer), assignee=officer)
    return rr
