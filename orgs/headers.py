"""`Cache-Control: no-store` for every page and download Rightsdesk renders.

Behind a status link (the requester's status page, its letters, certificate and
files), behind a sign-in (desk, tasks, admin, account) or carrying a form's CSRF
token, no page may be kept by a browser or a shared cache. Static files never reach
this middleware (WhiteNoise answers them first, with their own long cache).

A public page that wants caching may say so with `Cache-Control: public`; that is
honoured only for anonymous requests outside status links, whatever the view says.
"""

from __future__ import annotations

NO_STORE = "no-store"
# URL kwargs that are secrets handed to one person: a page under one is theirs alone.
SECRET_KWARGS = frozenset({"token", "submission", "public_id"})
PRIVATE_NAMESPACES = frozenset({"admin", "desk", "requests_app"})


def is_private(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    return bool(SECRET_KWARGS & set(match.kwargs)) or bool(PRIVATE_NAMESPACES & set(match.namespaces))


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        current = response.get("Cache-Control", "")
        if NO_STORE in current:
            return response  # never_cache's fuller header already says it
        if "public" in current and not is_private(request):
            return response
        response["Cache-Control"] = NO_STORE
        return response
