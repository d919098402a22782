"""The officers' API: the queue, one request with its history, every workflow step as a
POST, the manual fulfilment tasks, the dashboard. Views parse, make ONE workflow (or
selector) call and render; the workflow decides what is allowed (a refusal is 409 or
403 through requests_app/api/errors.py), the selectors decide what is visible (another
organisation's reference is 404)."""

import uuid
from collections.abc import Callable

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from requests_app import workflow
from requests_app.actors import member
from requests_app.api import serializers as s
from requests_app.api.permissions import AnyMember, DeskMember, acting_membership
from requests_app.cases import selectors
from requests_app.desk.dashboard import dashboard_figures
from requests_app.desk.filters import QueueFilter
from requests_app.desk.pagination import DEFAULT_SORT, PER_PAGE, paginate
from requests_app.fulfilment import manual
from requests_app.models import FulfilmentTask, RightsRequest

E = s.ErrorSerializer
READ_ERRORS = {401: E, 404: E}
WRITE_ERRORS = {400: E, 401: E, 403: E, 404: E, 409: E}


class QueueFilterBackend(DjangoFilterBackend):
    """The desk's QueueFilter, given the acting membership (its assignee choices, `mine`)."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "membership": acting_membership(request)}


class QueueCursorPagination(BasePagination):
    """The desk's keyset pagination (desk/pagination.py), in the queue's chosen order."""

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        # The queue's `sort` (validated by QueueFilter; an unknown one is the default order).
        self.page = paginate(queryset, request.query_params.get(self.cursor_query_param), PER_PAGE,
                             sort=request.query_params.get("sort") or DEFAULT_SORT)
        return self.page.rows

    def _link(self, cursor):
        if cursor is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response({"next": self._link(self.page.next_cursor),
                         "previous": self._link(self.page.previous_cursor), "results": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {"type": "object", "required": ["results"],
                "properties": {"next": link, "previous": link, "results": schema}}

    def get_schema_operation_parameters(self, view):
        return [{"name": self.cursor_query_param, "required": False, "in": "query",
                 "description": str(_("The cursor of the page (from `next` or `previous`).")),
                 "schema": {"type": "string"}}]


# What each POST on a request runs: its input serializer and its one workflow call.
Run = Callable[[RightsRequest, object, dict], None]
STEPS: dict[str, tuple[type[s.StepInput], Run, str]] = {
    "assign": (s.AssignInput, lambda rr, a, d: workflow.assign(rr, actor=a, assignee=d["assignee"]),
               _("Assign to an owner or officer (a verified request moves to review).")),
    "verify": (s.VerifyInput, lambda rr, a, d: workflow.verify_identity(
        rr, actor=a, check_performed=d["check_performed"]), _("Verify the identity by hand.")),
    "verify-power-of-attorney": (s.PowerOfAttorneyInput, lambda rr, a, d: workflow.verify_power_of_attorney(
        rr, actor=a, attachment=d["attachment"], check_performed=d["check_performed"]),
        _("Verify an agent's request on the power of attorney attached to it.")),
    "verify-next-of-kin": (s.NextOfKinCheckInput, lambda rr, a, d: workflow.verify_next_of_kin(
        rr, actor=a, death_checked=d["death_checked"], relationship_checked=d["relationship_checked"],
        arranged_otherwise=d["arranged_otherwise"], check_performed=d["check_performed"]),
        _("Verify a relative's request for a deceased person after checking the evidence (PIPL art. 49).")),
    "ask-info": (s.AskInfoInput, lambda rr, a, d: workflow.ask_for_information(
        rr, actor=a, question=d["question"], reason=d.get("reason", "")),
                 _("Ask the requester for information (the clock pauses where the law allows).")),
    "extend": (s.ExtendInput, lambda rr, a, d: workflow.extend(rr, actor=a, reason=d["reason"]),
               _("Extend the deadline where the law allows.")),
    "approve": (s.ApproveInput, lambda rr, a, d: workflow.approve(rr, actor=a, note=d["note"]), _("Approve.")),
    "refuse": (s.RefuseInput, lambda rr, a, d: workflow.refuse(
        rr, actor=a, reason=d["reason"], legal_ground=d["legal_ground"]), _("Refuse, with reason and legal ground.")),
    "start-fulfilment": (s.EmptyInput, lambda rr, a, d: workflow.start_fulfilment(rr, actor=a),
                         _("Start fulfilment: one task per data system.")),
    "finish-fulfilment": (s.EmptyInput, lambda rr, a, d: workflow.finish_fulfilment(rr, actor=a),
                          _("Finish fulfilment once every task is done.")),
    "message": (s.BodyInput, lambda rr, a, d: workflow.message_subject(rr, actor=a, body=d["body"]),
                _("Write to the requester.")),
    "note": (s.BodyInput, lambda rr, a, d: workflow.add_note(rr, actor=a, body=d["body"]),
             _("Add an internal note (never shown to the requester).")),
    "assess-claim": (s.AssessInput, lambda rr, a, d: workflow.assess_claim(
        d["claim"], actor=a, basis=d["basis"], amount_minor=d["amount_minor"], note=d["note"]),
        _("Assess the compensation claim.")),
    "offer-compensation": (s.OfferInput, lambda rr, a, d: workflow.offer_compensation(
        d["claim"], actor=a, amount_minor=d["amount_minor"]), _("Offer compensation.")),
    "record-payment": (s.PaymentInput, lambda rr, a, d: workflow.record_payment(
        d["claim"], actor=a, amount_minor=d["amount_minor"], reference=d["reference"],
        difference_reason=d["difference_reason"]),
        _("Record the payment of the accepted offer (a different amount needs difference_reason).")),
    "close-claim": (s.CloseClaimInput, lambda rr, a, d: workflow.close_claim(d["claim"], actor=a, note=d["note"]),
                    _("Close a declined claim without a new offer.")),
}


def _step(name: str):
    input_class, run, summary = STEPS[name]

    def step(self, request, reference=None):
        rr = self.get_object()
        data = input_class(data=request.data, context={"rr": rr, "membership": acting_membership(request)})
        data.is_valid(raise_exception=True)
        run(rr, member(request.user), data.validated_data)
        return Response(s.RequestDetailSerializer(self.get_object()).data)

    step.__name__ = name.replace("-", "_")
    step = action(detail=True, methods=["post"], url_path=name, url_name=name)(step)
    return extend_schema(operation_id=f"requests_{step.__name__}", summary=summary, request=input_class,
                         responses={200: s.RequestDetailSerializer, **WRITE_ERRORS})(step)


class RequestViewSet(viewsets.GenericViewSet):
    """The requests of the acting organisation (owners, officers; auditors read only)."""

    permission_classes = [DeskMember]
    queryset = RightsRequest.objects.none()  # the real one is get_queryset's, per membership
    serializer_class = s.RequestRowSerializer
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"
    filter_backends = [QueueFilterBackend]
    filterset_class = QueueFilter
    pagination_class = QueueCursorPagination

    def get_queryset(self):
        return selectors.queue_rows(selectors.requests_visible_to(acting_membership(self.request)))

    def get_object(self):
        return selectors.request_for(acting_membership(self.request), self.kwargs["reference"])

    @extend_schema(summary=_("The queue: filter, search (reference or requester's email), page by cursor. "
                             "No status chosen: the open requests."),
                   parameters=[OpenApiParameter("assignee", str, description=_(
                       "User id of an owner or officer, or `none` for requests nobody has yet."))],
                   responses={200: s.RequestRowSerializer(many=True), 400: E, **READ_ERRORS})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.RequestRowSerializer(page, many=True).data)

    @extend_schema(summary=_("One request with its claims, tasks and history."),
                   responses={200: s.RequestDetailSerializer, **READ_ERRORS})
    def retrieve(self, request, reference=None):
        return Response(s.RequestDetailSerializer(self.get_object()).data)

    assign = _step("assign")
    verify = _step("verify")
    verify_next_of_kin = _step("verify-next-of-kin")
    verify_power_of_attorney = _step("verify-power-of-attorney")
    ask_info = _step("ask-info")
    extend = _step("extend")
    approve = _step("approve")
    refuse = _step("refuse")
    start_fulfilment = _step("start-fulfilment")
    finish_fulfilment = _step("finish-fulfilment")
    message = _step("message")
    note = _step("note")
    assess_claim = _step("assess-claim")
    offer_compensation = _step("offer-compensation")
    record_payment = _step("record-payment")
    close_claim = _step("close-claim")


class FulfilmentTaskViewSet(viewsets.GenericViewSet):
    """Manual fulfilment tasks to confirm (selectors.tasks_to_confirm), in the acting organisation."""

    permission_classes = [AnyMember]
    queryset = FulfilmentTask.objects.none()
    serializer_class = s.TaskSerializer
    lookup_field = "public_id"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return selectors.tasks_to_confirm(self.request.user, acting_membership(self.request).organisation_id)

    def get_object(self):
        try:
            public_id = uuid.UUID(str(self.kwargs["public_id"]))
        except ValueError:
            raise Http404 from None
        # In any state, so that a task already done is refused by the workflow (409), not "not found".
        task = selectors.manual_tasks_for(self.request.user, acting_membership(self.request).organisation_id).filter(
            public_id=public_id
        ).first()
        if task is None:
            raise Http404
        return task

    @extend_schema(summary=_("The open manual tasks this member may confirm."),
                   responses={200: s.TaskSerializer(many=True), **READ_ERRORS})
    def list(self, request):
        return Response(s.TaskSerializer(self.get_queryset(), many=True).data)

    @extend_schema(operation_id="fulfilment_tasks_outcome", request=s.OutcomeInput,
                   summary=_("Record what became of the person's data in this manual system."),
                   responses={200: s.TaskSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="outcome", url_name="outcome")
    def outcome(self, request, public_id=None):
        task = self.get_object()
        data = s.OutcomeInput(data=request.data)
        data.is_valid(raise_exception=True)
        manual.confirm(task, request.user, **data.validated_data)
        return Response(s.TaskSerializer(self.get_object()).data)


class DashboardView(APIView):
    permission_classes = [DeskMember]

    @extend_schema(operation_id="dashboard", summary=_("The dashboard figures of the acting organisation."),
                   responses={200: s.DashboardSerializer, **READ_ERRORS})
    def get(self, request):
        figures = dashboard_figures(acting_membership(request).organisation, timezone.now())
        return Response(s.DashboardSerializer(figures).data)
