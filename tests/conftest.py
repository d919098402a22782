"""Named actors every test can ask for: organisations A and B and their people."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests import factories


@pytest.fixture
def org_a(db):
    return factories.organisation(name="Hangzhou Wildlife Park", slug="park-a", jurisdiction="CN")


@pytest.fixture
def org_b(db):
    return factories.organisation(name="Nanjing Sales Office", slug="sales-b", jurisdiction="CN")


@pytest.fixture
def owner_a(org_a):
    return factories.member(org_a, "owner", username="owner_a")


@pytest.fixture
def officer_a(org_a):
    return factories.member(org_a, "officer", username="officer_a")


@pytest.fixture
def second_officer_a(org_a):
    return factories.member(org_a, "officer", username="officer2_a")


@pytest.fixture
def auditor_a(org_a):
    return factories.member(org_a, "auditor", username="auditor_a")


@pytest.fixture
def system_owner_a(org_a):
    return factories.member(org_a, "system_owner", username="sysowner_a")


@pytest.fixture
def officer_b(org_b):
    return factories.member(org_b, "officer", username="officer_b")


@pytest.fixture
def authority(db):
    return factories.authority()


@pytest.fixture
def regulator_a(authority, org_a):
    """A regulator whose authority holds a grant over organisation A, in force now."""
    found = factories.regulator(authority, username="regulator_a")
    factories.grant(authority, org_a)
    return found.user


@pytest.fixture
def regulator_b(org_b):
    """A regulator of another authority, with a grant over organisation B only."""
    other = factories.authority(name="Jiangsu Provincial Cyberspace Administration", name_zh="江苏省委网信办")
    found = factories.regulator(other, username="regulator_b")
    factories.grant(other, org_b)
    return found.user


@pytest.fixture
def administrator(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.com", "correct-horse-battery")


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Production uses WhiteNoise's manifest, which needs collectstatic; tests render without it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests make many users; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages go to requests_app.delivery.sms.outbox, emptied for every test like mail.outbox."""
    from requests_app.delivery import sms

    settings.SMS_BACKEND = "requests_app.delivery.sms.LocmemBackend"
    sms.outbox.clear()
    return sms.outbox


@pytest.fixture(autouse=True)
def own_cache_namespace(settings):
    """Each test counts rate limits from zero, without flushing a cache others share."""
    import uuid

    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"},
    }


@pytest.fixture(autouse=True)
def own_transparency_log_dir(settings, tmp_path):
    """Each test's signed heads are published to its own files: a head of a rolled-back
    test must not stand beside the next test's log."""
    settings.TRANSPARENCY_LOG_DIR = str(tmp_path / "transparency")


def pytest_configure(config):
    """The log's signing key exists before any test signs a head (make test names the
    file); and the flush between transactional tests may TRUNCATE the append-only tables
    (migration 0015's guard yields to this setting, which nothing but the tests sets)."""
    from django.conf import settings
    from django.db.backends.signals import connection_created

    from requests_app.transparency import heads

    key_file = Path(settings.TRANSPARENCY_LOG_KEY_FILE)
    if not key_file.exists():
        heads.create_key(key_file)
    connection_created.connect(_allow_truncate_in_tests, dispatch_uid="tests-allow-truncate")


def _allow_truncate_in_tests(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET rightsdesk.allow_truncate = on")


@pytest.fixture
def chromium_installed():
    """The browser tests' precondition (tests/browser.py): fail, never skip, without Chromium."""
    import os

    from tests.browser import CHROMIUM

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make test` as root (it installs it) or "
                    "`sudo apt-get install chromium fonts-noto-cjk`")


@pytest.fixture(autouse=True)
def fresh_working_calendars():
    """A calendar or an organisation kept from rows of an earlier (rolled back) test must not
    leak into this one."""
    from orgs import calendars, public_settings

    calendars.forget()
    public_settings.forget()
    yield
    calendars.forget()
    public_settings.forget()
