"""The site's URLs and one page that fails, to see the 500 page as a person would."""

from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def broken_page(request):
    raise RuntimeError("a bug on the server")


urlpatterns = [*site_urlpatterns, path("broken/", broken_page)]
