"""/v1/: the Data Rights Protocol's paths, as the specification names them (config/urls.py)."""

from django.urls import path, re_path

from requests_app.drp import views

app_name = "drp"

urlpatterns = [
    path("agent/<str:agent_id>", views.agent, name="agent"),
    # DRP 0.9.3 deprecated the trailing slash; kept at the implementer's option (DRP 2.01 note).
    re_path(r"^data-rights-request/?$", views.exercise, name="exercise"),
    path("data-rights-request/<str:request_id>", views.data_rights_request, name="request"),
]
