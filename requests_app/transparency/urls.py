from django.urls import path

from requests_app.transparency import views

app_name = "log"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("checkpoint", views.checkpoint, name="checkpoint"),
    path("checkpoints", views.checkpoints, name="checkpoints"),
    path("heads/<int:size>", views.head, name="head"),
    path("key", views.key, name="key"),
    path("proof/consistency", views.consistency, name="consistency"),
    path("proof/inclusion", views.inclusion, name="inclusion"),
]
