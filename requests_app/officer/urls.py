"""The privacy officers' desk: queue, case pages, dashboard, exports (namespace "desk")."""

from django.urls import path  # noqa: F401

app_name = "desk"

urlpatterns: list = []
