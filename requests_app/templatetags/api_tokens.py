"""The account page's API-token section (templates/registration/account.html).

A tag rather than the account view's context, so the page's view (orgs/accounts/account.py)
knows nothing of API tokens, which are this app's (requests_app/api/token_views.py).
"""

from django import template

from requests_app.api.token_views import ApiTokenForm
from requests_app.api.tokens import tokens_of

register = template.Library()


@register.inclusion_tag("api/account_tokens.html", takes_context=True)
def api_tokens_section(context) -> dict:
    """The member's tokens, the form to issue one (with its errors after a bad POST), and a
    token just issued (`new_token`, shown this once)."""
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "api_tokens": tokens_of(context["user"]),
        "token_form": context.get("token_form") or ApiTokenForm(),
        "new_token": context.get("new_token", ""),
        "current": context.get("current"),
        "now": context.get("now"),
    }
