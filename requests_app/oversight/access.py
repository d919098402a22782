"""The gate of every regulator's page: signed in, second factor passed, a regulator; under
/oversight/<slug>/ a grant in force over that organisation, else 404 (the page does not
confirm that the organisation exists). The view gets the grant; what it shows is recorded
(orgs.oversight.record_access) once it has been rendered, with the reference the view put
in `request.viewed` (a request reference, a certificate or order number; never personal data).
Responses are never cached.
"""

import functools

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, resolve_url
from django.utils import timezone
from django.views.decorators.cache import never_cache

from orgs import oversight
from orgs.accounts.second_factor import second_factor_pending, second_factor_url


def _gate(request):
    """None if the regulator may go on, else the response that stops them."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
    if second_factor_pending(user):
        return redirect(second_factor_url(user, request.get_full_path()))
    request.regulator = oversight.regulator_of(user)
    if request.regulator is None:
        raise Http404
    return None


def regulator_view(view):
    """A page of the regulator's own (the list of organisations): `view(request)`."""
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        return _gate(request) or view(request, *args, **kwargs)

    return never_cache(wrapped)


def oversight_view(kind: str):
    """A page about one organisation: `view(request, grant, *args)`, recorded as `kind`."""
    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, slug, *args, **kwargs):
            stopped = _gate(request)
            if stopped is not None:
                return stopped
            grant = oversight.grant_for(request.user, slug)
            if grant is None:
                raise Http404
            request.viewed = ""
            with timezone.override(grant.organisation.time_zone):  # dates as the organisation counts them
                response = view(request, grant, *args, **kwargs)
            if response.status_code == 200:
                oversight.record_access(grant, request.user, kind, request.viewed)
            return response

        return never_cache(wrapped)

    return decorate
