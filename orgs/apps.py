from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("Organisations")

    def ready(self):
        # Register the Celery tasks in every process, web included: requests_app's
        # re-queue sweep names orgs.run_erasure_order rather than importing it.
        from orgs import tasks  # noqa: F401
