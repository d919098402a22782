"""The admin of orgs: organisations and their people, data systems and activities, the
vault's biometric records, erasure orders and certificates, webhooks and API tokens,
mail wordings, working-day calendars, the users (with the sign-in unlock) and their
passkeys, the register of collection points and devices with the impact assessments, and
the consent ledger (view only), the device connector, the filing obligations and the
transparency report's publication choice with its history (read only), and the regulators'
authorities, grants, views and orders.

Django's autodiscover imports this package, so it imports every module that registers
a ModelAdmin. `shared` and `times` hold what requests_app's admin uses too.

The admin site itself (RightsdeskAdminSite) and its AppConfig are in orgs/apps.py, not
here: they are loaded while the app registry is being filled, before models exist, and
this package imports models.
"""

from orgs.admin import (  # noqa: F401  (each registers its admins on import)
    organisations,
    processing,
    biometric_records,
    erasure_orders,
    api,
    mail_wordings,
    working_days,
    users,
    passkeys,
    register,
    devices,
    consent,
    filing,
    oversight,
    reports,
)
