#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A setting missing or wrong is the operator's to fix: say which, not a traceback.
        hint = " (the embedded set-up of `make run` runs with DEBUG=1)" if not os.environ.get("DEBUG") else ""
        sys.exit(f"Rightsdesk is not configured: {exc}{hint}.")


if __name__ == "__main__":
    main()
