"""Which printable documents a case has, for the desk's and the case file's links.

`documents_of` takes a request the view already found through the desk's scoping; the
filter reads the case file's event list and touches no database.
"""

from django import template

from requests_app.cases import documents

register = template.Library()


@register.simple_tag
def documents_of(rights_request) -> list[str]:
    return documents.available(rights_request)


@register.filter
def document_names(events, has_certificate=False) -> list[str]:
    actions = {event.get("action") for event in events}
    names = ["certificate"] if has_certificate else []
    return names + documents.letters_for(actions)
