"""A path with a NUL character in it names nothing: a 404 before any view runs.

Django's `str` and `slug`-free converters let %00 through, and PostgreSQL refuses NUL in
any text it compares (a DataError, a 500) wherever such a value reaches a query: a
reference, a status-link token, a lookup of the API. Forms and serializers already
refuse NUL in what is posted (ProhibitNullCharactersValidator); this covers the path.
"""

from django.http import Http404


class NulInPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            raise Http404  # answered by handler404: the site's page, or the API's JSON under /api/
        return self.get_response(request)
