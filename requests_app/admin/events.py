"""The audit record in the admin: each request's events, in the desk's words and as stored.

An event is shown first as the desk tells it (what happened, by whom), then field by
field as it was hashed into the request's chain, with its sealed texts opened beside the
stored envelopes. Nothing here can be added, changed or deleted. The request's own page
(rights_requests.py) shows the same words in its timeline.
"""

import json

from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from orgs.admin.shared import ViewOnlyMixin
from orgs.admin.times import zoned_times
from requests_app.cases import selectors
from requests_app.models import RequestEvent


def compact_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "), cls=DjangoJSONEncoder)


def event_in_words(event) -> str:
    """What happened, in the desk's own words (templates/desk/_event.html), not its code."""
    selectors._label_events([event])  # the assignee's name rather than their id
    return mark_safe(render_to_string("desk/_event.html", {"event": event}).strip())  # noqa: S308 - escaped


def actor_in_words(event) -> str:
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    return {"subject": _("the requester"), "system": _("the system")}.get(event.actor_kind, event.actor_kind)


@admin.register(RequestEvent)
@zoned_times("created_at", model=RequestEvent)
class RequestEventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    # The audit record itself: its words first, then the raw fields the hash covers.
    list_display = ("request", "seq", "what", "by", "from_status", "to_status", "created_at")
    list_filter = ("action", "actor_kind", "to_status", "visible_to_subject")
    search_fields = ("request__reference",)
    list_select_related = ("request__organisation", "actor")
    date_hierarchy = "created_at"
    actions = None
    fields = readonly_fields = (
        "request", "seq", "what", "by", "action", "actor", "actor_kind", "from_status", "to_status", "opened",
        "data", "visible_to_subject", "created_at", "prev_hash", "hash",
    )

    @admin.display(description=_("details, sealed texts opened"))
    def opened(self, event):
        # `data` below is the record as stored and hashed: sealed texts are envelopes there.
        return compact_json(event.opened)

    @admin.display(description=_("what happened"))
    def what(self, event):
        return event_in_words(event)

    @admin.display(description=_("by"))
    def by(self, event):
        return actor_in_words(event)
