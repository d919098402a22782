"""Periodic sweeps: deadline reminders, re-queueing lost work, expiry, contact purge."""


def sweep_deadlines() -> int:
    raise NotImplementedError


def requeue_stale_work() -> dict:
    raise NotImplementedError


def expire_unverified() -> int:
    raise NotImplementedError


def purge_closed_contacts() -> int:
    raise NotImplementedError
