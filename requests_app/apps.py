from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = _("Rights requests")

    def ready(self):
        # Register the Celery tasks in every process, web included: requests_app.broker
        # publishes them by name rather than importing them.
        from requests_app import tasks  # noqa: F401
