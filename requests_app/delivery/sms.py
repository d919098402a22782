"""Text messages through a pluggable backend, like Django's mail backends.

SMS_BACKEND names a class with send(to, body). The console backend (development)
prints to standard output; the locmem backend (tests) keeps messages in `outbox`.
A production deployment points SMS_BACKEND at a class that calls its provider.
"""

import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


outbox: list[TextMessage] = []


class ConsoleBackend:
    def send(self, to: str, body: str) -> None:
        sys.stdout.write(f"SMS to {to}: {body}\n")
        sys.stdout.flush()


class LocmemBackend:
    def send(self, to: str, body: str) -> None:
        outbox.append(TextMessage(to, body))


class UnconfiguredBackend:
    """Production's default: refuse, rather than print a code where logs are kept."""

    def send(self, to: str, body: str) -> None:
        raise RuntimeError("SMS_BACKEND is not configured: set it to your provider's backend")


def send_sms(to: str, body: str) -> None:
    import_string(settings.SMS_BACKEND)().send(to, body)
