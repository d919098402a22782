from django.urls import path

from requests_app.fulfilment import hooks, task_views

app_name = "requests_app"

urlpatterns: list = [
    path("hooks/fulfilment/<uuid:public_id>/", hooks.fulfilment_callback, name="fulfilment_callback"),
    path("tasks/", task_views.task_list, name="task_list"),
    path("tasks/<uuid:public_id>/", task_views.task_confirm, name="task_confirm"),
]
