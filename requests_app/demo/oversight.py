"""The Nanjing order as it arrives now (issue 14): the Nanjing Municipal Cyberspace
Administration Office, granted read-only access to the Nanjing sales office by the
administrator, first asks about its entrance cameras, then orders them removed. The order
opens the decommissioning (orgs.erasure.order_decommission, through orgs.oversight_orders),
which runs to its certificate as `make run`'s worker would run it, and the sales office
answers citing the certificate. Every step is the real one, dated in the recent past.
"""

from datetime import timedelta

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from orgs import erasure, oversight_orders
from orgs.models import Authority, CollectionPoint, ErasureOrder, OversightGrant, OversightOrder, Regulator
from requests_app.demo.data import DEMO_PASSWORD, NANJING, NANJING_CAC, REGULATORS, demo_email
from requests_app.demo.reference import _authenticator

INQUIRY = ("The municipal rules on property sales offices forbid collecting visitors' faces. Does the Nanjing "
           "Riverside sales office operate face-recognition cameras? Say where, since when, for what purpose, "
           "and how many visitors' face records it holds.")
INQUIRY_ANSWER = ("Two cameras were installed at the entrance and the reception desk, registered but never put in "
                  "use; face records of visitors were collected while they were tested. The register is open to "
                  "your office on Rightsdesk.")
ORDER_REFERENCE = "NJCAC-2026-012"
ORDER = ("Face-recognition cameras out of property sales offices: remove the entrance cameras of the Nanjing "
         "Riverside sales office and erase every face record collected there. Answer with the erasure certificate.")
ORDER_ANSWER = "Both cameras are removed and retired; every face record collected at the entrance is erased."


def build(demo) -> None:
    """The authority, its regulator login (with an authenticator) and the grant, once."""
    authority, _created = Authority.objects.get_or_create(name=NANJING_CAC["name"], defaults=NANJING_CAC)
    for username, first, last, _authority in REGULATORS:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            user = get_user_model().objects.create_user(username, demo_email(username), None, first_name=first,
                                                        last_name=last)
            user.password = make_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            demo.result.created["logins"] += 1
            demo.result.new_logins.add(username)
        Regulator.objects.get_or_create(user=user, defaults={"authority": authority})
        demo.users[username] = user
        _authenticator(demo, user)  # a regulator must pass a second factor, like an owner
    org = demo.orgs[NANJING]
    if not OversightGrant.objects.filter(authority=authority, organisation=org).exists():
        today = demo.real_now.astimezone(org.time_zone).date()
        OversightGrant.objects.create(
            authority=authority, organisation=org, starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=180), granted_by=demo.users.get("admin"),
            reason="Enforcement of the municipal rule on face recognition in property sales offices.")
        demo.result.created["oversight grants"] += 1


def order_removal(demo) -> None:
    """The inquiry, the order and the answers, once (the point's removal, if already ordered
    by a demo of before, is left as it was)."""
    org = demo.orgs.get(NANJING)
    point = CollectionPoint.objects.filter(organisation=org, name="Sales office entrance cameras").first()
    if point is None or ErasureOrder.objects.filter(point=point).exists() or OversightOrder.objects.filter(
            organisation=org).exists():
        return
    regulator = Regulator.objects.get(user=demo.users["nanjing.cac"])
    owner, officer = demo.users["nanjing.owner"], demo.users["nanjing.officer"]
    at = demo.real_now
    with time_machine.travel(at - timedelta(days=9), tick=False):
        inquiry = oversight_orders.send(org, regulator=regulator, kind=OversightOrder.Kind.INQUIRY, text=INQUIRY,
                                        reference="NJCAC-2026-009")
    with time_machine.travel(at - timedelta(days=8), tick=False):
        oversight_orders.acknowledge(inquiry, by=officer)
    with time_machine.travel(at - timedelta(days=7), tick=False):
        oversight_orders.answer(inquiry, by=owner, text=INQUIRY_ANSWER)
    with time_machine.travel(at - timedelta(days=5), tick=False):
        order = oversight_orders.send(org, regulator=regulator, kind=OversightOrder.Kind.REMOVE_SCANNERS, text=ORDER,
                                      point=point, reference=ORDER_REFERENCE)
        while erasure.run_next_chunk(order.erasure_order_id):  # the worker's run (eager while seeding: done)
            pass
    order.refresh_from_db()
    with time_machine.travel(at - timedelta(days=4), tick=False):
        oversight_orders.acknowledge(order, by=officer)
    certificate = order.erasure_order.certificate
    with time_machine.travel(at - timedelta(days=3), tick=False):
        oversight_orders.answer(order, by=owner, text=ORDER_ANSWER,
                                certificate_number=certificate.number if certificate else "")
    demo.result.created["oversight orders"] += 2
    demo.result.created["erasure orders"] += 1
