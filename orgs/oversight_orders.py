"""Orders and inquiries from regulators (orgs/models/oversight_orders.py): sending one, and
every later status change as one declared step (`STEPS`), each writing its history row.

`send` is the arrival: it checks the input (words, a deadline not in the past, a collection
point of this organisation), writes the order and its first history row, and, for an order
to remove scanners, opens the decommissioning of the point (orgs.erasure.order_decommission,
citing the order) in the same transaction; after commit it queues that erasure order and
mails the organisation's owners and officers. The deadline defaults to a number of working
days on the organisation's calendar (`DEFAULT_WORKING_DAYS`).

`take` runs a step: it locks the row, checks the source status and, for a person, that
they are an owner or officer of the organisation, saves with update_fields and writes one
OversightOrderEvent. `answer` and `acknowledge` are the organisation's; `mark_overdue` the
deadline sweep's (orgs/oversight_reminders.py).
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs import calendars, erasure
from orgs.filing import add_working_days
from orgs.models import (
    CollectionPoint, ErasureCertificate, Membership, Organisation, OversightOrder, OversightOrderEvent,
)
from orgs.review_reminders import languages_for

logger = logging.getLogger(__name__)
Kind, Status, Role = OversightOrder.Kind, OversightOrder.Status, Membership.Role

# Working days the organisation has to answer, unless the regulator sets the date.
DEFAULT_WORKING_DAYS = {Kind.INQUIRY: 10, Kind.REMOVE_SCANNERS: 10, Kind.DELETE_DATA: 15,
                        Kind.PROVIDE_INFORMATION: 10, Kind.OTHER: 10}
ANSWERING = frozenset({Role.OWNER, Role.OFFICER})


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset
    target: str
    roles: frozenset  # who of the organisation may take it; empty: only the system (the sweep)
    label: object


STEPS = {step.name: step for step in (
    Step("acknowledge", frozenset({Status.SENT}), Status.ACKNOWLEDGED, ANSWERING, gettext_lazy("Acknowledge")),
    Step("answer", frozenset({Status.SENT, Status.ACKNOWLEDGED, Status.OVERDUE}), Status.ANSWERED, ANSWERING,
         gettext_lazy("Answer")),
    Step("mark_overdue", frozenset({Status.SENT, Status.ACKNOWLEDGED}), Status.OVERDUE, frozenset(),
         gettext_lazy("Deadline passed")),
)}


def today_at(organisation: Organisation, now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), organisation.time_zone).date()


def default_due_on(organisation: Organisation, kind: str, now: datetime | None = None) -> date:
    calendar = calendars.calendar_for(organisation.jurisdiction)
    return add_working_days(today_at(organisation, now), DEFAULT_WORKING_DAYS.get(kind, 10), calendar)


def due_at(organisation: Organisation, due_on: date) -> datetime:
    """The end of the due day where the organisation is."""
    return datetime.combine(due_on, time.max, tzinfo=organisation.time_zone)


def _check(organisation, *, kind, text, due_on, point, now) -> None:
    errors = {}
    if kind not in Kind.values:
        errors["kind"] = _("Choose what you are sending.")
    if not (text or "").strip():
        errors["text"] = _("Write the question or the order.")
    if due_on is not None and due_on < today_at(organisation, now):
        errors["due_on"] = _("The deadline cannot be in the past (the organisation's date).")
    if point is not None and point.organisation_id != organisation.pk:
        errors["point"] = _("Choose a collection point of this organisation.")
    elif kind == Kind.REMOVE_SCANNERS and point is None:
        errors["point"] = _("Name the collection point whose scanners are to be removed.")
    if errors:
        raise ValidationError(errors)


def send(organisation: Organisation, *, regulator, kind: str, text: str, due_on: date | None = None,
         point: CollectionPoint | None = None, reference: str = "", now: datetime | None = None) -> OversightOrder:
    """Send the organisation an order or inquiry from `regulator` (orgs.models.Regulator).
    Raises ValidationError on bad input, nothing written. Side effects after commit: the
    decommissioning queued (an order to remove scanners), the organisation mailed."""
    now = now or timezone.now()
    _check(organisation, kind=kind, text=text, due_on=due_on, point=point, now=now)
    due_on = due_on or default_due_on(organisation, kind, now)
    with transaction.atomic():
        order = OversightOrder.objects.create(
            organisation=organisation, authority_id=regulator.authority_id, sent_by=regulator.user, kind=kind,
            reference=reference.strip(), text=text.strip(), point=point if kind == Kind.REMOVE_SCANNERS else None,
            due_on=due_on, due_at=due_at(organisation, due_on), created_at=now)
        OversightOrderEvent.objects.create(order=order, step="send", to_status=Status.SENT, by=regulator.user, at=now)
        if kind == Kind.REMOVE_SCANNERS:
            work = erasure.order_decommission(point, reason=_decommission_reason(order), by=regulator.user)
            order.erasure_order = work
            order.save(update_fields=["erasure_order"])
            transaction.on_commit(lambda: _queue_erasure(work.pk), robust=True)
        transaction.on_commit(lambda: announce(order.pk), robust=True)
    return order


def _decommission_reason(order: OversightOrder) -> str:
    authority = order.authority
    return (f"Order {order.label} of {authority.name}{f' ({authority.name_zh})' if authority.name_zh else ''}: "
            f"{order.text}")


def _queue_erasure(erasure_order_id: int) -> None:
    from orgs.tasks import run_erasure_order  # the tasks module imports the services

    run_erasure_order.delay(erasure_order_id)


def take(name: str, order: OversightOrder, *, by=None, now: datetime | None = None, **changes) -> OversightOrder:
    """Run step `name` on the order: ValidationError (code "state") from a status it does not
    leave, PermissionDenied for someone not an owner or officer of the organisation."""
    step = STEPS[name]
    with transaction.atomic():
        locked = OversightOrder.objects.select_for_update().select_related("organisation", "authority").get(
            pk=order.pk)
        if locked.status not in step.sources:
            raise ValidationError(_("This order is %(status)s: it cannot be changed that way now.")
                                  % {"status": locked.get_status_display()}, code="state")
        if step.roles and not Membership.objects.filter(user=by, organisation_id=locked.organisation_id,
                                                        role__in=step.roles).exists():
            raise PermissionDenied
        before = locked.status
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.status = step.target
        locked.save(update_fields=["status", *changes])
        OversightOrderEvent.objects.create(order=locked, step=name, from_status=before, to_status=step.target,
                                           by=by, at=now or timezone.now())
    return locked


def acknowledge(order: OversightOrder, *, by) -> OversightOrder:
    return take("acknowledge", order, by=by)


def answer(order: OversightOrder, *, by, text: str, certificate_number: str = "",
           now: datetime | None = None) -> OversightOrder:
    """Answer the order, citing (optionally) a certificate of the organisation by its number."""
    errors, certificate = {}, None
    if not (text or "").strip():
        errors["text"] = _("Write the answer.")
    number = (certificate_number or "").strip()
    if number:
        certificate = ErasureCertificate.objects.filter(organisation_id=order.organisation_id, number=number).first()
        if certificate is None:
            errors["certificate"] = _("No certificate of this organisation has that number.")
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    answered = take("answer", order, by=by, now=now, answer=text.strip(), answer_certificate=certificate,
                    answered_at=now, answered_by=by)
    transaction.on_commit(lambda: tell_regulator(answered.pk), robust=True)
    return answered


# --- the mail that announces an order -----------------------------------------------------------


def recipients_for(organisation: Organisation, roles=ANSWERING) -> list[str]:
    from django.contrib.auth import get_user_model

    addresses = list(get_user_model().objects.filter(
        memberships__organisation=organisation, memberships__role__in=list(roles), is_active=True)
        .exclude(email="").order_by("pk").values_list("email", flat=True).distinct())
    return addresses or [organisation.contact_email]


def words(order: OversightOrder) -> dict:
    organisation = order.organisation
    return {"authority": order.authority.local_name, "organisation": organisation.local_name,
            "kind": order.get_kind_display(), "label": order.label, "zone": str(organisation.time_zone),
            "due": date_format(order.due_on, "DATE_FORMAT"), "site": settings.SITE_URL.rstrip("/")}


def compose_bilingual(order: OversightOrder, compose_in) -> tuple[str, str]:
    """The organisation's languages, its own first (orgs/review_reminders.py languages_for)."""
    subjects, parts = [], []
    for language in languages_for(order.organisation):
        with translation.override(language):
            subject, text = compose_in(order)
        subjects.append(subject)
        parts.append(text)
    return " / ".join(subjects)[:300], "\n\n——————————\n\n".join(parts) + "\n"


def _arrival_in(order: OversightOrder) -> tuple[str, str]:
    w = words(order)
    subject = _("%(kind)s from %(authority)s: answer by %(due)s (%(organisation)s)") % w
    lines = [_("%(authority)s has sent %(organisation)s an order or inquiry (%(label)s): %(kind)s.") % w,
             order.text,
             _("Answer by %(due)s (%(zone)s) on the desk: %(site)s/desk/oversight/") % w]
    if order.erasure_order_id:
        lines.insert(2, _("The removal of the collection point has been opened: its records are being erased and "
                          "its devices will be retired; the certificate follows when it is done."))
    return subject, "\n\n".join(lines)


def announce(order_id: int) -> None:
    """Mail the organisation's owners and officers that the order arrived (after commit)."""
    order = OversightOrder.objects.select_related("organisation", "authority").get(pk=order_id)
    subject, text = compose_bilingual(order, _arrival_in)
    try:
        EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, recipients_for(order.organisation)).send()
    except Exception:  # noqa: BLE001 - the order stands; the desk shows it and the reminders follow
        logger.warning("oversight order %s: arrival mail not sent", order_id, exc_info=True)


def _answer_in(order: OversightOrder) -> tuple[str, str]:
    w = {**words(order), "slug": order.organisation.slug, "id": order.pk}
    subject = _("%(organisation)s answered %(label)s") % w
    lines = [_("%(organisation)s has answered your order or inquiry %(label)s (%(kind)s).") % w, order.answer]
    if order.answer_certificate_id:
        lines.append(_("Certificate cited: %(number)s") % {"number": order.answer_certificate.number})
    lines.append(_("Read it, with its history: %(site)s/oversight/%(slug)s/orders/%(id)s/") % w)
    return subject, "\n\n".join(lines)


def tell_regulator(order_id: int) -> None:
    """Mail the regulator who sent the order, and its authority's contact, that the
    organisation answered (after commit; the answer stands whether or not the mail goes)."""
    order = OversightOrder.objects.select_related("organisation", "authority", "sent_by",
                                                  "answer_certificate").get(pk=order_id)
    recipients = list(dict.fromkeys(a for a in ((order.sent_by.email if order.sent_by else ""),
                                                order.authority.contact_email) if a))
    if not recipients:
        return
    subject, text = compose_bilingual(order, _answer_in)
    try:
        EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, recipients).send()
    except Exception:  # noqa: BLE001 - the regulator's order page shows the answer regardless
        logger.warning("oversight order %s: answer mail not sent", order_id, exc_info=True)
