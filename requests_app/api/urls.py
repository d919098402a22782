"""/api/v1/: officers' tools, citizens' apps and other systems (namespace "api")."""

from django.urls import path  # noqa: F401

app_name = "api"

urlpatterns: list = []
