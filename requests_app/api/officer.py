"""The officers' API: the queue, one request with its history, every registered step
(requests_app/workflow/steps.py) as a POST, the manual fulfilment tasks, the dashboard.
Views parse, make ONE step (or selector) call and render; the rules decide what is
allowed (a refusal is 409 or 403 through requests_app/api/errors.py), the selectors
decide what is visible (another organisation's reference is 404)."""

import uuid

from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.pagination import BasePagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from requests_app.actors import member
from requests_app.api import serializers as s
from requests_app.api.permissions import AnyMember, DeskMember, DeskStepTaker, acting_membership
from requests_app.cases import selectors
from requests_app.desk.dashboard import dashboard_figures
from requests_app.desk.filters import QueueFilter
from requests_app.desk.pagination import DEFAULT_SORT, PER_PAGE, paginate
from requests_app.fulfilment import manual
from requests_app.models import FulfilmentTask, RightsRequest
from requests_app.workflow import steps

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


# The API's paths before the desk and the API took one name per step (workflow/steps.py):
# still answered, the same step, marked deprecated in the schema (README, "The REST API").
FORMER_PATHS = {"message": "message_subject", "note": "add_note"}


def _step(name: str, *, former: str = ""):
    """The POST of one step of workflow.steps.OFFICER_STEPS (at its former path, if given):
    the rule refuses first, before any input is read (403 for the role, 409 for the state),
    then the input (400), then the one step (the workflow checks again, under the lock)."""
    step, input_class = steps.OFFICER_STEPS[name], s.INPUT_FOR[name]
    output_class = s.OUTPUT_FOR.get(name, s.RequestDetailSerializer)

    def post(self, request, reference=None):
        rr, membership = self.get_object(), acting_membership(request)
        step.check(membership.role, rr.status)
        data = input_class(data=request.data, context={"rr": rr, "membership": membership})
        data.is_valid(raise_exception=True)
        result = step.run(rr, member(request.user), data.validated_data)
        if name in s.OUTPUT_FOR:
            return Response(output_class(result).data)
        return Response(s.RequestDetailSerializer(self.get_object()).data)

    path = former or step.api_path
    post.__name__ = f"{former}_former_path" if former else name  # DRF: the attribute's name
    files = {"parser_classes": [MultiPartParser, FormParser]} if s.takes_files(input_class) else {}
    post = action(detail=True, methods=["post"], url_path=path, url_name=path, **files)(post)
    summary = format_lazy(_("Deprecated: the former path of {step}, which does the same. {help}"), step=step.api_path,
                          help=step.help) if former else step.help
    return extend_schema(operation_id=f"requests_{path.replace('-', '_')}", summary=summary, deprecated=bool(former),
                         request=input_class, responses={200: output_class, **WRITE_ERRORS})(post)


class RequestViewSet(viewsets.GenericViewSet):
    """The requests of the acting organisation, and a POST per step (owners and officers;
    auditors read, and may take the one step their role has: reveal the contact details)."""

    permission_classes = [DeskStepTaker]
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


# One POST per registered step, none listed here (DRF finds them as the viewset's actions).
for _name in steps.OFFICER_STEPS:
    setattr(RequestViewSet, _name, _step(_name))
for _former, _name in FORMER_PATHS.items():
    setattr(RequestViewSet, f"{_former}_former_path", _step(_name, former=_former))


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
