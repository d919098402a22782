"""The project as a whole: migrations in step with models, deploy checks, settings errors."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from orgs.models import Jurisdiction
from requests_app.cases import deadlines

ROOT = Path(__file__).resolve().parent.parent


def test_models_and_migrations_agree(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_every_jurisdiction_has_a_deadline_policy():
    assert set(Jurisdiction.values) == set(deadlines.POLICIES)


def _run_django(args: list[str], **env_overrides) -> subprocess.CompletedProcess:
    # A browser test of the same run sets DJANGO_ALLOW_ASYNC_UNSAFE for itself; production never does.
    dropped = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-" + "z7Qp" * 10,
    "ALLOWED_HOSTS": "rightsdesk.example",
    "SECURE_SSL_REDIRECT": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def test_deploy_checks_pass_under_production_settings():
    result = _run_django(["check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("DB_CONN_MAX_AGE", "soon", "DB_CONN_MAX_AGE must be a whole number"),
        ("DATABASE_URL", "nosuchdb://x", "DATABASE_URL is not a database URL"),
        ("BIOMETRIC_KEYS", "not-a-key", "BIOMETRIC_KEYS entry 1 is not a Fernet key"),
        ("SUBJECT_WRAPPING_KEYS", "not-a-key", "SUBJECT_WRAPPING_KEYS entry 1 is not a Fernet key"),
        ("SUBJECT_WRAPPING_KEYS", "", "SUBJECT_WRAPPING_KEYS must be set when DEBUG is off"),
        ("IDENTIFIER_PEPPER", "short", "IDENTIFIER_PEPPER must be at least 32 characters"),
        ("SECRET_KEY", "", "SECRET_KEY must be set when DEBUG is off"),
        ("TRANSPARENCY_LOG_KEY_FILE", "", "TRANSPARENCY_LOG_KEY_FILE must be set when DEBUG is off"),
    ],
)
def test_a_bad_setting_stops_start_up_with_a_message_naming_it(name, value, message):
    result = _run_django(["check"], **{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("behind_proxy, counted", [(False, "10.0.0.1"), (True, "203.0.113.7")])
def test_rate_limits_and_lock_out_count_the_clients_address_not_the_proxys(settings, behind_proxy, counted):
    from django.test import RequestFactory

    from orgs.client_address import client_address

    settings.BEHIND_PROXY = behind_proxy
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.7")

    assert client_address(request) == counted
    assert settings.AXES_CLIENT_IP_CALLABLE == settings.RATELIMIT_IP_META_KEY == "orgs.client_address.client_address"


def test_production_needs_a_shared_cache_for_its_rate_limits():
    env = {**PRODUCTION, "CACHE_URL": ""}
    result = _run_django(["check", "--deploy"], **env)
    assert result.returncode != 0
    assert "django_ratelimit.E003" in result.stderr


def test_production_never_writes_codes_to_files_or_the_console_by_default():
    show = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.SMS_BACKEND)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**{k: v for k, v in os.environ.items()
                if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "EMAIL_BACKEND", "SMS_BACKEND",
                             "DJANGO_ALLOW_ASYNC_UNSAFE"}}, **PRODUCTION},
    )
    assert result.stdout.split()[-2:] == [
        "django.core.mail.backends.smtp.EmailBackend", "requests_app.delivery.sms.UnconfiguredBackend"
    ], result.stderr
