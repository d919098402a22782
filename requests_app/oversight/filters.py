"""The regulator's filters of an organisation's requests: the desk queue's (status, kind,
due within, overdue, received between, sort), without those about the organisation's own
people (assignee, "mine") or searching for a person."""

from types import SimpleNamespace

from requests_app.cases import deadlines
from requests_app.desk.filters import QueueFilter
from requests_app.models import RightsRequest

NOT_FOR_REGULATORS = ("q", "assignee", "mine", "jurisdiction", "no_calendar")


class OversightQueueFilter(QueueFilter):
    def __init__(self, data=None, *args, organisation, **kwargs):
        super().__init__(data, *args, membership=None, **kwargs)
        for name in NOT_FOR_REGULATORS:
            self.filters.pop(name)
        # Dates are the organisation's (QueueFilter reads the zone from its membership).
        self.membership = SimpleNamespace(organisation=organisation)
        policy = deadlines.get_policy(organisation.jurisdiction)
        kind = self.filters["kind"]
        kind.extra["choices"] = [(code, label) for code, label in RightsRequest.Kind.choices
                                 if deadlines.offers_kind(policy, code)]
        kind.__dict__.pop("_field", None)
