from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from csp.decorators import csp_replace
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

admin.site.site_header = _("Rightsdesk administration")
admin.site.site_title = "Rightsdesk"

# Uploaded files are never served from MEDIA_URL: each download checks who asks.
urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("orgs.urls")),  # before Django's: its sign-in (lock-out, second factor) wins
    path("accounts/", include("requests_app.api.token_urls")),  # the account page's API tokens
    path("accounts/", include("django.contrib.auth.urls")),
    path("desk/", include("requests_app.desk.urls")),
    path("oversight/", include("requests_app.oversight.urls")),
    path("api/v1/", include("requests_app.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI: its start-up script is a separate file (the split view), so only its
    # page's own <style> block needs an exception from the site-wide policy.
    path("api/docs/", csp_replace({"style-src": ["'self'", "'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("log/", include("requests_app.transparency.urls")),
    # The Data Rights Protocol 1.0 (requests_app/drp/): its paths are the specification's.
    path("v1/", include("requests_app.drp.urls")),
    path("", include("requests_app.urls")),
    path("", include("requests_app.public.urls")),
]

# Under /api/ a path no route matches is a JSON 404 like any other API error.
handler404 = "requests_app.api.errors.not_found"
