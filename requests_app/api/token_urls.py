"""The account page's API-token actions, included under /accounts/ (config/urls.py).

Plain names, as orgs/urls.py's: the account template finds them by `create_api_token`
and `revoke_api_token`.
"""

from django.urls import path

from requests_app.api import token_views

urlpatterns = [
    path("api-tokens/", token_views.create_api_token, name="create_api_token"),
    path("api-tokens/<int:token_id>/revoke/", token_views.revoke_api_token, name="revoke_api_token"),
]
