import os

from celery import Celery
from celery.schedules import crontab
from kombu.transport import TRANSPORT_ALIASES

# `filesystem://` (the embedded set-up's broker) with messages written atomically (config/broker.py).
TRANSPORT_ALIASES["filesystem"] = "config.broker:Transport"
# `redis://` and `rediss://` with a channel that closes whole after Redis died (config/broker.py).
TRANSPORT_ALIASES["redis"] = TRANSPORT_ALIASES["rediss"] = "config.broker:RedisTransport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rightsdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The whole periodic schedule, in one place. django-celery-beat's DatabaseScheduler
# copies it into the database, where an administrator can see and pause each entry.
app.conf.beat_schedule = {
    # The transparency log's sequencer: every event is under a signed head within half a minute
    # (sooner when a proof is asked for: proofs integrate what waits).
    "integrate-log": {"task": "requests.integrate_log", "schedule": 30.0},
    "sweep-deadlines": {"task": "requests.sweep_deadlines", "schedule": 300.0},
    "requeue-stale-work": {"task": "requests.requeue_stale_work", "schedule": 60.0},
    "flag-silent-webhooks": {"task": "requests.flag_silent_webhooks", "schedule": 900.0},
    # Often, not daily: an unverified request must close before its due instant, which is
    # the end of a day in the organisation's own time zone, wherever that is.
    "expire-unverified": {"task": "requests.expire_unverified", "schedule": 900.0},
    "sweep-pauses": {"task": "requests.sweep_pauses", "schedule": 900.0},
    "purge-closed-contacts": {"task": "requests.purge_closed_contacts", "schedule": crontab(hour=2, minute=20)},
    "recount-covered-calendars": {"task": "requests.recount_covered_calendars", "schedule": 3600.0},
    "enforce-retention": {"task": "orgs.enforce_retention", "schedule": crontab(hour=2, minute=30)},
    # Hourly: a review brought forward by a change (orgs/register.py) is told within the hour.
    "remind-assessment-reviews": {"task": "orgs.remind_assessment_reviews", "schedule": 3600.0},
    # What waits on device receipts already in, if the process that took them died before moving on.
    "settle-device-receipts": {"task": "requests.settle_device_receipts", "schedule": 300.0},
    # Hourly: the filing threshold's count (Measures art. 15), its obligations, their reminders.
    "check-filings": {"task": "orgs.check_filings", "schedule": 3600.0},
    # Hourly: regulators' orders and inquiries near or past their deadline (orgs/oversight_reminders.py).
    "remind-oversight-orders": {"task": "orgs.remind_oversight_orders", "schedule": 3600.0},
}
