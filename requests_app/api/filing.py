"""The filing threshold for the organisation's owners (GET /api/v1/filing/, read only;
Measures art. 15, orgs/filing.py): whether the Measures apply, the live count of distinct
people whose face data is stored, the threshold, and every filing obligation with its due
date. Marking one filed is done on the desk (/desk/filing/). Scoped like the rest of the
owner's API: anyone but an owner of the organisation gets 404."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs import filing
from orgs.models import FilingObligation
from requests_app.api.owner import READ_ERRORS
from requests_app.api.permissions import Owner, acting_membership


class FilingObligationSerializer(serializers.ModelSerializer):
    why = serializers.SerializerMethodField(help_text=_("Why it was opened, in the request's language."))
    working_days_left = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = FilingObligation
        fields = ["id", "kind", "trigger", "why", "people_counted", "opened_at", "due_at", "working_days_left",
                  "overdue", "status", "filed_at", "reference", "closed_at", "people_when_closed"]

    def get_why(self, obligation) -> list[str]:
        return filing.describe(obligation)

    def get_working_days_left(self, obligation) -> int | None:
        return filing.days_left(obligation) if obligation.is_open else None

    def get_overdue(self, obligation) -> bool:
        return obligation.is_overdue()


class FilingSerializer(serializers.Serializer):
    applies = serializers.BooleanField(help_text=_("Whether the Measures apply: organisations under Chinese law."))
    people = serializers.IntegerField(allow_null=True, help_text=_("Distinct people whose face data is stored."))
    threshold = serializers.IntegerField()
    counted_at = serializers.DateTimeField()
    obligations = FilingObligationSerializer(many=True)


class FilingView(APIView):
    permission_classes = [Owner]

    @extend_schema(operation_id="filing", summary=_("The filing threshold: count and obligations"),
                   responses={200: FilingSerializer, **READ_ERRORS})
    def get(self, request):
        organisation = acting_membership(request).organisation
        applies = filing.applies(organisation)
        obligations = (FilingObligation.objects.filter(organisation=organisation).select_related("organisation")
                       .order_by("-opened_at", "-pk"))
        data = {"applies": applies, "people": filing.people_count(organisation) if applies else None,
                "threshold": filing.THRESHOLD, "counted_at": timezone.now(), "obligations": obligations}
        return Response(FilingSerializer(data).data)
