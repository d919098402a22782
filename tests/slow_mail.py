"""A file-based mail backend that takes its time, as an SMTP server far away does.

Worker tests that kill the broker use it so that tasks are still running when the
connection goes: the case where a late acknowledgement meets a connection already torn down.
"""

import time

from django.core.mail.backends.filebased import EmailBackend

DELAY = 0.25  # seconds per batch of messages


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(DELAY)
        return super().send_messages(email_messages)
