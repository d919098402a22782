"""The account page's API tokens: issue one (shown once) and revoke one's own.

The page itself is orgs' (`account` in orgs/accounts/account.py); its token section is
rendered by the `api_tokens_section` tag (requests_app/templatetags/api_tokens.py), so orgs never
imports this app. The URLs keep their place under /accounts/ (token_urls.py).
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from orgs.accounts.account import account
from orgs.accounts.second_factor import member_required
from requests_app.api.tokens import issue_token, revoke_token


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_l("Token name"), max_length=100,
                           help_text=_l("What the token is for, e.g. “queue dashboard script”."))


@require_POST
@member_required
def create_api_token(request):
    """A new API token acting in the current organisation, shown once on the page itself."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return account(request, token_form=form)
    _token, raw = issue_token(request.membership, name=form.cleaned_data["name"])
    return account(request, new_token=raw)  # shown this once: only its hash is kept


@require_POST
@member_required
def revoke_api_token(request, token_id: int):
    """Revoke one of one's own tokens (404 for anyone else's)."""
    if not revoke_token(request.user, token_id):
        raise Http404
    messages.success(request, _("The token is revoked; it no longer works."))
    return redirect("account")
