from django.urls import path

app_name = "requests_app"

urlpatterns: list = []
