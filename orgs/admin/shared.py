"""What several admins share, in orgs and in requests_app: finding a person's rows by
typing an identifier, pages that may only be viewed, and webhook URLs read as https."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from orgs.identifiers import IdentifierKind, identifier_hash, normalise


def identifier_hashes_for(term: str, kinds=tuple(IdentifierKind)) -> dict[str, str]:
    """{kind: hash} for every identifier kind the search term is a valid value of."""
    hashes = {}
    for kind in kinds:
        try:
            hashes[kind.value] = identifier_hash(kind, normalise(kind, term))
        except ValidationError:
            continue
    return hashes


class IdentifierSearchMixin:
    """Find a person's rows by typing their email, phone or number.

    The term is normalised and hashed as intake does, then matched against the
    `*_hash` columns; those columns are never in search_fields, where a substring of a
    hash means nothing. Only indexed hash columns are listed, so a search stays cheap.
    """

    identifier_kinds = tuple(IdentifierKind)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        condition = Q()
        for kind, value in identifier_hashes_for(search_term.strip(), self.identifier_kinds).items():
            condition |= Q(**{f"{kind}_hash": value})
        if search_term.strip() and condition:
            results |= queryset.filter(condition)
        return results, may_have_duplicates


class ViewOnlyMixin:
    """View permission only: no add, no change, no delete (so no bulk delete action)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# A webhook URL typed without a scheme is meant as https (and Django 6 will assume it).
WEBHOOK_HTTPS = {models.URLField: {"assume_scheme": "https"}}
